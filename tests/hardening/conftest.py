# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the hardening suites.

Reuses the integration harness (connect-dev, run_playbook, TLS material) and
adds:
- ``SECRETS``: every secret value and token the suites use (the leak scan
  searches every artefact for each of them and their base64 forms);
- ``hz``: a seeded vault "Hardening" whose values are distinctive random
  strings, 200 bulk items for the load case, and the sha256 of each value so
  playbooks can check what they read without printing it;
- ``play``: run_playbook that also keeps every run's output for the leak scan;
- ``proxy_factory``: fault proxies in front of the dev server.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import secrets
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, "playbooks")
sys.path.insert(0, HERE)

_spec = importlib.util.spec_from_file_location("hardening_integration_harness",
                                               os.path.join(REPO, "tests", "integration", "conftest.py"))
harness = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = harness
_spec.loader.exec_module(harness)

from faultproxy import FaultProxy  # noqa: E402

# The integration fixtures, under the same names.
devserver_factory = harness.devserver_factory
devserver = harness.devserver
tls_material = harness.tls_material
collections_root = harness.collections_root
run_playbook = harness.run_playbook

#: Every secret value and token used by these suites.
SECRETS = set()
BULK = 200
VAULT = "Hardening"

_original_token = harness.DevServer.token


def _recording_token(self, vaults, expires=None):
    token = _original_token(self, vaults, expires=expires)
    SECRETS.add(token)
    return token


harness.DevServer.token = _recording_token


def distinctive(kind):
    """A random value no tool would print by chance."""
    value = "hz%s-%s" % (kind, secrets.token_urlsafe(18).replace("-", "x").replace("_", "y"))
    SECRETS.add(value)
    return value


def sha(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class World(object):
    """The seeded vault: values, ids and digests."""

    def __init__(self, devserver, seed_dir):
        self.values = {
            "username": distinctive("user"),
            "password": distinctive("pass"),
            "dsn": distinctive("dsn"),
            "file": distinctive("file"),
        }
        self.bulk = ["%s" % distinctive("bulk%03d" % i) for i in range(BULK)]
        items = [{
            "title": "app", "category": "LOGIN",
            "sections": [{"id": "dbsection0000000000000000a", "label": "db"}],
            "fields": [
                {"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING",
                 "value": self.values["username"]},
                {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED",
                 "value": self.values["password"]},
                {"id": "dsnfield000000000000000000", "label": "dsn", "type": "CONCEALED",
                 "section": {"id": "dbsection0000000000000000a"}, "value": self.values["dsn"]},
            ],
            "files": [{"name": "key.txt", "content": self.values["file"]}],
        }]
        for index, value in enumerate(self.bulk):
            items.append({"title": "bulk-%03d" % index, "category": "PASSWORD", "fields": [
                {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": value}]})
        path = os.path.join(seed_dir, "seed.yml")
        with open(path, "w") as handle:
            json.dump({"vaults": [{"name": VAULT, "description": "hardening suites", "items": items},
                                  {"name": VAULT + "Writes", "description": "items the module tests write",
                                   "items": []}]}, handle)
        devserver.seed(path)
        self.devserver = devserver
        self.token = devserver.default_token()
        status, _h, vaults = devserver.api("GET", "/v1/vaults", token=self.token)
        assert status == 200, vaults
        self.vault_id = next(v["id"] for v in vaults if v["name"] == VAULT)
        self.writes_vault_id = next(v["id"] for v in vaults if v["name"] == VAULT + "Writes")
        self.digests = dict((key, sha(value)) for key, value in self.values.items())
        self.bulk_digest = sha("\n".join(self.bulk))

    def items(self, vault_id=None, title=None):
        """Item summaries in a vault (optionally only those with this title)."""
        path = "/v1/vaults/%s/items" % (vault_id or self.writes_vault_id)
        status, _h, body = self.devserver.api("GET", path, token=self.token)
        assert status == 200, body
        return [item for item in body if title is None or item["title"] == title]

    def item(self, item_id, vault_id=None):
        status, _h, body = self.devserver.api(
            "GET", "/v1/vaults/%s/items/%s" % (vault_id or self.writes_vault_id, item_id), token=self.token)
        assert status == 200, body
        return body


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory):
    """Seed files hold the secrets on purpose: the leak scan skips this directory."""
    return str(tmp_path_factory.mktemp("seed-input"))


@pytest.fixture(scope="session")
def hz(devserver, seed_dir):
    return World(devserver, seed_dir)


@pytest.fixture(scope="session")
def artefact_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("artefacts"))


class Runs(object):
    def __init__(self, run_playbook, artefact_dir):
        self._run = run_playbook
        self.dir = artefact_dir
        self.count = 0

    def __call__(self, playbook, extra_vars=None, env=None, **kwargs):
        started = time.monotonic()
        result = self._run(os.path.join(PLAYBOOKS, playbook), extra_vars=extra_vars, env=env, **kwargs)
        result.elapsed = time.monotonic() - started
        self.count += 1
        name = "%03d-%s" % (self.count, os.path.basename(playbook))
        with open(os.path.join(self.dir, name + ".out"), "w") as handle:
            handle.write(result.stdout)
            handle.write("\n--- stderr ---\n")
            handle.write(result.stderr)
        return result


@pytest.fixture(scope="session")
def play(run_playbook, artefact_dir):
    """play(playbook_name_under_tests/hardening/playbooks, extra_vars, env, ...) -> result (+ .elapsed)."""
    return Runs(run_playbook, artefact_dir)


def _proxies(devserver):
    started = []

    def start(upstream=None, **kwargs):
        proxy = FaultProxy(upstream or devserver.url, **kwargs).start()
        started.append(proxy)
        return proxy

    return start, started


@pytest.fixture
def proxy_factory(devserver):
    start, started = _proxies(devserver)
    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture(scope="module")
def proxy_factory_module(devserver):
    start, started = _proxies(devserver)
    yield start
    for proxy in started:
        proxy.stop()


def fast_env(proxy_url, timeout=3, retries=3, backoff=0.1, **extra):
    """Connection settings through the environment: short timeout, quick backoff."""
    env = {
        "OP_CONNECT_HOST": proxy_url,  # None: no host in the environment (cases give their own)
        "OP_CONNECT_TIMEOUT": str(timeout),
        "OP_CONNECT_RETRIES": json.dumps({"total": retries, "backoff_factor": backoff, "backoff_max": 2}),
    }
    env.update(extra)
    return env


def assert_clean_failure(result, *expected):
    """rc != 0, a message containing every expected text, no traceback, no secret."""
    assert result.rc != 0, result
    output = result.output
    assert "Traceback (most recent call last)" not in output, result
    for text in expected:
        assert text in output, "expected %r in the output\n%r" % (text, result)
    for value in SECRETS:
        assert value not in output, "a secret or token appears in the output"


def lookup_cases(play, tmp_path, cases, env):
    """Run playbooks/lookup_cases.yml; {case name: (msg, digest, failed)} and the run result."""
    out = tmp_path / ("outcomes-%s.json" % uuid.uuid4().hex[:8])
    result = play("lookup_cases.yml", extra_vars={"cases": cases, "out": str(out)}, env=env)
    assert out.exists(), result
    outcomes = json.loads(out.read_text())
    assert len(outcomes) == len(cases), outcomes
    return dict((case["name"], tuple(outcome)) for case, outcome in zip(cases, outcomes)), result


def assert_clean_message(message, *expected):
    assert "Traceback" not in message, message
    for text in expected:
        assert text in message, "expected %r in %r" % (text, message)
    for value in SECRETS:
        assert value not in message, "a secret or token appears in an error message"
