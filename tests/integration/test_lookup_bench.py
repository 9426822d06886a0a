# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the lookups against the dev server (`make bench-lookups`).

Skipped unless LOOKUP_BENCH=1. Prints a table:
(a) one play resolving 200 references over 20 items: wall time and requests
    the server saw (one call with every term, and one call per term);
(b) 100 hosts (local connection) whose group_vars hold 5 references over 3
    items, used in a template task: requests (target <= 2 x items + vault
    resolution) and wall time against the same play with the values inlined
    (target within 1.5x).
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
import yaml

from test_lookup_data import PLAYBOOKS, broker_pids, wait_until

pytestmark = pytest.mark.skipif(os.environ.get("LOOKUP_BENCH") != "1", reason="benchmark: run make bench-lookups")

BENCH = os.path.join(PLAYBOOKS, "bench")
ITEMS = 20
FIELDS = 10
HOSTS = int(os.environ.get("LOOKUP_BENCH_HOSTS", "100"))
FLEET_VALUES = {
    "db_user": "fleet-admin",
    "db_password": "fleet-db-pw",
    "db_replica": "replica.example.com",
    "web_password": "fleet-web-pw",
    "api_token": "fleet-api-token",
}


def seed(devserver, directory):
    items = []
    for n in range(ITEMS):
        items.append({"title": "svc-%02d" % n, "category": "PASSWORD", "fields": [
            {"label": "f%d" % f, "type": "CONCEALED", "value": "v-%02d-%d" % (n, f)} for f in range(FIELDS)]})
    items += [
        {"title": "fleet-db", "category": "DATABASE", "sections": [{"id": "replica", "label": "replica"}], "fields": [
            {"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING",
             "value": FLEET_VALUES["db_user"]},
            {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED",
             "value": FLEET_VALUES["db_password"]},
            {"label": "host", "type": "STRING", "section": {"id": "replica"}, "value": FLEET_VALUES["db_replica"]}]},
        {"title": "fleet-web", "category": "LOGIN", "fields": [
            {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED",
             "value": FLEET_VALUES["web_password"]}]},
        {"title": "fleet-api", "category": "API_CREDENTIAL", "fields": [
            {"label": "credential", "type": "CONCEALED", "value": FLEET_VALUES["api_token"]}]},
    ]
    path = os.path.join(str(directory), "bench-seed.yml")
    with open(path, "w") as handle:
        json.dump({"vaults": [{"name": "lookup-bench", "items": items}]}, handle)
    devserver.seed(path)


def measure(devserver, run_playbook, playbook, **kwargs):
    before = devserver.request_count()
    started = time.monotonic()
    result = run_playbook(playbook, **kwargs)
    wall = time.monotonic() - started
    assert result.rc == 0, result
    requests = devserver.request_count() - before - 1  # not the /metrics request itself
    return wall, requests


def fleet_inventory(directory, inline):
    os.makedirs(os.path.join(directory, "group_vars"), exist_ok=True)
    with open(os.path.join(directory, "hosts.ini"), "w") as handle:
        handle.write("[fleet]\n")
        for n in range(HOSTS):
            handle.write("host%03d\n" % n)
        handle.write("\n[fleet:vars]\nansible_connection=local\n")
    target = os.path.join(directory, "group_vars", "fleet.yml")
    if inline:
        with open(target, "w") as handle:
            handle.write("---\n" + yaml.safe_dump(FLEET_VALUES, default_flow_style=False))
    else:
        shutil.copy(os.path.join(BENCH, "group_vars_lookups.yml"), target)
    return os.path.join(directory, "hosts.ini")


def test_bench_lookups(devserver, run_playbook, collections_root, tmp_path, capsys):
    seed(devserver, tmp_path)
    brokers_before = broker_pids(collections_root)
    refs = ["op://lookup-bench/svc-%02d/f%d" % (n, f) for f in range(FIELDS) for n in range(ITEMS)]
    rows = []

    wall, requests = measure(devserver, run_playbook, os.path.join(BENCH, "refs_query.yml"),
                             extra_vars={"refs": refs})
    rows.append(("(a) 200 refs / 20 items, one lookup call", wall, requests, "<= %d" % (2 * ITEMS + 1)))
    query_requests = requests
    wall, requests = measure(devserver, run_playbook, os.path.join(BENCH, "refs_loop.yml"),
                             extra_vars={"refs": refs})
    rows.append(("(a) 200 refs / 20 items, 200 lookup calls", wall, requests, "<= %d" % (2 * ITEMS + 1)))
    loop_requests = requests
    wall, requests = measure(devserver, run_playbook, os.path.join(BENCH, "refs_loop.yml"),
                             extra_vars={"refs": refs}, env={"OP_LOOKUP_CACHE": "false"})
    rows.append(("    same, 200 calls, cache off", wall, requests, "-"))

    results = {}
    for variant, inline, env in (("lookups", False, None), ("inline", True, None),
                                 ("cache off", False, {"OP_LOOKUP_CACHE": "false"})):
        directory = str(tmp_path / variant.replace(" ", "-"))
        out_dir = os.path.join(directory, "out")
        os.makedirs(out_dir)
        inventory = fleet_inventory(directory, inline)
        results[variant] = measure(devserver, run_playbook, os.path.join(BENCH, "fleet_template.yml"),
                                   inventory=inventory, extra_vars={"out_dir": out_dir}, env=env)
        rendered = sorted(os.listdir(out_dir))
        assert len(rendered) == HOSTS
        with open(os.path.join(out_dir, rendered[-1])) as handle:
            text = handle.read()
        assert all(value in text for value in FLEET_VALUES.values())
    fleet_target = 2 * 3 + 1
    rows.append(("(b) %d hosts x 5 refs / 3 items, template" % HOSTS, results["lookups"][0],
                 results["lookups"][1], "<= %d" % fleet_target))
    rows.append(("(b) same play, values inlined", results["inline"][0], results["inline"][1], "-"))
    ratio = results["lookups"][0] / results["inline"][0]
    rows.append(("(b) same play, cache off", results["cache off"][0], results["cache off"][1], "-"))
    # Brokers started by these runs end with them (others may belong to other runs on this machine).
    wait_until(lambda: not (broker_pids(collections_root) - brokers_before), 10)
    brokers_left = broker_pids(collections_root) - brokers_before

    with capsys.disabled():
        print("\n\nLookup benchmark: connect-dev on %s, ansible-playbook with 5 forks, local connection" % devserver.url)
        print("%-46s %9s %9s %9s" % ("scenario", "wall (s)", "requests", "target"))
        for name, wall, requests, target in rows:
            print("%-46s %9.2f %9d %9s" % (name, wall, requests, target))
        print("%-46s %9.2fx %8s %9s" % ("(b) wall time, lookups / inlined", ratio, "", "<= 1.50x"))
        print("cache brokers left running by these runs: %d\n" % len(brokers_left))

    assert query_requests <= 2 * ITEMS + 1
    assert loop_requests <= 2 * ITEMS + 1
    assert results["lookups"][1] <= fleet_target
    assert not brokers_left
