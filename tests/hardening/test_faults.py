# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Network and server faults between the collection and Connect.

Every case runs the real lookups or modules through ansible-playbook, with
the connection pointing at a fault proxy (tests/hardening/faultproxy.py) in
front of connect-dev. Reads must get through retries or fail with a clear
message (no traceback, no secret) within timeout x attempts; a create that
may have reached the server is never sent again; an update is applied whole
or not at all.

To keep the suite quick, one ansible-playbook run covers several cases: each
case is one loop iteration with its own proxy (the `host` option), and each
test below asserts on its own case.
"""

from __future__ import annotations

import json
import uuid

import pytest

from conftest import SECRETS, assert_clean_message, distinctive, fast_env, harness, lookup_cases, sha

TIMEOUT = 2
RETRIES = 2
#: backoff_factor 0.1, backoff_max 2: at most 0.1 + 0.2 s of sleeping between attempts
BACKOFF = 0.3
#: Slack for one lookup on this loaded machine.
SLACK = 10


# -- reads: transient faults, one of each, each followed by a good answer -------
TRANSIENT = [
    ("refuse", {}),
    ("reset", {"in_headers": True}),
    ("status", {"status": 500}),
    ("status", {"status": 502}),
    ("status", {"status": 503}),
    ("status", {"status": 504}),
    ("html", {"status": 502}),
    ("status", {"status": 429, "retry_after": 1}),
    ("delay", {"seconds": 0.5}),
]
TRANSIENT_IDS = ["refuse", "reset-mid-headers", "500", "502", "503", "504", "html-502", "429-retry-after", "delay"]


@pytest.fixture(scope="module")
def transient_run(play, hz, proxy_factory_module, tmp_path_factory):
    proxy = proxy_factory_module()
    for action, params in TRANSIENT:
        proxy.add(action, times=1, method="GET", path=r"/v1/", **params)
        proxy.add("pass", times=1, method="GET", path=r"/v1/")
    cases = [{"name": "bulk-%03d" % i, "ref": "op://Hardening/bulk-%03d/password" % i, "opts": {"cache": False}}
             for i in range(8)]
    outcomes, result = lookup_cases(play, tmp_path_factory.mktemp("transient"), cases,
                                    fast_env(proxy.url, timeout=TIMEOUT, retries=RETRIES))
    return proxy, outcomes, result


@pytest.mark.parametrize("index", range(len(TRANSIENT)), ids=TRANSIENT_IDS)
def test_lookup_read_survives_transient_fault(transient_run, hz, index):
    proxy, outcomes, result = transient_run
    action, params = TRANSIENT[index]
    # this fault was served, and the request after it went through
    position = [i for i, entry in enumerate(proxy.log) if entry[2] != "pass"]
    assert len(position) > index, proxy.log
    at = position[index]
    assert proxy.log[at][2] == action and proxy.log[at + 1][2] == "pass", proxy.log
    if action != "delay":
        assert proxy.log[at][:2] == proxy.log[at + 1][:2], "the retry is the same request"
    for i in range(8):
        msg, digest, failed = outcomes["bulk-%03d" % i]
        assert not failed and digest == sha(hz.bulk[i]), msg
    assert result.rc == 0, result
    if action == "status" and params["status"] == 429:
        assert proxy.gaps_after("status")[-1] >= 1.0, "Retry-After: 1 was not honoured"
        assert "as the server's Retry-After asked" in result.output
    if action != "delay":
        # each retry is announced with a warning naming the request
        assert "[WARNING]: 1Password Connect: GET %s" % proxy.log[at][1] in result.output, result


# -- reads that cannot succeed: a clear error within timeout x attempts -------
FOREVER = {
    "503-forever": (("status", {"status": 503}), ["Connect answered 503", "after %d retries" % RETRIES]),
    "500-forever": (("status", {"status": 500}), ["Connect answered 500", "after %d retries" % RETRIES]),
    "429-forever": (("status", {"status": 429, "retry_after": 0}), ["rate limiting", "after %d retries" % RETRIES]),
    "html-forever": (("html", {"status": 502}), ['text/html titled "502 Bad Gateway"', "instead of Connect's JSON"]),
    "timeout-forever": (("delay", {"seconds": TIMEOUT + 2}), ["within %d seconds" % TIMEOUT,
                                                              "after %d retries" % RETRIES]),
    "refuse-forever": (("refuse", {}), ["cannot reach Connect at http://127.0.0.1", "Connection reset by peer",
                                        "after %d retries" % RETRIES]),
    "reset-headers-forever": (("reset", {"in_headers": True}),
                              ["cannot reach Connect at http://127.0.0.1", "after %d retries" % RETRIES]),
    "reset-body-forever": (("reset", {}), ["cannot reach Connect at http://127.0.0.1", "broke off",
                                           "after %d retries" % RETRIES]),
    "html-200": (("html", {"status": 200}), ["instead of Connect's JSON"]),
}
NOT_RETRIED = ("html-200",)


@pytest.fixture(scope="module")
def forever_run(play, hz, proxy_factory_module, tmp_path_factory):
    proxies = {}
    cases = []
    for name, ((action, params), _expected) in sorted(FOREVER.items()):
        proxy = proxy_factory_module()
        proxy.add(action, times=None, method="GET", path=r"/v1/", **params)
        proxies[name] = proxy
        cases.append({"name": name, "ref": "op://Hardening/app/password",
                      "opts": {"host": proxy.url, "cache": False}})
    proxies["nothing-listening"] = None
    cases.append({"name": "nothing-listening", "ref": "op://Hardening/app/password",
                  "opts": {"host": "http://127.0.0.1:%d" % harness.free_port(), "cache": False}})
    truncate = proxy_factory_module()
    truncate.add("truncate", times=1, method="GET", path=r"/items/[^/]+$")
    proxies["truncate-once"] = truncate
    cases.append({"name": "truncate-once", "ref": "op://Hardening/app/password",
                  "opts": {"host": truncate.url, "cache": False}})
    outcomes, result = lookup_cases(play, tmp_path_factory.mktemp("forever"), cases,
                                    fast_env(None, timeout=TIMEOUT, retries=RETRIES))
    return proxies, outcomes, result


@pytest.mark.parametrize("name", sorted(FOREVER))
def test_lookup_read_fails_clearly_within_budget(forever_run, name):
    proxies, outcomes, result = forever_run
    (action, _params), expected = FOREVER[name]
    msg, digest, failed = outcomes[name]
    assert failed and digest == "", (msg, digest)
    assert_clean_message(msg, "op://Hardening/app/password", *expected)
    proxy = proxies[name]
    attempts = len(proxy.requests(action=action))
    assert attempts == (1 if name in NOT_RETRIED else RETRIES + 1), proxy.log
    budget = TIMEOUT * attempts + BACKOFF + SLACK
    assert proxy.span() < budget, (proxy.span(), budget)
    assert "Traceback (most recent call last)" not in result.output


def test_lookup_nothing_listening(forever_run):
    _proxies, outcomes, _result = forever_run
    msg, _digest, failed = outcomes["nothing-listening"]
    assert failed
    assert_clean_message(msg, "connection refused", "Is Connect running there")


def test_lookup_truncated_body_fails_clearly_or_retries(forever_run, hz):
    proxies, outcomes, _result = forever_run
    msg, digest, failed = outcomes["truncate-once"]
    assert len(proxies["truncate-once"].requests(action="truncate")) == 1
    if failed:
        assert_clean_message(msg, "op://Hardening/app/password", "Cannot read")
    else:
        assert digest == hz.digests["password"]


def test_forever_run_output_is_clean(forever_run):
    _proxies, _outcomes, result = forever_run
    assert "Traceback (most recent call last)" not in result.output
    for value in SECRETS:
        assert value not in result.output


def test_lookup_read_retries_a_body_cut_short(play, hz, proxy_factory, tmp_path):
    cases = []
    for action in ("reset", "truncate"):
        proxy = proxy_factory()
        proxy.add(action, times=1, method="GET", path=r"/items/[^/]+$")
        cases.append({"name": action, "ref": "op://Hardening/app/password",
                      "opts": {"host": proxy.url, "cache": False}})
    outcomes, _result = lookup_cases(play, tmp_path, cases, fast_env(None, timeout=TIMEOUT, retries=RETRIES))
    for name, (msg, digest, failed) in outcomes.items():
        assert not failed and digest == hz.digests["password"], (name, msg)


def test_info_modules_survive_transient_faults(play, hz, proxy_factory):
    proxy = proxy_factory()
    proxy.add("status", times=1, method="GET", path=r"/v1/vaults", status=503)
    proxy.add("reset", times=1, method="GET", path=r"/items", in_headers=True)
    proxy.add("status", times=1, method="GET", path=r"/items/", status=429, retry_after=0)
    result = play("info.yml", extra_vars={"expect": hz.digests},
                  env=fast_env(proxy.url, timeout=TIMEOUT, retries=RETRIES))
    assert result.rc == 0, result
    assert len(proxy.requests(action="status")) == 2 and len(proxy.requests(action="reset")) == 1, proxy.log


# -- writes: never duplicated, never half-applied ------------------------------
def new_values():
    return {"user": distinctive("wuser"), "pw": distinctive("wpass"), "api": distinctive("wapi")}


def field_values(item):
    return dict((f.get("label"), f.get("value")) for f in item.get("fields") or [])


def write_cases(play, tmp_path, cases, values):
    """Run playbooks/write_cases.yml; {title: (msg, action, item_id, failed)} and the run result."""
    out = tmp_path / ("writes-%s.json" % uuid.uuid4().hex[:8])
    result = play("write_cases.yml", extra_vars={"cases": cases, "values": values, "out": str(out)},
                  env=fast_env(None, timeout=TIMEOUT, retries=RETRIES))
    assert out.exists(), result
    outcomes = json.loads(out.read_text())
    return dict((case["title"], tuple(outcome)) for case, outcome in zip(cases, outcomes)), result


CREATE_FAULTS = {
    "timeout-after-create": (("delay", {"seconds": TIMEOUT + 2, "after_upstream": True}), True),
    "reset-after-create": (("reset", {}), True),
    "truncated-after-create": (("truncate", {}), True),
    "503": (("status", {"status": 503}), False),
    "429": (("status", {"status": 429, "retry_after": 0}), False),
    "refused": (("refuse", {}), False),
    "html-502": (("html", {"status": 502}), False),
}


@pytest.fixture(scope="module")
def create_runs(play, hz, proxy_factory_module, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("creates")
    suffix = uuid.uuid4().hex[:6]
    proxies, cases, values = {}, [], {}
    for name, ((action, params), _reached) in sorted(CREATE_FAULTS.items()):
        proxy = proxy_factory_module()
        proxy.add(action, times=None, method="POST", **params)
        title = "create-%s-%s" % (name, suffix)
        proxies[name] = proxy
        values[title] = new_values()
        cases.append({"title": title, "host": proxy.url})
    first, first_result = write_cases(play, tmp, cases, values)
    # The next run, without faults, through clean proxies that count the writes.
    clean = {}
    for case in cases:
        proxy = proxy_factory_module()
        clean[case["title"]] = proxy
        case["host"] = proxy.url
    second, second_result = write_cases(play, tmp, cases, values)
    return {"proxies": proxies, "clean": clean, "values": values, "suffix": suffix, "first": first,
            "first_result": first_result, "second": second, "second_result": second_result}


@pytest.mark.parametrize("name", sorted(CREATE_FAULTS))
def test_create_is_never_repeated(create_runs, hz, name):
    (_action, _params), reached = CREATE_FAULTS[name]
    title = "create-%s-%s" % (name, create_runs["suffix"])
    values = create_runs["values"][title]
    msg, _action_done, _item_id, failed = create_runs["first"][title]
    assert failed, msg
    assert_clean_message(msg, 'create item "%s"' % title)
    # the create was sent once and not retried
    assert len(create_runs["proxies"][name].requests(method="POST")) == 1, create_runs["proxies"][name].log
    items = hz.items(title=title)
    assert len(items) == 1, items  # after the second run
    # the second run created the item only when the first never reached the server
    msg, action, item_id, failed = create_runs["second"][title]
    assert not failed, msg
    assert action == ("none" if reached else "created"), (action, msg)
    assert len(create_runs["clean"][title].requests(method="POST")) == (0 if reached else 1)
    after = field_values(hz.item(items[0]["id"]))
    assert (after["username"], after["password"], after["api token"]) == (values["user"], values["pw"], values["api"])


def test_create_runs_output_is_clean(create_runs):
    for key in ("first_result", "second_result"):
        output = create_runs[key].output
        assert "Traceback (most recent call last)" not in output
        for value in SECRETS:
            assert value not in output


UPDATE_FAULTS = {
    "500": (("status", {"status": 500}), False),
    "503": (("status", {"status": 503}), False),
    "html-502": (("html", {"status": 502}), False),
    "refused": (("refuse", {}), False),
    "reset-after-apply": (("reset", {}), True),
    "timeout-after-apply": (("delay", {"seconds": TIMEOUT + 2, "after_upstream": True}), True),
}


@pytest.fixture(scope="module")
def update_runs(play, hz, proxy_factory_module, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("updates")
    suffix = uuid.uuid4().hex[:6]
    titles = dict((name, "update-%s-%s" % (name, suffix)) for name in UPDATE_FAULTS)
    old = dict((title, new_values()) for title in titles.values())
    # the items to update are created through the API, as the module would create them
    created = {}
    for title, values in old.items():
        status, _h, body = hz.devserver.api("POST", "/v1/vaults/%s/items" % hz.writes_vault_id, token=hz.token, json={
            "title": title, "category": "LOGIN", "fields": [
                {"label": "username", "purpose": "USERNAME", "type": "STRING", "value": values["user"]},
                {"label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": values["pw"]},
                {"label": "api token", "type": "CONCEALED", "value": values["api"]}]})
        assert status == 200, body
        created[title] = ("", "created", body["id"], False)
    before = dict((title, hz.item(created[title][2])) for title in titles.values())
    new = dict((title, new_values()) for title in titles.values())
    proxies, cases = {}, []
    for name, ((action, params), _reached) in sorted(UPDATE_FAULTS.items()):
        proxy = proxy_factory_module()
        proxy.add(action, times=None, method="PATCH", **params)
        proxy.add(action, times=None, method="PUT", **params)
        proxies[name] = proxy
        cases.append({"title": titles[name], "host": proxy.url})
    faulted, faulted_result = write_cases(play, tmp, cases, new)
    during = dict((title, hz.item(created[title][2])) for title in titles.values())
    clean = proxy_factory_module()
    again, again_result = write_cases(play, tmp, [{"title": t, "host": clean.url} for t in titles.values()], new)
    return {"titles": titles, "old": old, "new": new, "created": created, "before": before, "during": during,
            "proxies": proxies, "faulted": faulted, "again": again,
            "results": [faulted_result, again_result]}


@pytest.mark.parametrize("name", sorted(UPDATE_FAULTS))
def test_update_is_never_half_applied(update_runs, hz, name):
    (_action, _params), reached = UPDATE_FAULTS[name]
    title = update_runs["titles"][name]
    old, new = update_runs["old"][title], update_runs["new"][title]
    msg, _done, _item_id, failed = update_runs["faulted"][title]
    assert failed, msg
    assert_clean_message(msg, "update")
    proxy = update_runs["proxies"][name]
    assert len(proxy.requests(method="PATCH")) + len(proxy.requests(method="PUT")) == 1, proxy.log
    during = update_runs["during"][title]
    values = field_values(during)
    expected = new if reached else old
    assert (values["username"], values["password"], values["api token"]) == (
        expected["user"], expected["pw"], expected["api"]), "the item is half-updated or changed unexpectedly"
    assert len(during["fields"]) == len(update_runs["before"][title]["fields"])
    # the next run completes the update (or finds nothing left to do)
    msg, action, _item_id, failed = update_runs["again"][title]
    assert not failed, msg
    assert action == ("none" if reached else "updated"), (action, msg)
    values = field_values(hz.item(update_runs["created"][title][2]))
    assert (values["username"], values["password"], values["api token"]) == (new["user"], new["pw"], new["api"])
    assert len(hz.items(title=title)) == 1


def test_update_runs_output_is_clean(update_runs):
    for result in update_runs["results"]:
        assert "Traceback (most recent call last)" not in result.output
        for value in SECRETS:
            assert value not in result.output


def test_secrets_registry_is_populated(hz):
    # the leak scan relies on it: the seeded values and the token are all registered
    assert hz.token in SECRETS and all(v in SECRETS for v in hz.values.values())
