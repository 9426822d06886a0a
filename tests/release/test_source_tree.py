# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A source tree without .git (an unpacked source tarball) is as usable as a clone."""

from __future__ import annotations

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TREE = os.path.join(REPO, "scripts", "collection-tree.sh")


def _files(top):
    return sorted(os.path.relpath(os.path.join(d, f), top) for d, _dirs, names in os.walk(top) for f in names)


def _tree(source, dest):
    result = subprocess.run([os.path.join(source, "scripts", "collection-tree.sh"), str(dest)], cwd=source,
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_collection_tree_without_git_lists_the_same_files(tmp_path):
    from_clone = _tree(REPO, tmp_path / "clone")
    expected = _files(from_clone)
    unpacked = from_clone  # the clone's files, without .git: what a source tarball holds
    assert not os.path.exists(os.path.join(unpacked, ".git"))
    # leftovers of a build inside the unpacked tree stay out, as .gitignore keeps them out of git
    for junk in (".venv/bin/python", "build/dist/x.tar.gz", "collections/ansible_collections/x",
                 "plugins/__pycache__/x.pyc", ".demo/port"):
        os.makedirs(os.path.dirname(os.path.join(unpacked, junk)), exist_ok=True)
        open(os.path.join(unpacked, junk), "w").close()
    from_tarball = _tree(unpacked, tmp_path / "tarball")
    assert _files(from_tarball) == expected != []
