# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection builds, installs offline from its tarball, and ansible-doc
renders every plugin of the installed copy; the tarball holds no
development-only files; the `connect` action group lists every module."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _run(args, env=None):
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=REPO)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(args), result.stdout, result.stderr)
    return result.stdout


def _plugins(kind):
    directory = os.path.join(REPO, "plugins", kind)
    return sorted(name[:-3] for name in os.listdir(directory) if name.endswith(".py") and not name.startswith("_"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    tarball = _run([os.path.join(REPO, "scripts", "build-collection.sh"), str(out)]).strip().splitlines()[-1]
    root = tmp_path_factory.mktemp("installed")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_HOME=str(root / ".ansible"),
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(root),
          tarball], env=env)
    return tarball, root, env


def test_tarball_holds_the_collection_and_no_development_files(installed):
    tarball = installed[0]
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    tops = {name.split("/")[0] for name in names}
    for wanted in ("MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta", "plugins", "docs", "changelogs"):
        assert wanted in tops
    for unwanted in ("tests", "devserver", "mk", "scripts", "Makefile", "requirements", ".venv", "build", ".ci",
                     "collections", ".git"):
        assert unwanted not in tops, unwanted
    assert not [name for name in names if "__pycache__" in name]


def test_installed_copy_is_importable_by_ansible_doc(installed):
    dummy, root, env = installed
    assert os.path.isfile(os.path.join(str(root), "ansible_collections", "secretops", "onepassword", "meta",
                                       "runtime.yml"))
    for kind, directory in (("module", "modules"), ("lookup", "lookup")):
        names = _plugins(directory)
        assert names, directory
        listed = _run([os.path.join(BIN, "ansible-doc"), "-t", kind, "-l", "secretops.onepassword"], env=env)
        for name in names:
            assert "secretops.onepassword." + name in listed, (kind, name)
        # One ansible-doc call renders them all; it fails if any one cannot be rendered.
        text = _run([os.path.join(BIN, "ansible-doc"), "-t", kind] + ["secretops.onepassword." + n for n in names],
                    env=env)
        for name in names:
            assert "secretops.onepassword.%s" % name in text, (kind, name)
        assert text.count("OP_CONNECT_HOST") >= len(names)


def test_connect_action_group_lists_every_module():
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        runtime = yaml.safe_load(handle)
    assert runtime["requires_ansible"] == ">=2.17.0"
    assert sorted(runtime["action_groups"]["connect"]) == _plugins("modules")
