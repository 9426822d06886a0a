# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Shared glue of the collection's modules (target side).

    module = ConnectModule(argument_spec=dict(vault=dict(type="str", required=True)),
                           supports_check_mode=True)
    with module.connect_errors():
        client = module.client()
        ...
    module.exit_json(changed=False, ...)

The connection options (connect_argument_spec()) are merged with the
module's own spec; client() reports a missing ``requests`` with
missing_required_lib() and passes each retry warning to module.warn;
connect_errors() turns a ConnectError into fail_json(msg=...) naming what
failed, without a traceback and without the token.
"""

from __future__ import annotations

import contextlib
import inspect

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._options import (
    connect_argument_spec,
    settings_from_module,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._transport import (
    REQUESTS_IMPORT_ERROR,
    requests,
)


def _without_fallbacks_of_given_aliases(spec):
    """spec without the fallback of each option that the task sets by an alias.

    AnsibleModule applies fallbacks before it resolves aliases, so with
    OP_CONNECT_HOST set, a task giving hostname: would count as setting both
    host and hostname and get a warning about it. An option given under any of
    its names never uses its fallback, so that fallback is dropped up front.
    """
    given = set(basic._load_params() or {})  # the task's arguments, as AnsibleModule reads them
    adjusted = {}
    for name, entry in spec.items():
        if entry.get("fallback") and given & set(entry.get("aliases") or ()):
            entry = dict(entry)
            del entry["fallback"]
        adjusted[name] = entry
    return adjusted


class ConnectModule(AnsibleModule):
    """AnsibleModule with the connection options and a Connect client."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = connect_argument_spec()
        for name in argument_spec or {}:
            if name in spec:
                raise ValueError("option %s is a connection option already" % name)
        spec.update(argument_spec or {})
        super(ConnectModule, self).__init__(argument_spec=_without_fallbacks_of_given_aliases(spec), **kwargs)
        self._connect_client = None

    def client(self):
        """The Connect client for this run (created once)."""
        if self._connect_client is None:
            if requests is None:
                self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
            try:
                self._connect_client = ConnectClient(settings_from_module(self), warn=self.warn)
            except ConnectError as exc:
                self.fail_connect(exc)
        return self._connect_client

    def fail_connect(self, exc, **result):
        """fail_json with the error's message (and its suggestions/candidates when any)."""
        if isinstance(exc, ConnectNotFoundError) and exc.suggestions:
            result.setdefault("suggestions", exc.suggestions)
        if isinstance(exc, ConnectAmbiguousError) and exc.candidates:
            result.setdefault("candidates", exc.candidates)
        if getattr(exc, "status", None):
            result.setdefault("status", exc.status)
        self._close_client()
        if "exception" in inspect.signature(self.fail_json).parameters:
            # An expected Connect error is an answer, not a crash: ansible-core 2.19 would
            # otherwise attach the Python traceback (ANSIBLE_DISPLAY_TRACEBACK) to the result.
            result.setdefault("exception", "")
        self.fail_json(msg=str(exc), **result)

    def _close_client(self):
        if self._connect_client is not None:
            self._connect_client.close()
            self._connect_client = None

    @contextlib.contextmanager
    def connect_errors(self, **result):
        """Run the block; a ConnectError ends the module with fail_json(msg=...)."""
        try:
            yield
        except ConnectError as exc:
            self.fail_connect(exc, **result)

    def exit_json(self, **kwargs):
        self._close_client()
        super(ConnectModule, self).exit_json(**kwargs)
