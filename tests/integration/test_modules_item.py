# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The item module against the dev server, through real ansible-playbook runs.

Every kind of change goes through the four steps: check mode (changed, no
write), real (changed, writes), again (unchanged, no write), again in check
mode (unchanged, no write). Writes are counted from the server's /metrics.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, "playbooks", "modules")
VAULT = "ModulesItems"
SECRET = "Sup3r-s3cret-pw!"
SECTION_ID = "connsection000000000000000"

_METRIC = re.compile(r'^connect_dev_http_requests_total\{([^}]*)\}\s+([0-9.eE+]+)$')


def request_counts(devserver):
    """{method: count} of requests the server answered."""
    status, _h, body = devserver.api("GET", "/metrics")
    assert status == 200
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    counts = {}
    for line in body.splitlines():
        match = _METRIC.match(line.strip())
        if match:
            method = re.search(r'method="([A-Z]+)"', match.group(1)).group(1)
            counts[method] = counts.get(method, 0) + int(float(match.group(2)))
    return counts


def writes(devserver):
    counts = request_counts(devserver)
    return sum(counts.get(m, 0) for m in ("POST", "PUT", "PATCH", "DELETE"))


@pytest.fixture(scope="module")
def vault(devserver, tmp_path_factory):
    seed = tmp_path_factory.mktemp("modules-seed") / "seed.yml"
    seed.write_text(json.dumps({"vaults": [
        {"name": VAULT, "description": "items managed by the module tests", "items": []},
        {"name": "ModulesReadOnly", "items": [{"title": "locked", "category": "LOGIN", "fields": [
            {"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING", "value": "u"}]}]},
        {"name": "ModulesFiles", "items": [{"title": "attached", "category": "SECURE_NOTE",
                                            "files": [{"name": "key.txt", "content": "file-content"}]}]},
    ]}))
    devserver.seed(str(seed))
    status, _h, vaults = devserver.api("GET", "/v1/vaults", token=devserver.default_token())
    assert status == 200
    return next(v for v in vaults if v["name"] == VAULT)


@pytest.fixture
def play(run_playbook, tmp_path):
    """play(cases, check=False, diff=False, env=None, expect_rc=0) -> (playbook result, [module results])."""
    counter = [0]

    def run(cases, check=False, diff=False, env=None, expect_rc=0, ignore_errors=False, verbosity=0):
        counter[0] += 1
        result_file = tmp_path / ("result-%d.json" % counter[0])
        variables = {"op_cases": cases, "result_file": str(result_file), "op_ignore_errors": ignore_errors}
        res = run_playbook(os.path.join(PLAYBOOKS, "cases.yml"), extra_vars=variables, check=check, diff=diff, env=env,
                           verbosity=verbosity)
        assert res.rc == expect_rc, res.stdout + res.stderr
        data = json.loads(result_file.read_text()) if result_file.exists() else None
        return res, data
    return run


def four_steps(play, devserver, cases):
    """Check, real, again, again in check mode over every case; returns (check, real) results."""
    before = writes(devserver)
    res, checked = play(cases, check=True, diff=True)
    assert [r["changed"] for r in checked] == [True] * len(cases), res.stdout
    assert writes(devserver) == before, "check mode wrote to the server"

    res, real = play(cases, diff=True)
    assert [r["changed"] for r in real] == [True] * len(cases), res.stdout
    after_real = writes(devserver)
    assert after_real - before == len(cases), "expected one write per case"

    res, again = play(cases)
    assert res.recap["localhost"]["changed"] == 0, res.stdout
    assert [r["changed"] for r in again] == [False] * len(cases)
    assert all(r.get("operations", []) == [] for r in again)
    assert writes(devserver) == after_real, "the second run wrote"

    res, again = play(cases, check=True, diff=True)
    assert res.recap["localhost"]["changed"] == 0, res.stdout
    assert [r["changed"] for r in again] == [False] * len(cases)
    assert writes(devserver) == after_real, "the second check run wrote"
    return checked, real, res


