# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The install paths of docs/install.md, as a user takes them.

A fresh virtualenv holds only ansible-core (nothing from the checkout); the
commands are the ones docs/install.md shows, run as written. connect-dev is
built with `python -m build devserver` and installed from its wheel into a venv
of its own. The collection and community.docker (for the role) are tarballs, as
`ansible-galaxy collection download` leaves them.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALL_MD = os.path.join(REPO, "docs", "install.md")
DEVSERVER_MD = os.path.join(REPO, "docs", "devserver.md")
DEV_BIN = os.path.dirname(sys.executable)
BASE_PYTHON = shutil.which("python3")
# The lookups' message (the client's), and Ansible's own for a module whose target lacks a library.
MISSING_REQUESTS = "The Python library 'requests' is required to talk to 1Password Connect"
MISSING_REQUESTS_ON_TARGET = r"Failed to import the required Python library \(requests\) on \S+'s Python %s\."


def doc_block(name, path=INSTALL_MD):
    """The fenced block that follows `<!-- install-test: NAME -->` in docs/install.md (or PATH)."""
    with open(path) as handle:
        lines = handle.read().splitlines()
    start = lines.index("<!-- install-test: %s -->" % name) + 1
    while not lines[start].startswith("```"):
        start += 1
    end = lines.index("```", start + 1)
    return "\n".join(lines[start + 1:end]) + "\n"


def run(args, check=True, **kwargs):
    kwargs.setdefault("timeout", 600)
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s"
                             % (args, result.returncode, result.stdout[-3000:], result.stderr[-3000:]))
    return result


def make_venv(path, *requirements):
    run([BASE_PYTHON, "-m", "venv", str(path)])
    if requirements:
        run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + list(requirements))
    return path


def user_env(venv, home):
    """A user's shell: the venv first on PATH, its own Ansible home and collections path."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("ANSIBLE_", "OP_CONNECT_", "VIRTUAL_ENV", "PYTHON")))
    env.update(PATH=str(venv / "bin") + os.pathsep + os.environ["PATH"].replace(DEV_BIN + os.pathsep, ""),
               ANSIBLE_HOME=str(home / ".ansible"), ANSIBLE_COLLECTIONS_PATH=str(home / "collections"),
               ANSIBLE_LOCAL_TEMP=str(home / ".ansible" / "tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    return env


def shell(script, cwd, env, check=True):
    return run(["bash", "-euo", "pipefail", "-c", script], cwd=str(cwd), env=env, check=check)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("install")


@pytest.fixture(scope="module")
def tarballs(work):
    """This collection's tarball (scripts/build-collection.sh) and those of community.docker and its
    dependencies, built from the copies the ansible package installed in .venv (their MANIFEST.json
    gives the metadata)."""
    dist = work / "dist"
    ours = run([os.path.join(REPO, "scripts", "build-collection.sh"), str(dist)]).stdout.strip().splitlines()[-1]
    site = os.path.join(sysconfig.get_paths()["purelib"], "ansible_collections")
    made, wanted = {}, ["community.docker"]
    while wanted:  # community.docker and what it depends on, as `collection download` fetches them
        name = wanted.pop()
        source = os.path.join(site, *name.split("."))
        with open(os.path.join(source, "MANIFEST.json")) as handle:
            info = json.load(handle)["collection_info"]
        # Its FILES.json also lists files the ansible package leaves out: build it anew from what is there.
        tree = work / "collection-src" / name
        shutil.copytree(source, str(tree), ignore=shutil.ignore_patterns("__pycache__", "MANIFEST.json", "FILES.json"))
        galaxy = dict((k, v) for k, v in info.items() if v not in (None, "", []) and k != "license_file")
        (tree / "galaxy.yml").write_text(yaml.safe_dump(galaxy))
        made[name] = run([os.path.join(DEV_BIN, "ansible-galaxy"), "collection", "build", str(tree),
                          "--output-path", str(dist)]).stdout.strip().split()[-1]
        wanted += [dep for dep in info.get("dependencies") or {} if dep not in made]
    return dict(made, ours=ours)


@pytest.fixture(scope="module")
def connect_dev(work):
    """connect-dev built as wheel and sdist, installed from the wheel into a venv of its own, serving
    a vault with one freshly made secret."""
    dist = work / "connect-dev-dist"
    run([sys.executable, "-m", "build", "--outdir", str(dist), os.path.join(REPO, "devserver")])
    wheels = glob.glob(str(dist / "connect_dev-*-py3-none-any.whl"))
    assert len(wheels) == 1 and len(glob.glob(str(dist / "connect_dev-*.tar.gz"))) == 1, os.listdir(str(dist))
    venv = make_venv(work / "connect-dev-venv", wheels[0])
    exe = str(venv / "bin" / "connect-dev")
    data = str(work / "op-data")
    secret = "install-" + secrets.token_hex(12)
    seed = work / "seed.json"
    seed.write_text(json.dumps({"vaults": [{"name": "Install", "items": [{"title": "db", "category": "DATABASE",
                    "fields": [{"id": "password", "type": "CONCEALED", "label": "password", "value": secret}]}]}]}))
    run([exe, "init", "--data", data])
    run([exe, "seed", "--data", data, str(seed)])
    token = run([exe, "token", "--data", data, "--vault", "Install:r"]).stdout.strip().splitlines()[-1]
    port_file = work / "port"
    server = subprocess.Popen([exe, "serve", "--data", data, "--host", "127.0.0.1", "--port", "0",
                               "--port-file", str(port_file), "--log-file", str(work / "server.log")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = None
        for dummy in range(200):
            if port_file.exists() and port_file.read_text().strip():
                url = "http://127.0.0.1:%s" % port_file.read_text().strip()
                try:
                    urllib.request.urlopen(url + "/heartbeat", timeout=2).read()
                    break
                except OSError:
                    pass
            assert server.poll() is None, "connect-dev (from its wheel) exited"
            time.sleep(0.1)
        else:
            pytest.fail("connect-dev from its wheel did not answer")
        yield {"url": url, "token": token, "secret": secret, "exe": exe, "dist": dist}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def user_venv(work):
    """A user's controller: a fresh venv with ansible-core only (requirements/release/user.txt)."""
    return make_venv(work / "user-venv", "-r", os.path.join(REPO, "requirements", "release", "user.txt"))


