# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/demo.md shows the output of a real run of the current examples/demo.yml
(`make demo-docs` writes it): the same plays and tasks in the same order, every
part's assertion passed, and no secret value of the demo's seed in it."""

from __future__ import annotations

import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(path):
    with open(os.path.join(REPO, path)) as handle:
        return handle.read()


def test_demo_doc_matches_the_demo_playbook():
    plays = yaml.safe_load(_read("examples/demo.yml"))
    expected = []
    for play in plays:
        expected.append("PLAY [%s]" % play["name"])
        expected.extend("TASK [%s]" % task["name"] for task in play["tasks"])
    shown = re.findall(r"^((?:PLAY|TASK) \[.*?\])(?= \*|$)", _read("docs/demo.md"), re.M)
    assert shown == expected, "docs/demo.md is stale: run 'make demo-docs'"


def test_demo_doc_shows_a_successful_run_without_secrets():
    text = _read("docs/demo.md")
    recap = re.search(r"^localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0", text, re.M)
    assert recap, "no successful PLAY RECAP in docs/demo.md"
    assert "Demo finished" in text
    seed = yaml.safe_load(_read("examples/demo-seed.yml"))
    for vault in seed["vaults"]:
        for item in vault["items"]:
            for field in item.get("fields") or []:
                if field.get("type") == "CONCEALED":
                    assert field["value"] not in text, (item["title"], field["label"])
    assert not re.search(r"eyJ[A-Za-z0-9_-]{20,}", text), "a token in docs/demo.md"
