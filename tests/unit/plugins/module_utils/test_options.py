# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection options: the doc fragment configures lookups and documents
the modules' argument spec, which must agree with it; and the lookup/module
glue around the client."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.secretops.onepassword.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import ConnectSettings
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectConfigError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._options import (
    CONNECTION_OPTIONS,
    connect_argument_spec,
    settings_from_mapping,
    settings_from_plugin,
)

DOC = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
PLUGINS = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
TOKEN = "tok-" + "x" * 40
# Secrets, and a dict, are never read from ansible.cfg.
NOT_FROM_INI = ("token", "proxies")


# -- the doc fragment and the module argument spec tell the same story -------------------
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


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_lookup_configuration_follows_one_naming_rule(name):
    """Each option: play variable op_connect_<name>, ini key <name> in [secretops_onepassword] unless secret."""
    plugins = PLUGINS[name]
    assert [v["name"] for v in plugins.get("vars", [])] == ["op_connect_" + name]
    expected_ini = [] if name in NOT_FROM_INI else [{"section": "secretops_onepassword", "key": name}]
    assert plugins.get("ini", []) == expected_ini


@pytest.mark.parametrize("name", sorted(CONNECTION_OPTIONS))
def test_fragment_documents_the_environment_fallback_modules_use(name):
    """Modules have no env: key in their docs: the description names the variable connect_argument_spec() reads."""
    description = " ".join(DOC[name]["description"])
    env = CONNECTION_OPTIONS[name].get("env")
    fallback = connect_argument_spec()[name].get("fallback")
    if env:
        assert "When the option is not set, E(%s) is used (modules read it on the target)" % env in description
        assert list(fallback[1]) == [env]
    else:
        assert fallback is None and "When the option is not set, E(" not in description


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


def test_proxies_are_no_log():
    """A proxy URL may carry user:password: it must never reach invocation.module_args."""
    proxy = "http://user:proxy-pass@proxy.example.com:3128"
    assert connect_argument_spec()["proxies"]["no_log"] is True
    result = _validate({"host": "http://h:1", "token": TOKEN, "proxies": {"https": proxy}})
    assert result.error_messages == []
    assert proxy in result._no_log_values and "https" not in result._no_log_values


def _module_warnings(args, monkeypatch, env, extra_spec=None):
    from ansible.module_utils.common import arg_spec
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    warned = []
    monkeypatch.setattr(arg_spec, "warn", lambda message, **kwargs: warned.append(message))
    with patch_module_args(args):
        module = ConnectModule(argument_spec=extra_spec or {})
    return module, warned


@pytest.mark.parametrize("args", [
    {"hostname": "https://from-task", "auth_token": TOKEN, "vault_id": "Prod"},
    {"host": "https://from-task", "token": TOKEN, "vault": "Prod"},
])
def test_an_option_given_by_its_alias_ignores_its_environment_fallback(monkeypatch, args):
    from ansible.module_utils.basic import env_fallback

    spec = {"vault": {"type": "str", "aliases": ["vault_id"], "fallback": (env_fallback, ["OP_VAULT"])}}
    env = {"OP_CONNECT_HOST": "http://from-env:8080", "OP_CONNECT_TOKEN": "env-" + TOKEN, "OP_VAULT": "EnvVault"}
    module, warned = _module_warnings(args, monkeypatch, env, spec)
    assert warned == []
    assert (module.params["host"], module.params["token"], module.params["vault"]) == (
        "https://from-task", TOKEN, "Prod")


def test_the_environment_fallback_still_applies_when_no_name_is_given(monkeypatch):
    from ansible.module_utils.basic import env_fallback

    spec = {"vault": {"type": "str", "aliases": ["vault_id"], "fallback": (env_fallback, ["OP_VAULT"])}}
    env = {"OP_CONNECT_HOST": "http://from-env:8080", "OP_CONNECT_TOKEN": TOKEN, "OP_VAULT": "EnvVault"}
    module, warned = _module_warnings({}, monkeypatch, env, spec)
    assert warned == []
    assert (module.params["host"], module.params["vault"]) == ("http://from-env:8080", "EnvVault")
    assert TOKEN in module.no_log_values


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
                return [self.connect_settings()]

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


class FakeTemplar(object):
    """Templates "{{ name }}" from the variables it was given (records what it was asked)."""

    def __init__(self, fail=None):
        self.variables = None
        self.asked = []
        self.fail = fail

    def copy_with_new_env(self, available_variables=None):
        self.variables = available_variables
        return self

    def template(self, value):
        from ansible.errors import AnsibleError

        self.asked.append(value)
        if isinstance(value, str) and value.startswith("{{"):
            name = value.strip("{} ")
            if name not in self.variables:
                raise AnsibleError("'%s' is undefined\nsecond line" % name)
            return self.variables[name]
        return value


def test_lookup_templates_the_variables_its_options_are_read_from(monkeypatch):
    monkeypatch.delenv("OP_CONNECT_HOST", raising=False)
    monkeypatch.delenv("OP_CONNECT_TOKEN", raising=False)
    lookup = _lookup()
    lookup._templar = FakeTemplar()
    variables = {"url": "http://templated:5", "vaulted_token": TOKEN, "unrelated": "{{ not_templated }}",
                 "op_connect_host": "{{ url }}", "op_connect_token": "{{ vaulted_token }}", "op_connect_timeout": 4}
    settings = lookup.run([], variables=variables)[0]
    assert (settings.host, settings.token, settings.timeout) == ("http://templated:5", TOKEN, 4)
    assert sorted(lookup._templar.asked, key=str) == sorted([4, "{{ url }}", "{{ vaulted_token }}"], key=str)
    assert variables["op_connect_host"] == "{{ url }}"  # the caller's variables are left as they were


def test_lookup_names_the_variable_whose_template_fails_never_its_value(monkeypatch):
    from ansible.errors import AnsibleLookupError

    lookup = _lookup()
    lookup._templar = FakeTemplar()
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run([], variables={"op_connect_host": "http://h:1", "op_connect_token": "{{ missing_token }}"})
    message = str(info.value)
    assert "op_connect_token" in message and "'missing_token' is undefined" in message
    assert "second line" not in message


@pytest.mark.parametrize("kwargs, fragments", [
    ({"hots": "http://h:1"}, ['unknown option "hots" (did you mean "host"?)']),
    ({"validate_cert": False, "timout": 3}, ['unknown options', '"timout" (did you mean "timeout"?)',
                                             '"validate_cert" (did you mean "validate_certs"?)']),
    ({"zzz": 1}, ['unknown option "zzz".', "Valid options: auth_token, ca_path"]),
])
def test_lookup_rejects_unknown_keywords(monkeypatch, kwargs, fragments):
    from ansible.errors import AnsibleLookupError

    monkeypatch.setenv("OP_CONNECT_HOST", "http://env:1")
    monkeypatch.setenv("OP_CONNECT_TOKEN", TOKEN)
    with pytest.raises(AnsibleLookupError) as info:
        _lookup().run([], variables={}, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


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
