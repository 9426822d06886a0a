# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The galaxy tarball: built from the checkout, installed offline, and holding
only what users of the collection need (an allow-list of top-level entries and
no development files anywhere below them)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

# What a user of the collection gets; anything else at the top is a development file.
ALLOWED_TOP = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "COPYING", "LICENSES", "meta", "plugins",
               "roles", "docs", "examples", "changelogs", "requirements.txt"}
# Never anywhere in the tarball.
FORBIDDEN_PARTS = {"__pycache__", ".venv", ".git", ".ci", "build", "devserver", "mk", "scripts", ".pytest_cache",
                   ".hypothesis", ".demo", ".ansible", "tests", "molecule"}
FORBIDDEN_SUFFIXES = (".pyc", ".tar.gz", ".orig", ".rej", ".swp", "~")


def _run(args, env=None):
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=REPO)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(args), result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return _run([os.path.join(REPO, "scripts", "build-collection.sh"), str(out)]).strip().splitlines()[-1]


def test_tarball_members_are_only_what_users_need(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = set(name.split("/")[0] for name in names)
    assert not tops - ALLOWED_TOP, "development files at the top of the tarball: %s" % sorted(tops - ALLOWED_TOP)
    for wanted in ("MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "meta", "plugins", "docs"):
        assert wanted in tops, wanted
    bad = [name for name in names
           if FORBIDDEN_PARTS.intersection(name.split("/")[1:] if name.split("/")[0] in ALLOWED_TOP else name.split("/"))
           or name.endswith(FORBIDDEN_SUFFIXES)]
    assert not bad, "development files in the tarball: %s" % bad
    # every plugin of the checkout is shipped
    for kind in ("lookup", "modules"):
        for name in os.listdir(os.path.join(REPO, "plugins", kind)):
            if name.endswith(".py"):
                assert "plugins/%s/%s" % (kind, name) in names


def test_tarball_installs_offline(tarball, tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path), ANSIBLE_HOME=str(tmp_path / ".ansible"),
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(tmp_path),
          tarball], env=env)
    listed = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "list", "-p", str(tmp_path),
                   "secretops.onepassword"], env=env)
    assert "secretops.onepassword" in listed
    installed = tmp_path / "ansible_collections" / "secretops" / "onepassword"
    assert (installed / "CHANGELOG.md").read_text() == open(os.path.join(REPO, "CHANGELOG.md")).read()