PLAYBOOK = """
- name: Read a secret with the lookup and with a module
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The lookup, on the controller
      ansible.builtin.set_fact:
        from_lookup: "{{ lookup('secretops.onepassword.secret', 'op://Install/db/password') }}"
      when: "'lookup' in parts"
    - name: The module, on the target
      secretops.onepassword.field_info:
        vault: Install
        item: db
        field: password
      register: from_module
      when: "'module' in parts"
    - name: Keep what was read
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'lookup': from_lookup | default(''), 'module': from_module.field.value | default('')} | to_json }}"
        mode: "0600"
"""


def read_secret(venv, home, connect_dev, parts=("lookup", "module"), check=True):
    """Run PLAYBOOK with the user's ansible-playbook; the target's Python is the venv's own."""
    playbook = home / "read.yml"
    playbook.write_text(PLAYBOOK)
    out = home / "read.json"
    if out.exists():
        out.unlink()
    inventory = home / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                         % (venv / "bin" / "python"))
    env = user_env(venv, home)
    env.update(OP_CONNECT_HOST=connect_dev["url"], OP_CONNECT_TOKEN=connect_dev["token"])
    result = run([str(venv / "bin" / "ansible-playbook"), "-i", str(inventory), str(playbook),
                  "-e", json.dumps({"out": str(out), "parts": list(parts)})], env=env, cwd=str(home), check=check)
    assert connect_dev["token"] not in result.stdout + result.stderr
    return result, (json.loads(out.read_text()) if out.exists() else None)


def ensure_requests(venv):
    """requests in the user's venv (the air-gapped test installs it; other tests may run alone)."""
    if run([str(venv / "bin" / "python"), "-c", "import requests"], check=False).returncode != 0:
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "requests"])


def installed(venv, home):
    listed = run([str(venv / "bin" / "ansible-galaxy"), "collection", "list", "--format", "json"],
                 env=user_env(venv, home)).stdout
    found = {}
    for collections in json.loads(listed).values():
        found.update(collections)
    return {name: info["version"] for name, info in found.items()}


def test_connect_dev_wheel_reports_its_version(connect_dev):
    out = run([connect_dev["exe"], "--version"]).stdout
    version = re.search(r'__version__ = "([^"]+)"',
                        open(os.path.join(REPO, "devserver", "connect_dev", "__init__.py")).read()).group(1)
    assert out.startswith("connect-dev %s " % version), out


