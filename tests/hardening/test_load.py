# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Load: concurrent writers on connect-dev, and the secret lookup with 200
references to distinct items (requests counted at a proxy and the server).

HARDENING_LOAD_SECONDS sets the writers' duration (default 10; `make
bench-hardening` runs 30 and prints the figures).
"""

from __future__ import annotations

import os
import statistics
import threading
import time

import requests

from conftest import BULK, VAULT, fast_env

WRITERS = int(os.environ.get("HARDENING_LOAD_WRITERS", "16"))
SECONDS = float(os.environ.get("HARDENING_LOAD_SECONDS", "10"))
REPORT = os.environ.get("HARDENING_LOAD_REPORT")


def _report(name, figures):
    line = "%s: %s" % (name, ", ".join("%s=%s" % item for item in figures.items()))
    print("\n" + line)
    if REPORT:
        with open(REPORT, "a") as handle:
            handle.write(line + "\n")


def test_concurrent_writers_lose_no_update(devserver, hz):
    headers = {"Authorization": "Bearer " + hz.token}
    base = "%s/v1/vaults/%s/items" % (devserver.url, hz.writes_vault_id)
    fields = [{"id": "w%02d" % n, "label": "writer %d" % n, "type": "STRING", "value": "0"} for n in range(WRITERS)]
    created = requests.post(base, json={"title": "load-shared", "category": "LOGIN", "fields": fields},
                            headers=headers, timeout=30)
    assert created.status_code == 200, created.text
    shared = created.json()
    path = "%s/%s" % (base, shared["id"])
    deadline = time.monotonic() + SECONDS
    lock = threading.Lock()
    statuses = {}
    latencies = []
    acked = {}
    creations = {}
    errors = []

    def record(status, seconds):
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(seconds)

    def writer(n):
        session = requests.Session()
        counter = 0
        mine = []
        try:
            while time.monotonic() < deadline:
                counter += 1
                started = time.monotonic()
                response = session.patch(path, json=[
                    {"op": "replace", "path": "/fields/w%02d/value" % n, "value": str(counter)}],
                    headers=headers, timeout=60)
                record(response.status_code, time.monotonic() - started)
                if response.status_code == 200:
                    acked[n] = counter
                if counter % 8 == 0:
                    started = time.monotonic()
                    response = session.post(base, json={"title": "load-%d-%d" % (n, counter), "category": "PASSWORD"},
                                            headers=headers, timeout=60)
                    record(response.status_code, time.monotonic() - started)
                    if response.status_code == 200:
                        mine.append(response.json()["id"])
        except Exception as exc:  # a connection error is a failure of the server too
            errors.append("writer %d: %r" % (n, exc))
        creations[n] = mine

    def reader():
        session = requests.Session()
        while time.monotonic() < deadline:
            started = time.monotonic()
            response = session.get(path, headers=headers, timeout=60)
            record(response.status_code, time.monotonic() - started)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=reader) for _index in range(2)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 120)
    elapsed = time.monotonic() - began

    assert not errors, errors
    assert not any(status >= 500 for status in statuses), statuses
    assert set(statuses) == {200}, statuses
    final = requests.get(path, headers=headers, timeout=30).json()
    values = dict((f["id"], f.get("value")) for f in final["fields"])
    for n in range(WRITERS):
        assert values["w%02d" % n] == str(acked.get(n, 0)), "writer %d: update lost" % n
    patches = sum(acked.values())
    assert final["version"] == shared["version"] + patches, (final["version"], shared["version"], patches)
    titles = dict((item["id"], item["title"]) for item in hz.items() if item["title"].startswith("load-"))
    for n, ids in creations.items():
        for item_id in ids:
            assert item_id in titles, "writer %d: a created item is missing" % n
    total = sum(statuses.values())
    ordered = sorted(latencies)
    _report("load %d writers x %gs" % (WRITERS, SECONDS), {
        "requests": total, "patches": patches, "creates": sum(len(v) for v in creations.values()),
        "req_per_s": "%.0f" % (total / elapsed), "p50_ms": "%.1f" % (statistics.median(ordered) * 1000),
        "p95_ms": "%.1f" % (ordered[int(len(ordered) * 0.95)] * 1000), "max_ms": "%.1f" % (ordered[-1] * 1000),
        "5xx": 0, "lost_updates": 0})


def _bulk_vars(hz):
    refs = ["op://%s/bulk-%03d/password" % (VAULT, i) for i in range(BULK)]
    return {"refs": refs, "expect": hz.bulk_digest}


def test_lookup_200_distinct_items_within_budget(play, hz, devserver, proxy_factory):
    proxy = proxy_factory()
    before = devserver.request_count()
    result = play("bulk.yml", extra_vars=_bulk_vars(hz), env=fast_env(proxy.url, timeout=10, retries=3))
    assert result.rc == 0, result
    clean = len(proxy.log)
    served = devserver.request_count() - before - 1  # minus the /metrics read itself
    assert served == clean, (served, clean)
    # one vault resolution, then at most two reads per item (title filter + full item)
    assert clean <= 2 * BULK + 5, clean
    assert "retry" not in result.output.lower(), result

    # The same run with transient faults: each costs exactly one retry, never more.
    proxy.clear()
    faults = 40
    proxy.add("status", times=faults // 2, method="GET", path=r"/items/[^/]+$", status=503, once_per_request=True)
    proxy.add("status", times=faults // 2, method="GET", path=r"/items$", status=429, retry_after=0,
              once_per_request=True)
    started = time.monotonic()
    result = play("bulk.yml", extra_vars=_bulk_vars(hz), env=fast_env(proxy.url, timeout=10, retries=3))
    assert result.rc == 0, result
    injected = len(proxy.requests(action="status"))
    assert injected == faults, injected
    assert len(proxy.log) == clean + faults, (len(proxy.log), clean, faults)
    _report("lookup %d references" % BULK, {
        "requests_clean": clean, "requests_with_faults": len(proxy.log), "injected": faults,
        "seconds_with_faults": "%.1f" % (time.monotonic() - started)})
