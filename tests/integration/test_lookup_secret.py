# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret and item lookups against the dev server, through real ansible-playbook runs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time

import pytest

from test_lookup_data import PLAYBOOKS, broker_pids, seed_lookup_data, wait_until

OTP_KEY = b"12345678901234567890"


def totp(at):
    mac = hmac.new(OTP_KEY, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


@pytest.fixture(scope="module")
def data(devserver, tmp_path_factory):
    return seed_lookup_data(devserver, tmp_path_factory.mktemp("lookup-seed"))


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def test_values_of_every_reference_kind(data, run_playbook, tmp_path):
    out = tmp_path / "values.json"
    started = time.time()
    result = run_playbook(os.path.join(PLAYBOOKS, "values.yml"),
                          extra_vars={"out": str(out), "ids": data["ids"]},
                          env={"OP_VAULT": "lookup-prod"})
    ended = time.time()
    assert result.rc == 0, result
    got = read_json(out)
    assert got["full"] == "pw-db"
    assert got["case_insensitive"] == "admin"
    assert got["by_ids"] == "db2.example.com"
    assert got["section"] == "db2.example.com"
    assert got["section_case"] == "db1.example.com"
    assert got["exact_beats_case"] == "5432"
    assert got["exact_item"] == "pw-alpha-lower"
    assert (got["type"], got["purpose"], got["label"]) == ("CONCEALED", "PASSWORD", "Port")  # the real label
    assert got["id"] == data["ids"]["host_replica"]
    codes = set(totp(t) for t in range(int(started) - 1, int(ended) + 2))
    assert got["otp"] in codes and got["totp"] in codes
    assert got["otp_uri"].startswith("otpauth://totp/")
    assert got["ssh_pkcs8"].strip() == data["ssh_pem"].strip()
    assert got["ssh_openssh"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert data["ssh_check"](got["ssh_openssh"])
    assert got["file_text"] == data["ca_pem"]
    assert got["file_in_section"] == "KEY IN SECTION\n"
    assert base64.b64decode(got["file_base64"]) == data["blob"]
    assert got["file_id"] == data["ids"]["blob"]
    assert got["short_option"] == "pw-dev"
    assert got["short_env"] == "pw-db"
    assert got["short_var"] == "pw-dev"  # the op_vault variable beats OP_VAULT
    assert got["many"] == ["admin", "pw-web", "pw-db", "pw-dev"]
    assert got["template_trap"] == "{{ 7 * 6 }}"
    assert got["ignored"] is True
    assert got["warned"] == [None, "pw-web"]
    assert "[WARNING]" in result.output and "no such item" in result.output

    item = got["item"]
    assert item["title"] == "db" and item["vault"]["name"] == "lookup-prod"
    assert item["fields"]["username"] == "admin" and "host" not in item["fields"]
    assert item["duplicate_labels"] == ["host"]
    assert item["sections"]["primary"]["host"] == "db1.example.com"
    assert item["sections"]["replica"] == {"host": "db2.example.com", "port": "5433"}
    hosts = [(f["section"], f["value"]) for f in item["field_list"] if f["label"] == "host"]
    assert sorted(hosts) == [("primary", "db1.example.com"), ("replica", "db2.example.com")]
    web = got["item_short"]
    contents = dict((f["name"], base64.b64decode(f["content"])) for f in web["files"])
    assert contents == {"ca.pem": data["ca_pem"].encode(), "key.pem": b"KEY IN SECTION\n", "blob.bin": data["blob"]}
    assert [i["title"] for i in got["items"]] == ["alpha", "db"]
    assert got["items"][1]["vault"]["name"] == "lookup-dev"


ERROR_CASES = [
    # (reference, options, expected fragments of the message)
    ("op://lookup-prod/db/passwrd", {}, ['No field or file named "passwrd"', 'Did you mean: "password"']),
    ("op://lookup-prod/dbb/password", {}, ['No item named "dbb"', '"db"']),
    ("op://lookup-prd/db/password", {}, ['No vault named "lookup-prd"', "lookup-prod"]),
    ("op://lookup-prod/db/replca/host", {}, ['No section named "replca"', '"replica"']),
    ("op://lookup-prod/db/host", {}, ["2 fields or files match", 'section "primary"', 'section "replica"']),
    ("op://lookup-prod/twin/password", {"on_missing": "ignore"}, ["2 items match", "twin"]),
    ("op://lookup-prod/ALPHA/password", {}, ["2 items match", "Alpha", "alpha"]),
    ("op://lookup-prod//password", {}, ["the item part is empty", "op://<vault>/<item>/[<section>/]<field>"]),
    ("op://lookup-prod/db/password?attribute=secret", {}, ['unknown attribute "secret"']),
    ("lookup-prod/db/password/x", {}, ["no default vault", "op://<vault>/<item>"]),
    ("op://lookup-prod/db/password?attribute=otp", {}, ["not a one-time password"]),
    ("op://lookup-prod/db/password?ssh-format=openssh", {}, ["Cannot convert", "OpenSSH"]),
    ("op://lookup-prod/web/blob.bin", {}, ["not UTF-8 text", "file_encoding=base64"]),
    ("op://lookup-prod/db/password", {"on_missing": "sometimes"}, ["on_missing"]),
    ("op://lookup-prod/db/password", {"cache_ttl": -1}, ["cache_ttl"]),
    ("op://lookup-prod/nope", {"plugin": "secretops.onepassword.item"}, ['No item named "nope"']),
    ("op://lookup-prod/db/password", {"plugin": "secretops.onepassword.item"}, ["3 parts", "op://<vault>/<item>"]),
]


def test_errors_are_specific(data, run_playbook, tmp_path):
    out = tmp_path / "errors.json"
    cases = []
    for ref, opts, dummy in ERROR_CASES:
        opts = dict(opts)
        case = {"ref": ref, "opts": opts}
        if "plugin" in opts:
            case["plugin"] = opts.pop("plugin")
        cases.append(case)
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"), extra_vars={"out": str(out), "cases": cases})
    assert result.rc == 0, result
    messages = read_json(out)
    assert len(messages) == len(ERROR_CASES)
    for (ref, opts, fragments), message in zip(ERROR_CASES, messages):
        for fragment in fragments:
            assert fragment in message, (ref, message)
        assert "Traceback" not in message
        for secret in ("pw-db", "pw-web", data["token"], "pw-twin", "pw-alpha"):
            assert secret not in message, (ref, message)


def test_wrong_token_and_scope(data, devserver, run_playbook, tmp_path):
    cases = [{"ref": "op://lookup-prod/db/password"}]
    other = devserver.token({"lookup-dev": "r"})
    # Each run writes its own file, and each run must succeed: a run that fails
    # before writing must not leave the test reading the previous run's outcome.
    out = tmp_path / "scope.json"
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"), extra_vars={"out": str(out), "cases": cases},
                          env={"OP_CONNECT_TOKEN": other})
    assert result.rc == 0, result
    message = read_json(out)[0]
    assert 'No vault named "lookup-prod"' in message and other not in message, message
    out = tmp_path / "invalid.json"
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"), extra_vars={"out": str(out), "cases": cases},
                          env={"OP_CONNECT_TOKEN": "not-a-valid-token"})
    assert result.rc == 0, result
    message = read_json(out)[0]
    assert "401" in message and "not-a-valid-token" not in message, message


