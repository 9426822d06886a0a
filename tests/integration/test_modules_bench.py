# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench-modules: re-running a play that manages N items writes nothing.

Runs only when MODULES_BENCH is set (the make target sets it); prints the
writes, the reads per item and the wall time of both runs.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from test_modules_item import PLAYBOOKS, request_counts

COUNT = int(os.environ.get("MODULES_BENCH_ITEMS", "50"))
VAULT = "ModulesBench"

pytestmark = pytest.mark.skipif(not os.environ.get("MODULES_BENCH"), reason="benchmark: make bench-modules")


def test_rerun_of_many_items_makes_no_write(run_playbook, devserver, tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text(json.dumps({"vaults": [{"name": VAULT, "items": []}]}))
    devserver.seed(str(seed))
    rows = []
    for run in ("first run (creates)", "second run (unchanged)"):
        before = request_counts(devserver)
        start = time.monotonic()
        res = run_playbook(os.path.join(PLAYBOOKS, "bench.yml"), extra_vars={"bench_vault": VAULT, "bench_count": COUNT})
        wall = time.monotonic() - start
        assert res.rc == 0, res.stdout + res.stderr
        after = request_counts(devserver)
        delta = dict((m, after.get(m, 0) - before.get(m, 0)) for m in set(after) | set(before))
        reads = delta.get("GET", 0)
        written = sum(delta.get(m, 0) for m in ("POST", "PUT", "PATCH", "DELETE"))
        rows.append((run, res.recap["localhost"]["changed"], written, reads, reads / float(COUNT), wall))
    print("\nmake bench-modules: a play managing %d items with secretops.onepassword.item" % COUNT)
    print("%-24s %8s %7s %6s %15s %9s" % ("run", "changed", "writes", "reads", "reads per item", "wall (s)"))
    for row in rows:
        print("%-24s %8d %7d %6d %15.2f %9.1f" % row)
    assert rows[0][2] == COUNT
    assert rows[1][1] == 0 and rows[1][2] == 0, "the second run wrote"