def shown_results(stdout):
    """The results ansible-playbook printed at -v or more for the secretops.onepassword.item tasks."""
    found, block = [], None
    for line in stdout.splitlines():
        if block is None and re.match(r"^(ok|changed|fatal): \[[^]]+\].* => \{$", line):
            block = ["{"]
        elif block is not None:
            block.append(line)
            if line == "}":
                result = json.loads("\n".join(block))
                if "item_id" in result or "invocation" in result and "fields" in result["invocation"]["module_args"]:
                    found.append(result)
                block = None
    return found


def get_item(devserver, vault, item_id):
    status, _h, item = devserver.api("GET", "/v1/vaults/%s/items/%s" % (vault["id"], item_id), token=devserver.default_token())
    assert status == 200, item
    return item


def field(item, label):
    return next(f for f in item["fields"] if f.get("label") == label)


def title(prefix="item"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def api_login(devserver, vault, name):
    """A login item created through the raw API (not through the code under test)."""
    body = {"title": name, "category": "LOGIN", "vault": {"id": vault["id"]},
            "sections": [{"id": SECTION_ID, "label": "Connection"}],
            "tags": ["prod", "db"], "urls": [{"href": "https://db.example", "primary": True}],
            "fields": [{"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING", "value": "alice"},
                       {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": SECRET},
                       {"label": "host", "type": "STRING", "value": "db1", "section": {"id": SECTION_ID}},
                       {"label": "port", "type": "STRING", "value": "5432", "section": {"id": SECTION_ID}},
                       {"id": "notesPlain", "label": "notesPlain", "purpose": "NOTES", "type": "STRING", "value": "first notes"}]}
    status, _h, item = devserver.api("POST", "/v1/vaults/%s/items" % vault["id"], token=devserver.default_token(), json=body)
    assert status == 200, item
    return item


def _same_except(before, after, labels):
    """Fields not in labels are untouched (same id, value, section)."""
    def index(item):
        return {f["id"]: (f.get("label"), f.get("value"), (f.get("section") or {}).get("id"))
                for f in item["fields"] if f.get("label") not in labels}
    assert index(before) == index(after)


# -- every kind of change, four steps ----------------------------------------------

def test_every_kind_of_change_four_steps(play, devserver, vault):
    created = title("created")
    names = dict((kind, title(kind)) for kind in (
        "value", "secret", "add", "section", "tags", "favnotes", "rename", "exact", "delete"))
    items = dict((kind, api_login(devserver, vault, name)) for kind, name in names.items())
    cases = [
        {"vault": VAULT, "title": created, "category": "login", "sections": ["Connection"], "favorite": True,
         "fields": [{"label": "username", "value": "alice", "purpose": "USERNAME"},
                    {"label": "password", "purpose": "PASSWORD", "generate": "on_create",
                     "recipe": {"length": 30, "character_sets": ["LETTERS", "DIGITS"], "exclude_characters": "0O"}},
                    {"label": "host", "value": "db1.example", "section": "Connection"}],
         "tags": ["prod"], "urls": ["https://db.example"], "notes": "hello"},
        {"vault": VAULT, "title": names["value"], "fields": [{"label": "host", "section": "Connection", "value": "db2"}]},
        {"vault": VAULT, "title": names["secret"], "fields": [{"label": "password", "value": "N3w-" + SECRET}]},
        {"vault": VAULT, "title": names["add"], "fields": [{"label": "api token", "type": "CONCEALED", "value": "t0k3n-value"}]},
        {"vault": VAULT, "title": names["section"], "sections": [{"label": "Replica"}],
         "fields": [{"label": "host", "section": "Replica", "value": "replica1"}]},
        {"vault": VAULT, "title": names["tags"], "tags": ["db", "staging"], "urls": [{"href": "https://b.example", "label": "b"}]},
        {"vault": VAULT, "title": names["favnotes"], "favorite": True, "notes": "second notes"},
        {"vault": vault["id"], "id": items["rename"]["id"], "title": names["rename"] + "-renamed"},
        {"vault": VAULT, "title": names["exact"], "exact": True,
         "fields": [{"label": "username", "value": "alice"}, {"label": "password", "generate": "on_create"}]},
        {"vault": VAULT, "title": names["delete"], "state": "absent"},
    ]
    checked, real, last = four_steps(play, devserver, cases)
    assert [r["action"] for r in checked] == ["created"] + ["updated"] * 8 + ["deleted"]

    # Diffs and results never show a value.
    # (The loop variable "case" in each registered result is the test's own input.)
    outputs = [dict((k, v) for k, v in r.items() if k != "case") for r in real]
    for text in (json.dumps(outputs), last.stdout):
        assert SECRET not in text and "N3w-" not in text and "t0k3n-value" not in text

    new = get_item(devserver, vault, real[0]["item_id"])
    assert new["title"] == created and new["category"] == "LOGIN" and new["favorite"] is True
    password = field(new, "password")
    assert len(password["value"]) == 30 and password["purpose"] == "PASSWORD"
    assert re.match(r"^[A-Za-z1-9]+$", password["value"]) and "O" not in password["value"]
    assert field(new, "host")["section"]["id"] == new["sections"][0]["id"] and new["sections"][0]["label"] == "Connection"
    assert new["tags"] == ["prod"] and new["urls"][0]["href"] == "https://db.example"
    assert field(new, "notesPlain")["value"] == "hello"
    assert sorted(f["label"] for f in checked[0]["item"]["fields"]) == sorted(f["label"] for f in real[0]["item"]["fields"])

    after = dict((kind, get_item(devserver, vault, items[kind]["id"])) for kind in names if kind != "delete")
    assert field(after["value"], "host")["value"] == "db2"
    assert field(after["value"], "host")["id"] == field(items["value"], "host")["id"]
    _same_except(items["value"], after["value"], {"host"})
    assert after["value"]["tags"] == items["value"]["tags"] and after["value"]["urls"] == items["value"]["urls"]
    assert field(after["secret"], "password")["value"] == "N3w-" + SECRET
    _same_except(items["secret"], after["secret"], {"password"})
    assert field(after["add"], "api token")["type"] == "CONCEALED"
    _same_except(items["add"], after["add"], {"api token"})
    assert sorted(s["label"] for s in after["section"]["sections"]) == ["Connection", "Replica"]
    assert sorted(f["value"] for f in after["section"]["fields"] if f["label"] == "host") == ["db1", "replica1"]
    assert sorted(after["tags"]["tags"]) == ["db", "staging"] and after["tags"]["urls"][0]["href"] == "https://b.example"
    _same_except(items["tags"], after["tags"], set())
    assert after["favnotes"]["favorite"] is True and field(after["favnotes"], "notesPlain")["value"] == "second notes"
    _same_except(items["favnotes"], after["favnotes"], {"notesPlain"})
    assert after["rename"]["title"] == names["rename"] + "-renamed"
    assert sorted(f["label"] for f in after["exact"]["fields"]) == ["notesPlain", "password", "username"]
    assert field(after["exact"], "password")["value"] == SECRET
    assert after["exact"]["tags"] == [] and after["exact"]["urls"] == [] and after["exact"]["sections"] == []
    status, _h, _b = devserver.api("GET", "/v1/vaults/%s/items/%s" % (vault["id"], items["delete"]["id"]),
                                   token=devserver.default_token())
    assert status == 404


def test_diff_masks_secret_values(play, run_playbook, devserver, vault, tmp_path):
    name = title("diff")
    api_login(devserver, vault, name)
    res, data = play([{"vault": VAULT, "title": name, "fields": [{"label": "password", "value": "An0ther-" + SECRET}]}],
                     check=True, diff=True)
    assert data[0]["changed"] is True
    assert SECRET not in res.stdout and "<hidden, changed>" in res.stdout and '"password"' in res.stdout
    # The real run at -vvvv, without a loop (Ansible shows loop variables as they are):
    # neither the old nor the new value appears anywhere but in the echoed command line.
    playbook = tmp_path / "vvvv.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - secretops.onepassword.item:\n        vault: %s\n        title: %s\n"
        "        fields:\n          - label: password\n            value: \"{{ new_password }}\"\n" % (VAULT, name))
    res = run_playbook(str(playbook), extra_vars={"new_password": "An0ther-" + SECRET}, diff=True, verbosity=4)
    assert res.rc == 0 and res.recap["localhost"]["changed"] == 1, res.stdout
    lines = [line for line in (res.stdout + res.stderr).splitlines() if '"new_password"' not in line]
    assert len(lines) > 50 and SECRET not in "\n".join(lines)
    assert "<hidden, changed>" in res.stdout
    with open(devserver.log_path) as log:
        assert SECRET not in log.read()


def test_generation_on_create_keeps_always_regenerates(play, devserver, vault):
    name = title("gen")
    item = api_login(devserver, vault, name)
    before = writes(devserver)
    res, data = play([{"vault": VAULT, "title": name, "fields": [{"label": "password", "generate": "on_create"}]},
                      {"vault": VAULT, "title": name, "reveal": True,
                       "fields": [{"label": "password", "generate": "always", "recipe": {"length": 12, "character_sets": ["DIGITS"]}}]}])
    assert [r["changed"] for r in data] == [False, True]
    assert writes(devserver) == before + 1
    new = field(get_item(devserver, vault, item["id"]), "password")["value"]
    assert new != SECRET and re.match(r"^[0-9]{12}$", new)
    # Revealed values are in the registered result, never in the output.
    assert field(data[1]["item"], "password")["value"] == new
    assert new not in res.stdout


# -- bad input: clear error, nothing written ------------------------------------------

BAD_CASES = [
    ({"category": "WIZARD"}, 'Unknown item category "WIZARD"'),
    ({"category": "DOCUMENT"}, "cannot be created"),
    ({"category": "LOGIN", "fields": [{"label": "a", "purpose": "PASSWORD"}, {"label": "b", "purpose": "PASSWORD"}]},
     "Only one field can have purpose PASSWORD"),
    ({"category": "LOGIN", "fields": [{"label": "a", "generate": "always", "recipe": {"length": 0}}]}, "between 1 and 64"),
    ({"category": "LOGIN", "fields": [{"label": "a", "generate": "always", "recipe": {"length": 65}}]}, "between 1 and 64"),
    ({"category": "LOGIN", "fields": [{"label": "a", "generate": "always", "recipe": {"character_sets": []}}]},
     "at least one character set"),
    ({"category": "LOGIN", "fields": [{"label": "a", "value": "some-value", "section": "Nowhere"}]},
     'section "Nowhere" does not exist'),
    ({"vault": "NoSuchVault", "category": "LOGIN"}, 'No vault named "NoSuchVault"'),
]


def test_bad_input_fails_clearly_without_writing(play, devserver, vault):
    ambiguous = title("twin")
    token = devserver.default_token()
    for dummy in range(2):
        status, _h, _b = devserver.api("POST", "/v1/vaults/%s/items" % vault["id"], token=token,
                                       json={"title": ambiguous, "category": "LOGIN", "vault": {"id": vault["id"]}})
        assert status == 200
    cases = [dict({"vault": VAULT, "title": title("bad")}, **extra) for extra, _m in BAD_CASES]
    cases.append({"vault": VAULT, "title": ambiguous, "fields": [{"label": "x", "value": "y-value"}]})
    messages = [m for _e, m in BAD_CASES] + ["2 items match"]
    before = writes(devserver)
    res, data = play(cases, ignore_errors=True, expect_rc=0)
    assert writes(devserver) == before
    for result, message in zip(data, messages):
        assert result.get("failed") is True and message in result["msg"], (message, result.get("msg"))
    assert "Traceback" not in res.stdout + res.stderr
    titles = [c["title"] for c in cases[:-1]]
    status, _h, listed = devserver.api("GET", "/v1/vaults/%s/items" % vault["id"], token=token)
    assert not set(titles) & set(i["title"] for i in listed)


def test_token_without_write_scope(play, devserver, vault):
    token = devserver.token({"ModulesReadOnly": "r"})
    res, data = play([{"vault": "ModulesReadOnly", "title": "locked", "fields": [{"label": "username", "value": "changed-value"}]}],
                     env={"OP_CONNECT_TOKEN": token}, ignore_errors=True)
    assert data[0]["failed"] is True
    assert "403" in data[0]["msg"] or "scope" in data[0]["msg"].lower() or "write" in data[0]["msg"].lower(), data[0]["msg"]
    status, _h, vaults = devserver.api("GET", "/v1/vaults", token=devserver.default_token())
    ro = next(v for v in vaults if v["name"] == "ModulesReadOnly")
    status, _h, summaries = devserver.api("GET", "/v1/vaults/%s/items" % ro["id"], token=devserver.default_token())
    item = get_item(devserver, ro, summaries[0]["id"])
    assert field(item, "username")["value"] == "u"


# -- concurrency ----------------------------------------------------------------

def test_concurrent_plays_keep_both_edits(run_playbook, devserver, vault):
    name = title("race")
    item = api_login(devserver, vault, name)
    playbook = os.path.join(PLAYBOOKS, "cases.yml")
    for round_number in range(2):
        wanted = {"host": "host-%d" % round_number, "port": "60%02d" % round_number}
        results = {}

        def edit(label, value):
            # Each play edits one field of the same item, located by title.
            cases = [{"vault": VAULT, "title": name, "fields": [{"label": label, "section": "Connection", "value": value}]}]
            results[label] = run_playbook(playbook, extra_vars={"op_cases": cases})

        threads = [threading.Thread(target=edit, args=(label, value)) for label, value in wanted.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for label, res in results.items():
            assert res.rc == 0, res.stdout + res.stderr
            assert res.recap["localhost"]["changed"] == 1
        current = get_item(devserver, vault, item["id"])
        assert field(current, "host")["value"] == wanted["host"]
        assert field(current, "port")["value"] == wanted["port"]
        # Nothing else was touched either.
        assert field(current, "password")["value"] == field(item, "password")["value"]
        assert current["tags"] == item["tags"]


# -- values given to the modules: hidden precisely, never mangling the rest ------------

def test_values_hidden_precisely_ids_titles_and_cache_intact(run_playbook, devserver, vault, tmp_path):
    name = title("orders")
    status, _h, created = devserver.api("POST", "/v1/vaults/%s/items" % vault["id"], token=devserver.default_token(), json={
        "title": name, "category": "PASSWORD", "vault": {"id": vault["id"]},
        "fields": [{"label": "counter", "type": "STRING", "value": "before"}]})
    assert status == 200, created
    # One character of the item's id and two of the vault's: Ansible's no_log masked them inside the ids.
    counter = created["id"][3]
    distinct = "D1st1nct-" + uuid.uuid4().hex
    result_file = tmp_path / "values.json"
    # ansible-core 2.21 leaves the invocation out of results unless asked (older releases ignore the setting).
    res = run_playbook(os.path.join(PLAYBOOKS, "values.yml"), verbosity=3, env={"ANSIBLE_INJECT_INVOCATION": "true"},
                       extra_vars={"op_vault": VAULT, "op_title": name, "op_tags": ["orders-prod", vault["id"][:2]],
                                   "op_counter": counter, "op_username": "orders", "op_distinct": distinct,
                                   "result_file": str(result_file)})
    assert res.rc == 0, res.stdout + res.stderr
    data = json.loads(result_file.read_text())
    written = data["written"]
    # The lookup after the write, in the same run, reads the new value (the cache was refreshed with the real ids).
    assert data["before"] == "before" and data["after"] == counter
    assert written["item_id"] == created["id"] and written["vault_id"] == vault["id"]
    assert written["item"]["id"] == created["id"] and written["item"]["title"] == name
    assert sorted(written["item"]["tags"]) == sorted(["orders-prod", vault["id"][:2]])
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in json.dumps(written["item"])
    # Each value the task gave is hidden at its own position in the invocation, and only there.
    shown = shown_results(res.stdout)
    args = shown[0]["invocation"]["module_args"]
    assert [f["value"] for f in args["fields"]] == ["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"] * 3
    assert args["title"] == name and args["tags"] == ["orders-prod", vault["id"][:2]]
    assert shown[0]["item_id"] == created["id"] and shown[0]["item"]["title"] == name
    # A message is not mangled either (the value "category" occurs in it).
    assert data["failed"]["failed"] is True
    assert data["failed"]["msg"].startswith('category is required to create item "%s-new"' % name), data["failed"]["msg"]
    # And no value reaches the output, at -vvv (where invocation.module_args is shown).
    output = res.stdout + res.stderr
    assert distinct not in output and output.count("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER") >= 3
    assert name + '"' in output
    with open(devserver.log_path) as log:
        assert distinct not in log.read()


# -- conventions: purposes, value types, DATE values, result keys --------------------------

def test_fields_by_purpose_only_value_types_and_dates(play, run_playbook, devserver, vault, tmp_path):
    names = dict((kind, title(kind)) for kind in ("purpose", "bool", "float", "int", "date"))
    cases = [
        {"vault": VAULT, "title": names["purpose"], "category": "LOGIN",
         "fields": [{"purpose": "USERNAME", "value": "purpose-user"}, {"purpose": "PASSWORD", "value": "purpose-pass"}]},
        {"vault": VAULT, "title": names["bool"], "category": "LOGIN", "fields": [{"label": "enabled", "value": True}]},
        {"vault": VAULT, "title": names["float"], "category": "LOGIN", "fields": [{"label": "version", "value": 1.10}]},
        {"vault": VAULT, "title": names["int"], "category": "LOGIN", "fields": [{"label": "port", "value": 5432}]},
        {"vault": VAULT, "title": names["date"], "category": "LOGIN", "reveal": True,
         "fields": [{"label": "expires", "type": "DATE", "value": "2027-01-31"},
                    {"label": "renewed", "type": "DATE", "value": "1801353600"}]},
    ]
    before = writes(devserver)
    res, data = play(cases, ignore_errors=True)
    assert writes(devserver) == before + 3, "only the three valid cases write"
    purpose, as_bool, as_float, as_int, date = data
    assert purpose["changed"] is True, purpose.get("msg")
    stored = get_item(devserver, vault, purpose["item_id"])
    assert sorted((f["purpose"], f["value"]) for f in stored["fields"]) == [
        ("PASSWORD", "purpose-pass"), ("USERNAME", "purpose-user")]
    assert as_bool["failed"] is True and as_bool["msg"] == (
        'fields[0].value is a YAML boolean; quote it (for example "true" or "yes") to store that text.')
    assert as_float["failed"] is True and "fields[0].value is a YAML number with a decimal point" in as_float["msg"]
    assert "quote it" in as_float["msg"]
    assert field(get_item(devserver, vault, as_int["item_id"]), "port")["value"] == "5432"
    # DATE: Connect stores unix seconds; results give YYYY-MM-DD, whichever form was written.
    assert [(f["label"], f["value"]) for f in date["item"]["fields"]] == [("expires", "2027-01-31"), ("renewed", "2027-01-31")]
    assert field(get_item(devserver, vault, date["item_id"]), "expires")["value"] == "1801353600"
    # Timestamps in snake_case, as the lookups return them.
    assert {"created_at", "updated_at"} <= set(date["item"]) and "createdAt" not in date["item"]
    res, again = play(cases[4:5])
    assert again[0]["changed"] is False and again[0]["operations"] == []

    # Reads: the lookup, field_info and item_info give the date as written.
    playbook = tmp_path / "dates.yml"
    result_file = tmp_path / "dates.json"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - secretops.onepassword.field_info: {vault: %(vault)s, item: %(item)s, field: expires}
      register: by_field_info
    - secretops.onepassword.item_info: {vault: %(vault)s, item: %(item)s, field: renewed}
      register: by_item_info
    - secretops.onepassword.generic_item: {vault_id: %(vault)s, name: %(item)s, uuid: %(id)s, category: login,
        fields: [{label: expires, field_type: date, value: "2027-01-31"}, {label: renewed, field_type: date, value: "2027-01-31"}]}
      register: by_generic_item
    - ansible.builtin.copy:
        content: "{{ {'lookup': lookup('secretops.onepassword.secret', 'op://%(vault)s/%(item)s/expires'),
                      'field_info': by_field_info.field.value, 'item_info': by_item_info.field,
                      'generic_item': by_generic_item} | to_json }}"
        dest: %(out)s
        mode: "0600"