def test_nothing_secret_at_vvvv(data, devserver, run_playbook, tmp_path):
    out = tmp_path / "values.json"
    result = run_playbook(os.path.join(PLAYBOOKS, "values.yml"), extra_vars={"out": str(out), "ids": data["ids"]},
                          env={"OP_VAULT": "lookup-prod"}, verbosity=4)
    assert result.rc == 0, result
    output = result.output
    assert "secretops.onepassword.secret:" in output  # the lookups did log at -vvv
    for secret in ["pw-db", "pw-web", "pw-dev", "db2.example.com", devserver.default_token(), "GEZDGNBVGY3TQOJQ",
                   data["ssh_pem"].splitlines()[1], "KEY IN SECTION"]:
        assert secret not in output, secret


def test_run_cache_fetches_each_item_once_for_many_hosts(data, devserver, run_playbook, collections_root, tmp_path):
    inventory = tmp_path / "fleet.ini"
    hosts = ["h%02d" % n for n in range(20)]
    inventory.write_text("[fleet]\n" + "\n".join(hosts) + "\n\n[fleet:vars]\nansible_connection=local\n")
    expected = "admin:pw-db@db2.example.com pw-web"
    before_brokers = broker_pids(collections_root)
    before = devserver.request_count()
    result = run_playbook(os.path.join(PLAYBOOKS, "fleet.yml"), inventory=str(inventory),
                          extra_vars={"expected": expected})
    assert result.rc == 0, result
    cached = devserver.request_count() - before - 1  # the /metrics request itself
    assert all(result.recap[h]["failed"] == 0 for h in hosts)
    # 1 vault + 2 items x (title lookup + fetch) = 5; allow a little slack, far below per-host fetching.
    print("fleet of %d hosts: %d requests with the run cache" % (len(hosts), cached))
    assert cached <= 7, cached
    # The broker ends with the run.
    assert wait_until(lambda: broker_pids(collections_root) <= before_brokers, 10), \
        broker_pids(collections_root) - before_brokers

    before = devserver.request_count()
    result = run_playbook(os.path.join(PLAYBOOKS, "fleet.yml"), inventory=str(inventory),
                          extra_vars={"expected": expected}, env={"OP_LOOKUP_CACHE": "false"})
    assert result.rc == 0, result
    uncached = devserver.request_count() - before - 1
    print("fleet of %d hosts: %d requests without it" % (len(hosts), uncached))
    assert uncached >= len(hosts) * 4, uncached


