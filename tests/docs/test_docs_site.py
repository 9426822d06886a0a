# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Smoke test of `make docs` (scripts/docs-build.sh): the site builds offline, with
a page per plugin and the role rendered from their own documentation, and a page
per guide."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_docs_site_builds_with_every_plugin_and_guide(tmp_path):
    dest = tmp_path / "docs"
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([os.path.join(REPO, "scripts", "docs-build.sh"), str(dest)], capture_output=True,
                            text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    html = dest / "html"
    pages = html / "collections" / "secretops" / "onepassword"
    for kind, suffix in (("lookup", "lookup"), ("modules", "module")):
        for name in os.listdir(os.path.join(REPO, "plugins", kind)):
            if name.endswith(".py") and not name.startswith("_"):
                page = pages / ("%s_%s.html" % (name[:-3], suffix))
                assert page.is_file(), page
    assert (pages / "connect_server_role.html").is_file()
    secret = (pages / "secret_lookup.html").read_text()
    assert "OP_CONNECT_TOKEN" in secret and "op://Prod/db/password" in secret
    for name in os.listdir(os.path.join(REPO, "docs")):
        if name.endswith(".md"):
            assert (html / "guides" / (name[:-3] + ".html")).is_file(), name
    assert "make demo" in (html / "guides" / "readme.html").read_text()
