# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every example of the collection runs: the EXAMPLES block of each lookup and
module, and each ```yaml block of README.md and docs/*.md, extracted from the
files themselves (see docs_snippets.py), run with ansible-playbook against
connect-dev seeded with tests/docs/seed.yml.

What the harness adds around a snippet, and nothing else:
- a tasks-only snippet is wrapped into one play on localhost;
- the example server address https://connect.example.com:8443 becomes the dev
  server's URL; OP_CONNECT_HOST / OP_CONNECT_TOKEN are set as on a controller;
- a file a task writes (``dest: /abs/path``) goes below a temporary root instead
  of the machine's real /etc or /home; files a task reads (templates) come from
  tests/docs/files/;
- each group a play targets (``hosts: app``) gets one host with a local connection;
- the variables of tests/docs/vars.yml, a token (connect_token, vaulted_connect_token)
  and the Infrastructure vault's id (vault_id) are passed as extra vars.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

import docs_snippets

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = docs_snippets.REPO
SNIPPETS = docs_snippets.all_snippets()
EXAMPLE_HOST = re.compile(r"https://connect\.example\.com(?::8443)?")
ABSOLUTE_DEST = re.compile(r"^(?P<indent>\s*)dest:\s*(?P<path>/[^\s#]+)\s*$", re.M)
MAX_SYNTAX_ONLY = 3


def _by_kind(*kinds):
    return [pytest.param(s, id=s.id) for s in SNIPPETS if (s.marker or s.kind) in kinds]


@pytest.fixture(scope="module")
def seeded(devserver, tmp_path_factory):
    """The seed file with a freshly generated SSH key, loaded into the dev server."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with open(os.path.join(HERE, "seed.yml")) as handle:
        document = yaml.safe_load(handle)
    for vault in document["vaults"]:
        for item in vault.get("items") or []:
            for field in item.get("fields") or []:
                if field.get("value") == "@SSH_ED25519_PKCS8@":
                    field["value"] = pem
    path = str(tmp_path_factory.mktemp("docs-seed") / "seed.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(document, handle)
    devserver.seed(path)
    status, _headers, body = devserver.api("GET", "/v1/vaults", token=devserver.default_token())
    assert status == 200, body
    ids = dict((vault["name"], vault["id"]) for vault in body)
    with open(os.path.join(HERE, "vars.yml")) as handle:
        extra = yaml.safe_load(handle) or {}
    token = devserver.default_token()
    extra.update({"connect_token": token, "vaulted_connect_token": token, "vault_id": ids["Infrastructure"]})
    return {"path": path, "extra_vars": extra}


def _groups(plays):
    groups = set()
    for play in plays:
        hosts = play.get("hosts")
        if isinstance(hosts, str):
            for part in re.split(r"[,:]", hosts):
                part = part.strip().lstrip("!&")
                if part and part not in ("all", "localhost") and "{" not in part:
                    groups.add(part)
    return sorted(groups)


def _prepare(snippet, devserver, workdir):
    """(playbook path, inventory path) of a runnable snippet."""
    text = EXAMPLE_HOST.sub(devserver.url, snippet.text)
    root = os.path.join(workdir, "root")

    def relocate(match):
        path = os.path.join(root, match.group("path").lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return "%sdest: %s" % (match.group("indent"), path)

    text = ABSOLUTE_DEST.sub(relocate, text)
    data = yaml.safe_load(text)
    if snippet.kind == "tasks":
        plays = [{"name": "Example from %s" % snippet.id, "hosts": "localhost", "gather_facts": False, "tasks": data}]
    elif snippet.kind == "vars":
        tasks = [{"name": "Template %s" % name, "ansible.builtin.set_fact": {"docs_resolved": "{{ %s }}" % name}}
                 for name in data]
        tasks.append({"name": "A lookup under these variables",
                      "ansible.builtin.set_fact": {
                          "docs_lookup": "{{ lookup('secretops.onepassword.secret', 'op://Prod/db/password') }}"},
                      "no_log": True})
        plays = [{"name": "Variables from %s" % snippet.id, "hosts": "localhost", "gather_facts": False,
                  "vars": data, "tasks": tasks}]
    else:
        plays = data
    for name in os.listdir(os.path.join(HERE, "files")):
        shutil.copy(os.path.join(HERE, "files", name), os.path.join(workdir, name))
    playbook = os.path.join(workdir, "playbook.yml")
    with open(playbook, "w") as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)
    inventory = os.path.join(workdir, "inventory.ini")
    host_vars = "ansible_connection=local ansible_python_interpreter=%s" % sys.executable
    with open(inventory, "w") as handle:
        handle.write("localhost %s\n" % host_vars)
        for group in _groups(plays):
            handle.write("[%s]\n%s-1 %s\n" % (group, group, host_vars))
    return playbook, inventory


def test_every_yaml_block_is_valid_yaml():
    invalid = ["%s: %s" % (s.id, s.error) for s in SNIPPETS if s.error]
    assert not invalid, "\n".join(invalid)


def test_every_yaml_block_is_runnable_or_marked():
    unknown = [s.id for s in SNIPPETS if not s.error and (s.marker or s.kind) == "unknown"]
    assert not unknown, ("these yaml blocks are neither a playbook nor tasks and carry no docs-test marker: %s"
                         % unknown)
    assert len([s for s in SNIPPETS if s.source.startswith("plugins/")]) >= 7
    syntax_only = [s for s in SNIPPETS if s.marker == "syntax-only" and not s.source.startswith("roles/")]
    for snippet in syntax_only:
        assert snippet.reason, "%s: a syntax-only marker must say why the example cannot run" % snippet.id
    assert len(syntax_only) <= MAX_SYNTAX_ONLY, [s.id for s in syntax_only]


@pytest.mark.parametrize("snippet", _by_kind("playbook", "tasks", "vars"))
def test_example_runs_against_the_dev_server(snippet, devserver, seeded, run_playbook, tmp_path):
    devserver.seed(seeded["path"])          # every example starts from the seeded state
    playbook, inventory = _prepare(snippet, devserver, str(tmp_path))
    result = run_playbook(playbook, extra_vars=seeded["extra_vars"], inventory=inventory)
    if result.rc != 0 or not result.recap or any(c["failed"] or c["unreachable"] for c in result.recap.values()):
        pytest.fail("%s failed (rc %d):\n%s\n%s" % (snippet.id, result.rc, result.stdout[-5000:], result.stderr[-2000:]),
                    pytrace=False)
    assert devserver.default_token() not in result.output
    _check_written_files(str(tmp_path))


def _seed_files():
    with open(os.path.join(HERE, "seed.yml")) as handle:
        document = yaml.safe_load(handle)
    return dict((f["name"], f) for v in document["vaults"] for i in v.get("items") or [] for f in i.get("files") or [])


def _check_written_files(workdir):
    """Files the examples wrote hold what the seed holds: a binary attachment byte for
    byte, an SSH key converted to OpenSSH."""
    seeded = _seed_files()
    for directory, _dirs, names in os.walk(os.path.join(workdir, "root")):
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                content = handle.read()
            if name in seeded and "content_base64" in seeded[name]:
                assert content == base64.b64decode(seeded[name]["content_base64"]), name
            elif name.startswith("id_"):
                assert content.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"), name


@pytest.mark.parametrize("snippet", _by_kind("syntax-only"))
def test_marked_example_passes_the_syntax_check(snippet, collections_root, tmp_path):
    data = snippet.data
    if snippet.kind == "tasks":
        data = [{"hosts": "localhost", "gather_facts": False, "tasks": data}]
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(yaml.safe_dump(data, sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, ANSIBLE_HOME=str(tmp_path / "home"),
               ANSIBLE_NOCOLOR="1", PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "--syntax-check",
                             "-i", "localhost,", str(playbook)], capture_output=True, text=True, env=env,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("snippet", _by_kind("seed"))
def test_seed_example_is_accepted_by_connect_dev(snippet, devserver, tmp_path):
    path = tmp_path / "seed.yml"
    path.write_text(snippet.text)
    devserver.seed(str(path))
    names = [v["name"] for v in snippet.data["vaults"]]
    token = devserver.token(dict((name, "r") for name in names))
    status, _headers, body = devserver.api("GET", "/v1/vaults", token=token)
    assert status == 200 and sorted(v["name"] for v in body) == sorted(names)


@pytest.mark.parametrize("snippet", _by_kind("data"))
def test_data_example_parses(snippet):
    assert snippet.data is not None
