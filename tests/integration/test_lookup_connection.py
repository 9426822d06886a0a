# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How lookups and modules take their connection and options, through real ansible-playbook runs:
templated and vaulted op_* variables, vaults out of a token's reach, unknown lookup options,
connection aliases beside the environment, and a proxy password kept out of every output."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import VENV_BIN, free_port
from test_lookup_data import PLAYBOOKS, seed_lookup_data

VAULT_PASSWORD = "inventory-vault-password"


@pytest.fixture(scope="module")
def data(devserver, tmp_path_factory):
    return seed_lookup_data(devserver, tmp_path_factory.mktemp("lookup-seed"))


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def encrypt_string(password_file, name, value):
    """`name: !vault |...` as ansible-vault writes it."""
    completed = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-vault"), "encrypt_string", "--vault-password-file", str(password_file),
         "--name", name, value],
        capture_output=True, text=True, check=True, timeout=120)
    return completed.stdout


def failures(result):
    """The failed tasks of a verbose run (its whole output is too long for an assertion message)."""
    lines = result.output.splitlines()
    return "\n".join(line[:2000] for line in lines if line.lstrip().startswith(("fatal:", "failed:", "ERROR", "\"msg\""))) or repr(result)


def run_error_cases(run_playbook, out, cases, env=None):
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"), extra_vars={"out": str(out), "cases": cases},
                          env=env)
    assert result.rc == 0, failures(result)
    return read_json(out)


def test_templated_and_vaulted_connection_variables(data, devserver, run_playbook, tmp_path):
    """op_connect_host/op_connect_token/op_vault may be templates, also of vaulted variables."""
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    wide = data["token"]
    dev_only = devserver.token({"lookup-dev": "r"})
    inventory_dir = tmp_path / "inventory"
    (inventory_dir / "group_vars").mkdir(parents=True)
    (inventory_dir / "host_vars").mkdir()
    (inventory_dir / "hosts.ini").write_text(
        "[fleet]\ntemplated\nvaulted\n\n[fleet:vars]\nansible_connection=local\n")
    # Group: every op_* variable a template; the token a template of a vaulted variable.
    (inventory_dir / "group_vars" / "fleet.yml").write_text(
        "connect_url: %s\n" % devserver.url
        + encrypt_string(password_file, "vault_op_token", wide)
        + 'op_connect_host: "{{ connect_url }}"\n'
        + 'op_connect_token: "{{ vault_op_token }}"\n'
        + "op_vault: \"{{ 'lookup-' ~ 'prod' }}\"\n")
    # One host: the token itself vaulted, the default vault a template of a host variable.
    (inventory_dir / "host_vars" / "vaulted.yml").write_text(
        encrypt_string(password_file, "op_connect_token", dev_only)
        + "dev_vault: lookup-dev\n"
        + 'op_vault: "{{ dev_vault }}"\n')
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    # The environment points elsewhere: only the variables can make this work.
    result = run_playbook(os.path.join(PLAYBOOKS, "connection_vars.yml"),
                          inventory=str(inventory_dir / "hosts.ini"), extra_vars={"out_dir": str(out_dir)},
                          env={"OP_CONNECT_HOST": "http://127.0.0.1:%d" % free_port(), "OP_CONNECT_TOKEN": None,
                               "ANSIBLE_VAULT_PASSWORD_FILE": str(password_file)},
                          verbosity=4)
    assert result.rc == 0, failures(result)
    assert read_json(out_dir / "templated.json") == {"secret": "pw-db", "item_vault": "lookup-prod"}
    assert read_json(out_dir / "vaulted.json") == {"secret": "pw-dev", "item_vault": "lookup-dev"}
    for token in (wide, dev_only):
        assert token not in result.output


def test_a_template_that_fails_names_the_variable_only(data, run_playbook, tmp_path):
    cases = [{"ref": "op://lookup-prod/db/password", "opts": {}}]
    out = tmp_path / "undefined.json"
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"),
                          extra_vars={"out": str(out), "cases": cases,
                                      "op_connect_token": "{{ no_such_variable }}"})
    assert result.rc == 0, result
    message = read_json(out)[0]
    assert "op_connect_token" in message and "no_such_variable" in message, message
    assert "Traceback" not in message


