# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client under hostile or mistaken input, through real ansible-playbook runs.

- an answer that is not HTTP (a long garbage status line) is handled in
  bounded time, with a clear error;
- a token or host that cannot be sent gives a specific error, never a raw
  Python exception (and never the token);
- validate_certs: false with ca_path says what really happens;
- a closed connection, a non-PEM ca_path, a name mismatch: messages that say
  what is wrong; a module's Connect error carries no Python traceback;
- the run cache stays on when ANSIBLE_LOCAL_TEMP is too long for a socket path.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from conftest import SECRETS, assert_clean_message, fast_env, harness, lookup_cases
from test_tls import Authority, tls_proxy

#: A 30 KB status line of repeated "<Pool": parsing the reason with the old pattern took minutes.
GARBAGE = "<Pool" * 6000 + "\r\n"
TIMEOUT = 5
#: Time for one failed task and the start of the next on this loaded machine.
SLACK = 10


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("client-pki"))
    ca = Authority(directory, "client server CA")
    other = Authority(directory, "client other CA")
    return {"ca": ca, "server": ca.issue("server"), "wrong_name": ca.issue("wrong-name", sans=("connect.invalid",)),
            "untrusted": other.issue("untrusted")}


def module_cases(play, tmp_path, cases, env):
    """Run playbooks/module_cases.yml (vault_info per case); {name: (msg, failed, exception)} and the result."""
    out = tmp_path / ("modules-%s.json" % uuid.uuid4().hex[:8])
    result = play("module_cases.yml", extra_vars={"cases": cases, "out": str(out)}, env=env)
    assert out.exists(), result
    outcomes = json.loads(out.read_text())
    assert len(outcomes) == len(cases), outcomes
    return dict((case["name"], tuple(outcome)) for case, outcome in zip(cases, outcomes)), result


def assert_no_raw_exception(text):
    for raw in ("codec can't encode", "Failed to parse", "Connection aborted.", "RemoteDisconnected(",
                "BadStatusLine(", "Traceback (most recent call last)"):
        assert raw not in text, "raw exception text %r in %r" % (raw, text[:2000])


# -- an answer that is not HTTP ---------------------------------------------------------------------

@pytest.mark.parametrize("runner", ["lookup", "module"])
def test_garbage_status_line_fails_in_bounded_time(play, hz, proxy_factory, tmp_path, runner):
    proxy = proxy_factory()
    proxy.add("raw", times=None, data=GARBAGE)
    opts = {"host": proxy.url, "timeout": TIMEOUT, "retries": 0}
    # Two cases against the same server: the time between their requests is what handling the
    # first failure took (plus starting the next loop iteration).
    cases = [{"name": "first", "ref": "op://Hardening/app/password", "opts": dict(opts, cache=False)},
             {"name": "second", "ref": "op://Hardening/app/password", "opts": dict(opts, cache=False)}]
    if runner == "lookup":
        outcomes, result = lookup_cases(play, tmp_path, cases, fast_env(None))
        msg, failed = outcomes["first"][0], outcomes["first"][2]
    else:
        for case in cases:
            case["opts"].pop("cache")
        outcomes, result = module_cases(play, tmp_path, cases, fast_env(None))
        msg, failed = outcomes["first"][:2]
    assert len(proxy.requests(action="raw")) == 2, proxy.log
    assert proxy.span() < TIMEOUT + SLACK, "handling the garbage answer took %.1f s" % proxy.span()
    assert failed
    assert_clean_message(msg, "the server's answer is not HTTP", '"<Pool<Pool', "https://127.0.0.1:%d" % proxy.port)
    assert len(msg) < 600, msg
    assert_no_raw_exception(result.output)


# -- what cannot be sent: a clear error, not a Python exception --------------------------------------

#: A token with a euro sign where a dash was meant; given through the environment (a loop
#: would print it as part of its item).
BAD_TOKEN = "tok\u20acen-%s" % uuid.uuid4().hex
SECRETS.add(BAD_TOKEN)
#: name -> (options, words expected in the message); every case runs with BAD_TOKEN
UNSENDABLE = {
    "token-not-ascii": ({}, ['"token"', "not ASCII", "position 4"]),
    "host-invalid-idn": ({"host": "http://\u2603.example:8080"},
                         ['"host"', "not a valid international domain name", "\u2603.example"]),
    "host-empty-label": ({"host": "http://connect..example:8080"}, ['"host"', "empty part", "connect..example"]),
}


@pytest.mark.parametrize("runner", ["lookup", "module"])
def test_unsendable_token_or_host_is_a_clear_error(play, hz, tmp_path, runner):
    cases = [{"name": name, "ref": "op://Hardening/app/password", "opts": dict(opts)}
             for name, (opts, _words) in sorted(UNSENDABLE.items())]
    env = fast_env(hz.devserver.url, retries=0, OP_CONNECT_TOKEN=BAD_TOKEN)
    if runner == "lookup":
        outcomes, result = lookup_cases(play, tmp_path, cases, env)
        messages = dict((name, (outcome[0], outcome[2])) for name, outcome in outcomes.items())
    else:
        outcomes, result = module_cases(play, tmp_path, cases, env)
        messages = dict((name, outcome[:2]) for name, outcome in outcomes.items())
    for name, (_opts, words) in UNSENDABLE.items():
        msg, failed = messages[name]
        assert failed, (name, msg)
        assert_clean_message(msg, *words)
        assert_no_raw_exception(msg)
    assert BAD_TOKEN not in result.output and BAD_TOKEN.replace("\u20ac", "") not in result.output
    assert_no_raw_exception(result.output)


