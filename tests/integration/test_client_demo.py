# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""examples/demo.yml (what `make demo` runs) passes against its own seeded
connect-dev, with the connection taken from the environment only."""

from __future__ import annotations

import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")


def test_demo_playbook(devserver_factory, run_playbook):
    server = devserver_factory()
    server.seed(os.path.join(EXAMPLES, "demo-seed.yml"))
    token = server.token({"Demo": "rw"}, expires="1h")
    result = run_playbook(os.path.join(EXAMPLES, "demo.yml"),
                          env={"OP_CONNECT_HOST": server.url, "OP_CONNECT_TOKEN": token})
    assert result.rc == 0, result
    assert result.recap["localhost"]["failed"] == 0
    # Part 4's deliberate module failure is kept (failed_when: false) and its message shown.
    assert "The module failed with:" in result.output and "Web Login" in result.output, result
    assert "Traceback" not in result.output
    assert token not in result.output
    assert "correct-horse-battery-staple" not in result.output