def test_a_vault_out_of_the_tokens_reach_always_fails(data, devserver, run_playbook, tmp_path):
    """Connect lists only the token's vaults: a vault not in that list is an access error, never "missing"."""
    scoped = devserver.token({"lookup-dev": "r"})
    cases = [
        {"ref": "op://lookup-prod/db/password", "opts": {"on_missing": "ignore"}},
        {"ref": "op://lookup-prod/db/password", "opts": {"on_missing": "warn"}},
        {"ref": "op://lookup-prod/db", "opts": {"on_missing": "ignore"}, "plugin": "secretops.onepassword.item"},
        {"ref": "db/password", "opts": {"on_missing": "ignore", "vault": "lookup-prod"}},
        {"ref": "op://no-such-vault/db/password", "opts": {"on_missing": "ignore"}},
        # on_missing still applies below the vault
        {"ref": "op://lookup-dev/no such item/password", "opts": {"on_missing": "ignore"}},
        {"ref": "op://lookup-dev/db/password", "opts": {"on_missing": "ignore"}},
    ]
    messages = run_error_cases(run_playbook, tmp_path / "scope.json", cases, env={"OP_CONNECT_TOKEN": scoped})
    for case, message in zip(cases[:5], messages[:5]):
        assert "does not exist or this token has no access to it" in message, (case, message)
        assert scoped not in message
    assert messages[5:] == ["", ""]


UNKNOWN_OPTION_CASES = [
    # (plugin, options, expected fragments)
    ("secretops.onepassword.secret", {"vualt": "lookup-prod"}, ['unknown option "vualt" (did you mean "vault"?)']),
    ("secretops.onepassword.secret", {"on_mising": "ignore"}, ['"on_mising" (did you mean "on_missing"?)']),
    ("secretops.onepassword.secret", {"fle_encoding": "base64"}, ['"fle_encoding" (did you mean "file_encoding"?)']),
    ("secretops.onepassword.secret", {"include_files": True}, ['unknown option "include_files"']),
    ("secretops.onepassword.item", {"include_file": True, "on_mising": "warn"},
     ['unknown options', '"include_file" (did you mean "include_files"?)', '"on_mising" (did you mean "on_missing"?)']),
    ("secretops.onepassword.item", {"xyzzy": 1}, ['unknown option "xyzzy".', "Valid options:", "on_missing"]),
]


def test_unknown_lookup_options_are_rejected(data, devserver, run_playbook, tmp_path):
    cases = [{"ref": "op://lookup-prod/db", "plugin": plugin, "opts": opts}
             for plugin, opts, dummy in UNKNOWN_OPTION_CASES]
    for case in cases:
        if case["plugin"].endswith(".secret"):
            case["ref"] += "/password"
    messages = run_error_cases(run_playbook, tmp_path / "unknown.json", cases)
    for (plugin, opts, fragments), message in zip(UNKNOWN_OPTION_CASES, messages):
        assert plugin + ": unknown option" in message, message
        for fragment in fragments:
            assert fragment in message, (opts, message)
    # Aliases of the options are valid keywords.
    messages = run_error_cases(run_playbook, tmp_path / "aliases.json", [
        {"ref": "op://lookup-prod/db/password", "opts": {"hostname": devserver.url}}])
    assert messages == [""]


def test_module_aliases_beside_the_environment_and_a_proxy_password(data, devserver, run_playbook, tmp_path):
    """hostname/auth_token/vault_id with OP_CONNECT_HOST/OP_CONNECT_TOKEN/OP_VAULT set: no warning.
    A proxy password appears in no output (-vvv, registered results), and nothing else is masked."""
    proxy_password = "Pr0xyPassw0rd-%d" % free_port()
    proxy_url = "http://proxyuser:%s@127.0.0.1:%d" % (proxy_password, free_port())
    out = tmp_path / "modules.json"
    result = run_playbook(os.path.join(PLAYBOOKS, "module_connection.yml"),
                          extra_vars={"out": str(out), "connect_url": devserver.url, "connect_token": data["token"],
                                      "proxy_url": proxy_url},
                          env={"OP_VAULT": "lookup-prod"}, verbosity=3)
    assert result.rc == 0, failures(result)
    assert "Both option" not in result.output and "[WARNING]" not in result.output, result
    got = read_json(out)
    assert got["by_alias"]["vault"]["name"] == "lookup-prod"
    assert got["item_alias"]["changed"] is False and got["item_alias"]["vault_id"]
    assert got["with_proxy"]["vault"]["name"] == "lookup-prod"
    assert got["with_proxy"]["vault"]["id"] == data["ids"]["vault"]
    assert got["proxied_secret"] == "admin"
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in result.output  # the invocation shown at -vvv
    assert proxy_password not in result.output
    assert proxy_password not in out.read_text()