""" % {"vault": VAULT, "item": names["date"], "id": date["item_id"], "out": result_file})
    res = run_playbook(str(playbook))
    assert res.rc == 0, res.stdout + res.stderr
    read = json.loads(result_file.read_text())
    assert (read["lookup"], read["field_info"], read["item_info"]) == ("2027-01-31",) * 3
    generic = read["generic_item"]
    assert generic["changed"] is False, generic
    assert generic["op_item"]["fields"]["expires"]["value"] == "2027-01-31"
    # generic_item keeps onepassword.connect's shape.
    assert "createdAt" in generic["op_item"] and "created_at" not in generic["op_item"]


def test_field_info_on_a_file_says_how_to_read_it(run_playbook, vault, tmp_path):
    playbook = tmp_path / "file.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt}
      register: as_field
      ignore_errors: true
    - secretops.onepassword.item_info: {vault: ModulesFiles, item: attached, field: key.txt}
      register: as_item_field
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - as_field.msg == as_item_field.msg
          - lookup('secretops.onepassword.secret', 'op://ModulesFiles/attached/key.txt') == 'file-content'
    - ansible.builtin.copy: {content: "{{ as_field.msg }}", dest: "{{ out }}", mode: "0600"}
""")
    out = tmp_path / "message.txt"
    res = run_playbook(str(playbook), extra_vars={"out": str(out)})
    assert res.rc == 0 and res.recap["localhost"]["failed"] == 0, res.stdout + res.stderr
    # Read from a file: how a callback prints quotes differs between ansible-core releases.
    assert ('"key.txt" is a file attachment of item "attached", not a field. Read its content with the secret lookup, '
            "lookup('secretops.onepassword.secret', 'op://ModulesFiles/attached/key.txt'), or download it to the target "
            "with secretops.onepassword.field_info and dest.") == out.read_text()


