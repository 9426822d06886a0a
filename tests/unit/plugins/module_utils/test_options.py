# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection options: one declaration, served to lookups and modules,
documented by the doc fragment; and the lookup/module glue around the client."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.secretops.onepassword.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectSettings
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectConfigError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._options import (
    CONNECTION_OPTIONS,
    INI_SECTION,
    connect_argument_spec,
    settings_from_mapping,
    settings_from_plugin,
)

DOC = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
PLUGINS = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
TOKEN = "tok-" + "x" * 40


# -- the doc fragment tells the same story as the declaration ---------------------------
def test_fragment_documents_exactly_the_declared_options():
    assert set(DOC) == set(CONNECTION_OPTIONS)
    assert set(PLUGINS) == set(CONNECTION_OPTIONS)


@pytest.mark.parametrize("name", sorted(CONNECTION_OPTIONS))
def test_fragment_matches_declaration(name):
    decl, doc, plugins = CONNECTION_OPTIONS[name], DOC[name], PLUGINS[name]
    assert doc["type"] == decl["type"]
    assert doc.get("default") == decl.get("default")
    assert doc.get("aliases", []) == decl.get("aliases", [])
    assert [e["name"] for e in plugins.get("env", [])] == ([decl["env"]] if decl.get("env") else [])
    assert [v["name"] for v in plugins.get("vars", [])] == [decl["var"]]
    expected_ini = [{"section": INI_SECTION, "key": name}] if decl["ini"] else []
    assert plugins.get("ini", []) == expected_ini


def test_token_is_never_read_from_ini_and_is_no_log():
    assert "ini" not in PLUGINS["token"]
    assert CONNECTION_OPTIONS["token"]["no_log"] is True
    assert connect_argument_spec()["token"]["no_log"] is True


# -- modules: argument spec with env fallbacks ------------------------------------------
def _validate(params):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    return ArgumentSpecValidator(connect_argument_spec()).validate(params)


def test_module_spec_falls_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("OP_CONNECT_HOST", "http://from-env:8080")
    monkeypatch.setenv("OP_CONNECT_TOKEN", TOKEN)
    monkeypatch.setenv("OP_CONNECT_RETRIES", "5")
    result = _validate({})
    assert result.error_messages == []
    params = result.validated_parameters
    assert params["host"] == "http://from-env:8080"
    assert params["token"] == TOKEN
    assert TOKEN in result._no_log_values
    assert params["timeout"] == 30 and params["validate_certs"] is True
    settings = settings_from_mapping(params)
    assert settings.retries["total"] == 5


def test_module_task_args_and_aliases_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("OP_CONNECT_HOST", "http://from-env:8080")
    result = _validate({"hostname": "https://from-task", "auth_token": TOKEN, "validate_certs": "no",
                        "retries": {"total": 1}})
    assert result.error_messages == []
    settings = settings_from_mapping(result.validated_parameters)
    assert settings.host == "https://from-task"
    assert settings.validate_certs is False
    assert settings.retries["total"] == 1


def test_missing_host_is_a_clear_error():
    with pytest.raises(ConnectConfigError) as info:
        settings_from_mapping({"token": TOKEN})
    assert "OP_CONNECT_HOST" in str(info.value)


def test_module_glue_fails_cleanly_without_host(monkeypatch, capsys):
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule

    monkeypatch.delenv("OP_CONNECT_HOST", raising=False)
    monkeypatch.setenv("OP_CONNECT_TOKEN", TOKEN)
    with patch_module_args({"name": "x"}):
        module = ConnectModule(argument_spec={"name": {"type": "str"}})
        with pytest.raises(SystemExit) as info:
            module.client()
    assert info.value.code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert "No Connect host given" in result["msg"]
    assert TOKEN not in json.dumps(result)
    assert "exception" not in result


def test_module_glue_reports_connect_errors_with_suggestions(capsys):
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule

    with patch_module_args({"host": "http://127.0.0.1:9", "token": TOKEN}):
        module = ConnectModule(argument_spec={})
        with pytest.raises(SystemExit):
            with module.connect_errors():
                raise ConnectNotFoundError('No vault named "Prdo".', suggestions=["Prod"])
    result = json.loads(capsys.readouterr().out)
    assert result["msg"] == 'No vault named "Prdo".'
    assert result["suggestions"] == ["Prod"]


def test_module_glue_refuses_to_redefine_a_connection_option():
    from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule

    with pytest.raises(ValueError):
        ConnectModule(argument_spec={"host": {"type": "str"}})


# -- lookups: Ansible's own option precedence over the fragment's definitions ------------------
def _lookup():
    from ansible import constants as C

    from ansible_collections.secretops.onepassword.plugins.plugin_utils._lookup import ConnectLookupBase

    definitions = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    for name, extra in yaml.safe_load(ModuleDocFragment.PLUGINS)["options"].items():
        definitions[name].update(extra)

    class LookupModule(ConnectLookupBase):
        def run(self, terms, variables=None, **kwargs):
            self.set_options(var_options=variables, direct=kwargs)
            with self.connect_errors():
                return [self.connect_client().settings]

    C.config.initialize_plugin_configuration_definitions("lookup", "secretops_options_test", definitions)
    plugin = LookupModule()
    plugin._load_name = "secretops_options_test"
    return plugin


def test_lookup_precedence_keyword_over_vars_over_env_over_default(monkeypatch):
    monkeypatch.setenv("OP_CONNECT_HOST", "http://env:1")
    monkeypatch.setenv("OP_CONNECT_TOKEN", TOKEN)
    monkeypatch.setenv("OP_CONNECT_TIMEOUT", "7")
    lookup = _lookup()
    settings = lookup.run([], variables={})[0]
    assert (settings.host, settings.timeout, settings.retries["total"]) == ("http://env:1", 7, 3)
    settings = lookup.run([], variables={"op_connect_host": "http://vars:2", "op_connect_timeout": 9})[0]
    assert (settings.host, settings.timeout) == ("http://vars:2", 9)
    settings = lookup.run([], variables={"op_connect_host": "http://vars:2"}, host="http://kw:3", retries=0)[0]
    assert (settings.host, settings.retries["total"]) == ("http://kw:3", 0)
    settings = lookup.run([], variables={}, hostname="http://alias:4")[0]
    assert settings.host == "http://alias:4"


def test_lookup_errors_are_ansible_errors_without_traceback_or_token(monkeypatch):
    from ansible.errors import AnsibleLookupError

    monkeypatch.delenv("OP_CONNECT_HOST", raising=False)
    monkeypatch.setenv("OP_CONNECT_TOKEN", TOKEN)
    with pytest.raises(AnsibleLookupError) as info:
        _lookup().run([], variables={})
    assert "No Connect host given" in str(info.value)
    assert TOKEN not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_settings_from_plugin_reads_every_declared_option():
    class Plugin(object):
        def __init__(self):
            self.asked = []

        def get_option(self, name):
            self.asked.append(name)
            return {"host": "http://h:1", "token": TOKEN}.get(name)

    plugin = Plugin()
    settings = settings_from_plugin(plugin)
    assert isinstance(settings, ConnectSettings)
    assert sorted(plugin.asked) == sorted(CONNECTION_OPTIONS)
    assert settings.timeout == 30 and settings.validate_certs is True