# -- TLS options and messages ------------------------------------------------------------------------

def test_validate_certs_false_with_ca_path_verifies_and_says_so(play, hz, proxy_factory, pki, tmp_path):
    trusted = tls_proxy(proxy_factory, pki["server"])
    untrusted = tls_proxy(proxy_factory, pki["untrusted"])
    cases = [{"name": name, "ref": "op://Hardening/app/password",
              "opts": {"host": proxy.url, "validate_certs": False, "ca_path": pki["ca"].path, "cache": False}}
             for name, proxy in (("trusted", trusted), ("untrusted", untrusted))]
    outcomes, result = lookup_cases(play, tmp_path, cases, fast_env(None, timeout=TIMEOUT, retries=0))
    msg, digest, failed = outcomes["trusted"]
    assert not failed and digest == hz.digests["password"], msg
    # ca_path wins: a certificate from another CA is refused although validate_certs is false ...
    msg, _digest, failed = outcomes["untrusted"]
    assert failed
    assert_clean_message(msg, "certificate verify failed")
    assert not untrusted.requests(), untrusted.log
    # ... and the warning says so instead of claiming the certificate is not checked
    output = " ".join(result.output.split())
    assert "validate_certs is false but ca_path is set" in output and "still verified" in output, result.output
    assert "is not verified" not in output, result.output


def test_tls_messages_say_what_is_wrong(play, hz, proxy_factory, pki, tmp_path):
    not_pem = tmp_path / "ca.der"
    not_pem.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    wrong_name = tls_proxy(proxy_factory, pki["wrong_name"])
    tls = tls_proxy(proxy_factory, pki["server"])
    closes = proxy_factory()
    closes.add("raw", times=None, data=b"")
    plain_host = "http://127.0.0.1:%d" % tls.port
    cases = [
        {"name": "ca_path-not-pem", "ref": "op://Hardening/app/password",
         "opts": {"host": tls.url, "ca_path": str(not_pem), "cache": False}},
        {"name": "name-mismatch", "ref": "op://Hardening/app/password",
         "opts": {"host": wrong_name.url, "ca_path": pki["ca"].path, "cache": False}},
        {"name": "http-to-tls-port", "ref": "op://Hardening/app/password",
         "opts": {"host": plain_host, "cache": False}},
        {"name": "closed-without-answer", "ref": "op://Hardening/app/password",
         "opts": {"host": closes.url, "cache": False}},
    ]
    outcomes, result = lookup_cases(play, tmp_path, cases, fast_env(None, timeout=TIMEOUT, retries=1))
    messages = dict((name, outcome[0]) for name, outcome in outcomes.items())
    assert all(outcome[2] for outcome in outcomes.values()), outcomes

    assert_clean_message(messages["ca_path-not-pem"], '"ca_path"', str(not_pem), "PEM")
    assert "client_cert" not in messages["ca_path-not-pem"] and not tls.requests()

    assert_clean_message(messages["name-mismatch"], "not valid for this host name")
    assert ".." not in messages["name-mismatch"], messages["name-mismatch"]

    assert_clean_message(messages["http-to-tls-port"], "https://127.0.0.1:%d" % tls.port)
    assert_clean_message(messages["closed-without-answer"], "closed the connection without answering",
                         "https://127.0.0.1:%d" % closes.port)
    for message in messages.values():
        assert_no_raw_exception(message)
        assert ".." not in message.replace("...", ""), message


def test_module_connect_error_carries_no_traceback(play, hz, tmp_path):
    port = harness.free_port()
    cases = [{"name": "refused", "opts": {"host": "http://127.0.0.1:%d" % port, "retries": 0}}]
    outcomes, result = module_cases(play, tmp_path, cases,
                                    fast_env(None, ANSIBLE_DISPLAY_TRACEBACK="always"))
    msg, failed, exception = outcomes["refused"]
    assert failed
    assert_clean_message(msg, "connection refused", "Is Connect running there")
    # ansible-core shows its own controller traceback with "always"; the module adds none of its own
    for frame in ("urllib3", "requests/adapters.py", "_client.py", "_transport.py", "ConnectionRefusedError"):
        assert frame not in result.output, frame
        assert frame not in (exception or ""), frame


# -- the run cache with a long temp directory ----------------------------------------------------------

def test_run_cache_works_with_a_long_local_temp(play, hz, proxy_factory, tmp_path):
    proxy = proxy_factory()
    local_temp = os.path.join(str(tmp_path), "a-long-local-temp-directory-" + "x" * 80)
    os.makedirs(local_temp)
    # ansible adds ansible-local-<pid><random>/ and the cache sop-cache/sock: far beyond 100 bytes
    assert len(local_temp) + len("/ansible-local-1234567abcdefgh/sop-cache/sock") > 108
    cases = [{"name": "read-%d" % index, "ref": "op://Hardening/app/password", "opts": {"cache": True}}
             for index in range(3)]
    outcomes, result = lookup_cases(play, tmp_path, cases, fast_env(proxy.url, ANSIBLE_LOCAL_TEMP=local_temp))
    for name, (msg, digest, failed) in outcomes.items():
        assert not failed and digest == hz.digests["password"], (name, msg)
    item_reads = proxy.requests(method="GET", path=r"/items/[^/]+$")
    assert len(item_reads) == 1, "the run cache was off: %s" % proxy.log
    assert "Traceback (most recent call last)" not in result.output