def test_field_info_downloads_a_file_to_dest(run_playbook, vault, tmp_path):
    dest = tmp_path / "out" / "key.txt"
    dest.parent.mkdir()
    playbook = tmp_path / "download.yml"
    result_file = tmp_path / "download.json"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt, dest: %(dest)s}
      check_mode: true
      register: predicted
    - ansible.builtin.stat: {path: %(dest)s}
      register: after_check
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt, dest: %(dest)s}
      register: first
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt, dest: %(dest)s}
      register: second
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt, dest: %(dest)s, mode: "0400"}
      register: third
    - secretops.onepassword.field_info: {vault: ModulesFiles, item: attached, field: key.txt, dest: %(dest)s, mode: "999"}
      register: bad_mode
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'changed': [predicted.changed, first.changed, second.changed, third.changed],
                      'exists_after_check': after_check.stat.exists, 'file': first.file, 'bad_mode': bad_mode.msg} | to_json }}"
        dest: %(out)s
        mode: "0600"
""" % {"dest": dest, "out": result_file})
    res = run_playbook(str(playbook))
    assert res.rc == 0, res.stdout + res.stderr
    data = json.loads(result_file.read_text())
    assert data["changed"] == [True, True, False, True] and data["exists_after_check"] is False
    assert dest.read_bytes() == b"file-content" and oct(dest.stat().st_mode & 0o7777) == "0o400"
    assert data["file"]["name"] == "key.txt" and data["file"]["size"] == len(b"file-content")
    assert data["file"]["dest"] == str(dest)
    assert data["bad_mode"] == 'mode must be octal permissions such as "0600", got "999".'
    assert "file-content" not in res.stdout
    assert [p.name for p in dest.parent.iterdir()] == ["key.txt"], "a temporary file was left behind"
