# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The item module under faults and concurrency, through real ansible-playbook runs.

- A write whose answer is lost after Connect applied it fails, and a lookup
  later in the same run reads the new value, not the one the run cache held.
- A DELETE whose answer is lost is retried; the retry's 404 means the item is
  gone, which is what state=absent asked for.
- Eight forks adding their own section and field to one item at once: every
  section and field is kept.
"""

from __future__ import annotations

import json
import sys
import uuid

from conftest import SECRETS, distinctive, fast_env, sha

TIMEOUT = 2
RETRIES = 2
WRITERS = 8


def api_item(hz, title, password):
    status, _h, body = hz.devserver.api("POST", "/v1/vaults/%s/items" % hz.writes_vault_id, token=hz.token, json={
        "title": title, "category": "LOGIN", "fields": [
            {"label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": password}]})
    assert status == 200, body
    return body


def assert_clean(result):
    output = result.output
    assert "Traceback (most recent call last)" not in output
    for value in SECRETS:
        assert value not in output, "a secret or token appears in the output"


def test_lost_update_answer_then_lookup_reads_the_new_value(play, hz, proxy_factory, tmp_path):
    title = "lost-patch-%s" % uuid.uuid4().hex[:8]
    old, new = distinctive("oldpw"), distinctive("newpw")
    item = api_item(hz, title, old)
    proxy = proxy_factory()
    proxy.add("reset", times=None, method="PATCH")
    out = tmp_path / "outcome.json"
    result = play("write_then_lookup.yml", extra_vars={"title": title, "new_password": new, "out": str(out)},
                  env=fast_env(proxy.url, timeout=TIMEOUT, retries=RETRIES))
    assert result.rc == 0, result
    outcome = json.loads(out.read_text())
    # Connect applied the update, the answer was lost: the task fails...
    assert outcome["failed"] is True and "update" in outcome["msg"], outcome
    assert len(proxy.requests(method="PATCH")) == 1, proxy.log
    stored = hz.item(item["id"])
    assert next(f["value"] for f in stored["fields"] if f["label"] == "password") == new
    # ...and the lookup after it in the same run reads the new value, not the cached old one:
    assert outcome["before"] == sha(old)
    assert outcome["after"] == sha(new), "the lookup after the failed write returned the old value from the cache"
    # the failure tells which item it may have changed, so the run cache forgot it.
    assert outcome["item_id"] == item["id"]
    assert_clean(result)


def test_lost_delete_answer_is_retried_and_counts_as_deleted(play, hz, proxy_factory, tmp_path):
    title = "lost-delete-%s" % uuid.uuid4().hex[:8]
    item = api_item(hz, title, distinctive("delpw"))
    proxy = proxy_factory()
    proxy.add("reset", times=1, method="DELETE", in_headers=True)  # a 204 has no body to break off in
    out = tmp_path / "outcome.json"
    result = play("delete.yml", extra_vars={"title": title, "out": str(out)},
                  env=fast_env(proxy.url, timeout=TIMEOUT, retries=RETRIES))
    assert result.rc == 0, result
    outcome = json.loads(out.read_text())
    deletes = proxy.requests(method="DELETE")
    assert len(deletes) == 2, proxy.log  # the lost answer, then the retry (answered 404)
    assert outcome == {"failed": False, "changed": True, "action": "deleted", "msg": ""}, outcome
    status, _h, _b = hz.devserver.api("GET", "/v1/vaults/%s/items/%s" % (hz.writes_vault_id, item["id"]), token=hz.token)
    assert status == 404
    assert_clean(result)


def test_concurrent_writers_keep_every_section_and_field(play, hz, proxy_factory, tmp_path):
    title = "concurrent-%s" % uuid.uuid4().hex[:8]
    item = api_item(hz, title, distinctive("cpw"))
    # Each writer's read of the item is held back, so all of them read before any of them writes.
    proxy = proxy_factory()
    proxy.add("delay", times=None, method="GET", path=r"/items/[a-z0-9]{26}$", seconds=3)
    hosts = ["writer%d" % i for i in range(1, WRITERS + 1)]
    inventory = tmp_path / "writers.ini"
    inventory.write_text("[writers]\n" + "".join(
        "%s ansible_connection=local ansible_python_interpreter=%s\n" % (host, sys.executable) for host in hosts))
    values = dict((host, distinctive("c" + host)) for host in hosts)
    result = play("concurrent_sections.yml", extra_vars={"title": title, "values": values}, inventory=str(inventory),
                  env=fast_env(proxy.url, timeout=10, retries=RETRIES, ANSIBLE_FORKS=str(WRITERS)))
    assert result.rc == 0, result
    assert all(result.recap[host]["changed"] == 1 for host in hosts), result.recap
    stored = hz.item(item["id"])
    sections = dict((s["id"], s["label"]) for s in stored.get("sections") or [])
    assert sorted(sections.values()) == sorted("section %s" % host for host in hosts), sections
    fields = dict((f["label"], f) for f in stored["fields"])
    for host in hosts:
        field = fields["field %s" % host]
        assert field["value"] == values[host] and sections[field["section"]["id"]] == "section %s" % host
    assert "password" in fields
    assert_clean(result)