def test_external_change_is_cached_within_the_run_unless_disabled(data, devserver, run_playbook, tmp_path):
    out = tmp_path / "external.json"
    api_url = "%s/v1/vaults/%s/items/%s" % (devserver.url, data["ids"]["vault"], data["ids"]["external"])
    extra = {"out": str(out), "api_url": api_url, "api_token": data["token"], "new_value": "ext-2"}
    result = run_playbook(os.path.join(PLAYBOOKS, "external_change.yml"), extra_vars=extra)
    assert result.rc == 0, result
    first = read_json(out)
    assert first["second"] == first["first"]  # the run-wide cache answered
    extra["new_value"] = "ext-3"
    result = run_playbook(os.path.join(PLAYBOOKS, "external_change.yml"), extra_vars=extra,
                          env={"OP_LOOKUP_CACHE": "false"})
    assert result.rc == 0, result
    second = read_json(out)
    assert second == {"first": "ext-2", "second": "ext-3"}


def test_writes_by_the_item_module_are_seen_by_later_lookups(data, run_playbook):
    result = run_playbook(os.path.join(PLAYBOOKS, "refresh.yml"),
                          extra_vars={"old_value": "rot-1", "new_value": "rot-2"})
    assert result.rc == 0, result
    assert result.recap["localhost"]["changed"] == 1


def test_writes_and_lookups_in_one_worker_see_each_other(data, run_playbook):
    result = run_playbook(os.path.join(PLAYBOOKS, "refresh_loop.yml"))
    assert result.rc == 0, result
    assert result.recap["localhost"]["changed"] == 2  # created, then the loop's three writes


def test_cache_never_serves_another_token(data, devserver, run_playbook, tmp_path):
    """A value cached for one token is not given to a token without access to its vault."""
    out = tmp_path / "errors.json"
    narrow = devserver.token({"lookup-dev": "r"})
    cases = [
        {"ref": "op://lookup-prod/db/password"},  # fills the run cache with the wide token
        {"ref": "op://lookup-prod/db/password", "opts": {"token": narrow}},
        {"ref": "op://lookup-dev/db/password", "opts": {"token": narrow}},
    ]
    result = run_playbook(os.path.join(PLAYBOOKS, "errors.yml"), extra_vars={"out": str(out), "cases": cases})
    assert result.rc == 0, result
    messages = read_json(out)
    assert messages[0] == "" and messages[2] == ""
    assert 'No vault named "lookup-prod"' in messages[1]