def test_air_gapped_install_reads_a_secret(tarballs, connect_dev, user_venv, work):
    """docs/install.md's air-gapped block, line by line, in the directory the download left;
    between its two lines requests is still missing: lookup and module say so clearly."""
    offline = work / "onepassword-offline"
    offline.mkdir()
    for tarball in tarballs.values():
        shutil.copy(tarball, str(offline))
    # The connected machine's pip download (docs/install.md), with this machine's package index.
    run([str(user_venv / "bin" / "python"), "-m", "pip", "download", "--quiet", "requests", "-d",
         str(offline / "wheels")])
    home = work / "user-air-gapped"
    home.mkdir()
    env = user_env(user_venv, home)
    install_collections, install_requests = [line for line in doc_block("air-gapped").splitlines() if line.strip()]

    shell(install_collections, offline, env)
    versions = installed(user_venv, home)
    assert versions.get("secretops.onepassword") and versions.get("community.docker"), versions

    python = str(user_venv / "bin" / "python")
    for part, message in (("lookup", re.escape(MISSING_REQUESTS)), ("module", MISSING_REQUESTS_ON_TARGET % re.escape(python))):
        result, dummy = read_secret(user_venv, home, connect_dev, parts=(part,), check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and re.search(message, output), (part, output[-2000:])
        assert "Traceback" not in output, output[-2000:]

    shell(install_requests, offline, env)
    dummy, values = read_secret(user_venv, home, connect_dev)
    assert values == {"lookup": connect_dev["secret"], "module": connect_dev["secret"]}


def test_offline_install_without_the_docker_tarball_needs_no_deps(tarballs, connect_dev, user_venv, work):
    offline = work / "only-ours"
    offline.mkdir()
    shutil.copy(tarballs["ours"], str(offline))
    home = work / "user-no-deps"
    home.mkdir()
    env = user_env(user_venv, home)
    refused = shell("ansible-galaxy collection install --offline secretops-onepassword-*.tar.gz", offline, env,
                    check=False)
    assert refused.returncode != 0 and "community.docker" in refused.stdout + refused.stderr, refused

    shell(doc_block("no-deps"), offline, env)
    versions = installed(user_venv, home)
    assert "secretops.onepassword" in versions and "community.docker" not in versions, versions
    # lookups and modules need nothing else
    ensure_requests(user_venv)
    dummy, values = read_secret(user_venv, home, connect_dev)
    assert values == {"lookup": connect_dev["secret"], "module": connect_dev["secret"]}


def test_requirements_yml_version_range(tarballs, user_venv, work):
    """Galaxy is out of reach here: the documented requirements.yml, with the tarball as its source."""
    documented = yaml.safe_load(doc_block("requirements.yml"))
    entry = documented["collections"][0]
    assert entry["name"] == "secretops.onepassword" and entry["version"].startswith(">=")
    home = work / "user-requirements"
    home.mkdir()
    env = user_env(user_venv, home)

    def install(version):
        requirements = home / "requirements.yml"
        requirements.write_text(yaml.safe_dump({"collections": [
            {"name": tarballs["ours"], "type": "file", "version": version}]}))
        return run([str(user_venv / "bin" / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                    "-r", str(requirements)], env=env, cwd=str(home), check=False)

    refused = install(">=99.0.0")
    assert refused.returncode != 0 and "does not satisfy" in refused.stdout + refused.stderr, refused
    accepted = install(entry["version"])
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "secretops.onepassword" in installed(user_venv, home)


def test_execution_environment_context_holds_requests(tarballs, work):
    """ansible-builder create with the documented definition, then the context's own introspection
    (what the image build runs after installing the collections) on the installed collection."""
    builder = run([os.path.join(REPO, "scripts", "release-venv.sh"), "ansible-builder", "python3",
                   os.path.join(REPO, "requirements", "release", "ansible-builder.txt")]).stdout.strip()
    ee = work / "ee"
    ee.mkdir()
    (ee / "execution-environment.yml").write_text(doc_block("execution-environment.yml"))
    run([os.path.join(builder, "bin", "ansible-builder"), "create", "-f", "execution-environment.yml",
         "-c", "context"], cwd=str(ee))
    context = ee / "context" / "_build"
    galaxy = yaml.safe_load((context / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["secretops.onepassword"], galaxy

    collections = ee / "collections"
    env = dict(os.environ, ANSIBLE_HOME=str(ee / ".ansible"))
    run([os.path.join(DEV_BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p",
         str(collections), tarballs["ours"]], env=env)
    pip_out = ee / "requirements.txt"
    result = run([os.path.join(builder, "bin", "python"), str(context / "scripts" / "introspect.py"), "introspect",
                  str(collections), "--write-pip", str(pip_out)])
    lines = [line.strip() for line in pip_out.read_text().splitlines() if line.strip()]
    assert any(re.match(r"requests\b.*# from collection secretops\.onepassword", line) for line in lines), \
        (lines, result.stdout)


def test_devserver_md_ci_script_runs_a_playbook_test(tarballs, connect_dev, user_venv, work):
    """docs/devserver.md's CI files as written: tests/run.sh starts connect-dev (from its wheel),
    seeds tests/seed.yml, issues a token and runs tests/playbook.yml."""
    project = work / "user-project"
    (project / "tests").mkdir(parents=True)
    for name, target in (("ci-seed", "seed.yml"), ("ci-playbook", "playbook.yml"), ("ci-script", "run.sh")):
        (project / "tests" / target).write_text(doc_block(name, DEVSERVER_MD))
    home = work / "user-ci"
    home.mkdir()
    env = user_env(user_venv, home)
    env["PATH"] = os.path.dirname(connect_dev["exe"]) + os.pathsep + env["PATH"]
    ensure_requests(user_venv)
    run([str(user_venv / "bin" / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
         tarballs["ours"]], env=env)
    result = shell("bash tests/run.sh", project, env)
    assert "ok=2" in result.stdout and "failed=0" in result.stdout, result.stdout
    # the playbook really reads the seeded value: a seed without it fails the run
    seed = project / "tests" / "seed.yml"
    seed.write_text(seed.read_text().replace("title: db", "title: other"))
    assert shell("bash tests/run.sh", project, env, check=False).returncode != 0
