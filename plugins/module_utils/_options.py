# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The connection options as modules take them, and settings for the client.

Where each option comes from is declared once per kind of plugin:
- lookups: the doc fragment plugins/doc_fragments/connection.py (PLUGINS) is
  their whole configuration (keyword, play variable, environment, ini,
  default); Ansible's get_option applies it, settings_from_plugin() reads it;
- modules: CONNECTION_OPTIONS below, from which connect_argument_spec() builds
  the argument spec with its environment fallbacks; the same fragment's
  DOCUMENTATION part documents it, and a unit test keeps the two in step.

Lookups import this module in every forked worker: it imports _settings,
which does not import requests.
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ConnectSettings,
)

# One entry per option: the module argument spec, and "env", the variable a
# module reads on the target when the option is not set.
CONNECTION_OPTIONS = {
    "host": {
        "type": "str",
        "aliases": ["hostname"],
        "env": "OP_CONNECT_HOST",
    },
    "token": {
        "type": "str",
        "aliases": ["auth_token"],
        "env": "OP_CONNECT_TOKEN",
        "no_log": True,
    },
    "validate_certs": {
        "type": "bool",
        "default": True,
        "env": "OP_CONNECT_VALIDATE_CERTS",
    },
    "ca_path": {
        "type": "path",
        "env": "OP_CONNECT_CA_PATH",
    },
    "client_cert": {
        "type": "path",
        "env": "OP_CONNECT_CLIENT_CERT",
    },
    "client_key": {
        "type": "path",
        "env": "OP_CONNECT_CLIENT_KEY",
        "no_log": False,  # a path, not a secret
    },
    "timeout": {
        "type": "int",
        "default": DEFAULT_TIMEOUT,
        "env": "OP_CONNECT_TIMEOUT",
    },
    "retries": {
        "type": "raw",
        "default": DEFAULT_RETRIES,
        "env": "OP_CONNECT_RETRIES",
    },
    "proxies": {
        "type": "dict",
        "env": None,  # requests already honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY
        "no_log": True,  # a proxy URL may carry user:password
    },
}

OPTION_NAMES = tuple(CONNECTION_OPTIONS)


def connect_argument_spec():
    """The connection options as an AnsibleModule argument spec (a new dict each call)."""
    from ansible.module_utils.basic import env_fallback

    spec = {}
    for name, decl in CONNECTION_OPTIONS.items():
        entry = {"type": decl["type"]}
        if "default" in decl:
            entry["default"] = decl["default"]
        if decl.get("aliases"):
            entry["aliases"] = list(decl["aliases"])
        if "no_log" in decl:
            entry["no_log"] = decl["no_log"]
        if decl.get("env"):
            entry["fallback"] = (env_fallback, [decl["env"]])
        spec[name] = entry
    return spec


def settings_from_mapping(values, user_agent=None):
    """ConnectSettings from a dict of option name -> value (missing keys: defaults)."""
    values = dict(values or {})
    kwargs = {}
    for name, decl in CONNECTION_OPTIONS.items():
        value = values.get(name)
        if value is None and "default" in decl:
            value = decl["default"]
        kwargs[name] = value
    return ConnectSettings(user_agent=user_agent, **kwargs)


def settings_from_plugin(plugin, user_agent=None):
    """ConnectSettings from a plugin whose options come from the connection doc fragment.

    The plugin must have called set_options(var_options=..., direct=...) first.
    """
    return settings_from_mapping(dict((name, plugin.get_option(name)) for name in OPTION_NAMES), user_agent)


def settings_from_module(module, user_agent=None):
    """ConnectSettings from an AnsibleModule built with connect_argument_spec()."""
    return settings_from_mapping(dict((name, module.params.get(name)) for name in OPTION_NAMES), user_agent)
