# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leak scan (runs last in the hardening session).

Runs representative lookup and module playbooks (the hardening ones and the
integration ones) at -vvvv, in check and diff mode too, with
ANSIBLE_LOG_PATH and the junit callback; then collects every output of the
whole session (each playbook run's stdout/stderr, the Ansible log, junit
files, the dev server's access log and output, every file left in the
session's temp dirs, Ansible's local and remote temp dirs, recent files in
/tmp, the role's molecule logs when present) and searches them for every
secret value and token the suites used, in plain text and base64: zero hits.

Not scanned, because they hold the secrets on purpose: the seed files given
to connect-dev and its data directory (the vault store itself).
"""

from __future__ import annotations

import base64
import json
import os
import time

from conftest import REPO, SECRETS, distinctive, harness

SESSION_START = time.time()
MAX_FILE = 20 * 1024 * 1024
ENCODERS = (base64.b64encode, base64.urlsafe_b64encode)


def needles(value):
    """The value's plain bytes and its base64 forms at each of the three alignments."""
    raw = value.encode("utf-8")
    forms = {raw}
    for encode in ENCODERS:
        for shift in range(3):
            encoded = encode(b"\0" * shift + raw).rstrip(b"=")
            # drop the characters that mix in the padding bytes or the unknown neighbours
            start = ((shift * 4) + 2) // 3 + (1 if shift else 0)
            middle = encoded[start:len(encoded) - 3]
            if len(middle) >= 16:
                forms.add(middle)
    return forms


def _mtime(path):
    try:
        return os.path.getmtime(path)
    except OSError:  # other processes' temp files come and go
        return 0


def collect(roots, exclude):
    """Every regular file under roots (no symlink is followed), minus the excluded trees."""
    files = []
    for root in roots:
        if not os.path.exists(root):
            continue
        if os.path.isfile(root):
            files.append(root)
            continue
        for directory, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(directory, d))
                       and os.path.join(directory, d) not in exclude]
            for name in names:
                path = os.path.join(directory, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    files.append(path)
    return sorted(set(files))


def scan(files, secrets):
    """[(path, secret label)] of every hit; the label never shows more than the value's kind."""
    patterns = dict((value, needles(value)) for value in secrets if len(value) >= 12)
    hits = []
    for path in files:
        try:
            if os.path.getsize(path) > MAX_FILE:
                continue
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        for value, forms in patterns.items():
            if any(form in data for form in forms):
                kind = value.split("-", 1)[0] + "-..." if value.startswith("hz") else "token (%d chars)" % len(value)
                hits.append((path, kind))
    return hits


def test_item_info_reveal_output_is_hidden(play, hz):
    """item_info with reveal: true and no no_log on the task hides its output (as the item module does)."""
    result = play("info_reveal.yml", verbosity=4)
    assert result.rc == 0, result
    assert hz.values["password"] not in result.output


def test_scanner_finds_planted_secrets(tmp_path):
    """The scan is not vacuous: a value, and its base64 inside a larger blob, are found."""
    planted = distinctive("plant")
    SECRETS.discard(planted)
    (tmp_path / "plain.txt").write_text("x" * 7 + planted + "y")
    for shift in range(3):
        blob = base64.b64encode(b"k" * shift + b"prefix:" + planted.encode() + b":suffix").decode()
        (tmp_path / ("b64-%d.txt" % shift)).write_text('{"data": "%s"}' % blob)
    (tmp_path / "clean.txt").write_text("nothing here")
    hits = scan(collect([str(tmp_path)], set()), {planted})
    assert sorted(os.path.basename(path) for path, _kind in hits) == ["b64-0.txt", "b64-1.txt", "b64-2.txt", "plain.txt"]


def _leak_env(leak_dir):
    return {
        "ANSIBLE_LOG_PATH": os.path.join(leak_dir, "ansible.log"),
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit",
        "JUNIT_OUTPUT_DIR": os.path.join(leak_dir, "junit"),
        "JUNIT_INCLUDE_SETUP_TASKS_IN_REPORT": "1",
        "ANSIBLE_REMOTE_TEMP": os.path.join(leak_dir, "remote-tmp"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(leak_dir, "local-tmp"),
    }


def _inventory(directory, name, variables):
    """An inventory for localhost carrying secret variables (an input: kept out of the scan)."""
    import sys

    path = os.path.join(directory, "inventory-%s.json" % name)
    host = dict(variables, ansible_connection="local", ansible_python_interpreter=sys.executable)
    with open(path, "w") as handle:
        json.dump({"all": {"hosts": {"localhost": host}}}, handle)
    return path


def test_no_secret_in_any_artefact(play, hz, devserver, tmp_path_factory, artefact_dir, seed_dir):
    leak_dir = str(tmp_path_factory.mktemp("leak-run"))
    env = _leak_env(leak_dir)
    rc = {}

    # lookups (every kind of read), the info modules and failing references, in one run
    errors_out = os.path.join(leak_dir, "lookup-errors.json")
    rc["reads"] = play("leak_reads.yml", extra_vars={"expect": hz.digests, "out": errors_out, "cases": [
        {"ref": "op://Hardening/app/passwrd"},
        {"ref": "op://Hardening/app/password?attribute=nope"},
        {"ref": "op://Hardening/no such item/password"},
        {"ref": "op://Hardening/app/password", "opts": {"token": "not-a-valid-token"}},
        {"ref": "op://Hardening/app/password", "opts": {"host": "http://127.0.0.1:%d" % harness.free_port()}}]},
        env=env, verbosity=4).rc
    with open(errors_out) as handle:
        assert len([m for m in json.load(handle) if m]) == 5, "each bad reference fails"

    # modules: create, check+diff update, real update with diff. The values
    # come from an inventory file (-vvvv prints the command line, extra vars included).
    title = "leak-%s" % distinctive("t")[-6:]
    first = {"user": distinctive("luser"), "pw": distinctive("lpass"), "api": distinctive("lapi")}
    second = {"user": distinctive("luser"), "pw": distinctive("lpass"), "api": distinctive("lapi")}
    first_inventory = _inventory(seed_dir, "first", first)
    second_inventory = _inventory(seed_dir, "second", second)
    rc["create"] = play("write.yml", extra_vars={"title": title}, inventory=first_inventory, env=env, verbosity=4,
                        diff=True).rc
    rc["update-check"] = play("write.yml", extra_vars={"title": title}, inventory=second_inventory, env=env,
                              verbosity=4, diff=True, check=True).rc
    rc["update"] = play("write.yml", extra_vars={"title": title}, inventory=second_inventory, env=env, verbosity=4,
                        diff=True).rc

    # generated values (the module makes them; read them back to search for them too)
    cases_result = os.path.join(leak_dir, "cases-result.json")
    rc["generate"] = play(os.path.join(REPO, "tests", "integration", "playbooks", "modules", "cases.yml"),
                          extra_vars={"result_file": cases_result, "op_cases": [
                              {"vault": "HardeningWrites", "title": title + "-gen", "category": "PASSWORD",
                               "fields": [{"label": "password", "generate": "always"}]},
                              {"vault": "HardeningWrites", "title": title + "-gen", "category": "PASSWORD",
                               "fields": [{"label": "password", "generate": "always"}]}]},
                          env=env, verbosity=4, diff=True).rc

    # generic_item (onepassword.connect style): connection and token as play variables
    codeword = distinctive("codeword")
    generic_result = os.path.join(leak_dir, "generic-result.json")
    rc["generic_item"] = play(os.path.join(REPO, "tests", "integration", "playbooks", "modules", "generic_item.yml"),
                              extra_vars={"connect_host": devserver.url, "vault_id": hz.writes_vault_id,
                                          "item_title": title + "-generic", "result_file": generic_result},
                              inventory=_inventory(seed_dir, "generic",
                                                   {"connect_token": hz.token, "codeword": codeword}),
                              env=env, verbosity=4, diff=True).rc
    # that playbook saves the item with its values for its own test: remove that on-purpose copy
    if os.path.exists(generic_result):
        os.unlink(generic_result)
    assert rc == dict((key, 0) for key in rc), rc

    # every value the module generated on the server joins the list
    generated = set()
    for summary in hz.items():
        if summary["title"].startswith(title):
            for field in hz.item(summary["id"]).get("fields") or []:
                if field.get("value") and len(field["value"]) >= 12:
                    generated.add(field["value"])
    assert len(generated) >= 2, "the generated values were found on the server"
    secrets = set(SECRETS) | generated

    base = str(tmp_path_factory.getbasetemp())
    exclude = {seed_dir}
    for name in os.listdir(base):
        data = os.path.join(base, name, "data")
        if name.startswith("connect-dev") and os.path.isdir(data):
            exclude.add(data)
    roots = [base, artefact_dir, leak_dir, devserver.log_path, devserver.out_path,
             os.path.join(REPO, "build", "molecule")]
    files = collect(roots, exclude)
    recent_tmp = [path for path in collect(["/tmp"], exclude | {base, "/tmp/pytest-of-root"})
                  if _mtime(path) >= SESSION_START]
    files = sorted(set(files) | set(recent_tmp))

    # the scan covered what it claims to
    names = set(os.path.relpath(p, leak_dir) for p in files if p.startswith(leak_dir))
    assert "ansible.log" in names and os.path.getsize(os.path.join(leak_dir, "ansible.log")) > 10000
    junit = [n for n in names if n.startswith("junit" + os.sep) and n.endswith(".xml")]
    assert len(junit) >= len(rc), junit
    assert devserver.log_path in files and os.path.getsize(devserver.log_path) > 0
    assert len([p for p in files if p.startswith(artefact_dir)]) >= len(rc)
    verbose = open(os.path.join(leak_dir, "ansible.log"), errors="replace").read()
    assert "<localhost> EXEC" in verbose or "ESTABLISH LOCAL CONNECTION" in verbose, "not a -vvvv log"

    hits = scan(files, secrets)
    assert hits == [], "secrets found in %d place(s): %s" % (len(hits), hits[:20])
    print("\nleak scan: %d files, %d secrets and tokens (plain and base64): 0 hits" % (len(files), len(secrets)))
