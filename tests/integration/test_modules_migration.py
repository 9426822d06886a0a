# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""generic_item, item_info, field_info and vault_info: playbooks written for
onepassword.connect run with only the collection name changed; the
connection comes from module_defaults for the action group."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from test_modules_item import PLAYBOOKS, writes

VAULT = "ModulesMigration"
CODEWORD = "c0deword-Not-For-Output"


@pytest.fixture(scope="module")
def vault(devserver, tmp_path_factory):
    seed = tmp_path_factory.mktemp("migration-seed") / "seed.yml"
    seed.write_text(json.dumps({"vaults": [{"name": VAULT, "items": [
        {"title": "otp holder", "category": "LOGIN", "sections": [{"id": "securitysection00000000000", "label": "Security"}],
         "fields": [{"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING", "value": "ops"},
                    {"label": "one-time password", "type": "OTP", "section": {"id": "securitysection00000000000"},
                     "value": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=6&period=30"}]}]}]}))
    devserver.seed(str(seed))
    status, _h, vaults = devserver.api("GET", "/v1/vaults", token=devserver.default_token())
    return next(v for v in vaults if v["name"] == VAULT)


def connection(devserver):
    # Only module_defaults carry the connection: the environment has none.
    return ({"connect_host": devserver.url, "connect_token": devserver.default_token()},
            {"OP_CONNECT_HOST": None, "OP_CONNECT_TOKEN": None})


def test_generic_item_four_steps(run_playbook, devserver, vault, tmp_path):
    conn, env = connection(devserver)
    variables = dict(conn, vault_id=vault["id"], item_title="Club %s" % uuid.uuid4().hex[:8], codeword=CODEWORD)
    results = []
    for step, check in enumerate((True, False, False, True)):
        result_file = tmp_path / ("gi-%d.json" % step)
        before = writes(devserver)
        res = run_playbook(os.path.join(PLAYBOOKS, "generic_item.yml"), extra_vars=dict(variables, result_file=str(result_file)),
                           env=env, check=check, diff=True)
        assert res.rc == 0, res.stdout + res.stderr
        assert CODEWORD not in res.stdout + res.stderr
        data = json.loads(result_file.read_text())
        results.append((res.recap["localhost"]["changed"], writes(devserver) - before, data))
    assert [r[0] for r in results] == [1, 1, 0, 0]
    assert [r[1] for r in results] == [0, 1, 0, 0]
    real = results[1][2]["op_item"]
    assert real["category"] == "PASSWORD" and real["fields"]["password"]["purpose"] == "PASSWORD"
    assert len(real["fields"]["password"]["value"]) == 20
    # The registered op_item holds the values as stored (the task output is hidden); no value is
    # replaced by Ansible's no_log marker, which used to mangle ids and titles as well.
    assert real["fields"]["Codeword"]["value"] == CODEWORD
    status, _h, stored = devserver.api("GET", "/v1/vaults/%s/items/%s" % (vault["id"], real["id"]), token=devserver.default_token())
    assert next(f for f in stored["fields"] if f["label"] == "Codeword")["value"] == CODEWORD
    assert results[2][2]["op_item"]["fields"]["password"]["value"] == real["fields"]["password"]["value"]
    section_id = real["fields"]["Codeword"]["section"]["id"]
    assert real["fields"]["Member Number"]["section"]["id"] == section_id
    assert results[2][2]["op_item"]["fields"]["Codeword"]["section"]["id"] == section_id


def test_onepassword_connect_playbook_runs_unchanged(run_playbook, devserver, vault):
    conn, env = connection(devserver)
    res = run_playbook(os.path.join(PLAYBOOKS, "migration.yml"), env=env,
                       extra_vars=dict(conn, vault_id=vault["id"], run_id=uuid.uuid4().hex[:8]))
    assert res.rc == 0, res.stdout + res.stderr
    assert res.recap["localhost"]["failed"] == 0


def test_field_info_otp_and_section(run_playbook, devserver, vault, tmp_path):
    playbook = tmp_path / "otp.yml"
    result_file = tmp_path / "otp.json"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - secretops.onepassword.field_info:
        vault: %s
        item: OTP Holder
        section: security
        field: One-Time Password
      register: otp
    - ansible.builtin.copy:
        content: "{{ otp | to_json }}"
        dest: %s
        mode: "0600"
""" % (VAULT, result_file))
    res = run_playbook(str(playbook))
    assert res.rc == 0, res.stdout + res.stderr
    field = json.loads(result_file.read_text())["field"]
    assert field["type"] == "OTP" and len(field["otp"]) == 6 and field["otp"].isdigit()
    assert field["section_label"] == "Security" and field["section"] == "securitysection00000000000"
    assert field["label"] == "one-time password"
