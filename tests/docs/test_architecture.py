# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/architecture.md matches the tree: it names every shared file, and every
file it names exists."""

from __future__ import annotations

import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(REPO, "docs", "architecture.md")


def _text():
    with open(PAGE, encoding="utf-8") as handle:
        return handle.read()


def test_every_shared_file_is_named():
    text = _text()
    missing = []
    for folder in ("plugins/module_utils", "plugins/plugin_utils"):
        for name in sorted(os.listdir(os.path.join(REPO, folder))):
            if name.endswith(".py") and name != "__init__.py" and "%s/%s" % (folder, name) not in text:
                missing.append("%s/%s" % (folder, name))
    assert missing == []


def test_every_named_path_exists():
    paths = set(re.findall(r"`((?:plugins|tests|devserver)/[\w./-]+?)`", _text()))
    paths = set(p for p in paths if "*" not in p and "<" not in p)
    assert paths, "the page names files"
    assert sorted(p for p in paths if not os.path.exists(os.path.join(REPO, p))) == []
