"""The connect-dev command line, run as real processes: init, seed, token, serve
(environment like the real containers, TLS, sync role, persistence, refusal to
start without credentials)."""

from __future__ import annotations

import base64
import contextlib
import datetime
import io
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

CMD = [sys.executable, "-m", "connect_dev.cli"]
DEVSERVER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SEED_YAML = """
vaults:
  - name: Team
    description: team vault
    items:
      - title: Service
        category: LOGIN
        tags: [svc]
        fields:
          - {purpose: USERNAME, value: svc}
          - {purpose: PASSWORD, value: "pw-1"}
        files:
          - {name: readme.txt, content: "hello"}
  - name: "Odd: name"
"""


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args, env=None, check=True, process=False):
    """Run the CLI in-process (fast) or, with process=True, as the installed
    console script in a child process."""
    if process:
        script = os.path.join(os.path.dirname(sys.executable), "connect-dev")
        command = [script] if os.path.exists(script) else CMD
        full_env = dict(os.environ, PYTHONPATH=DEVSERVER)
        full_env.update(env or {})
        done = subprocess.run(command + list(args), capture_output=True, text=True, env=full_env, timeout=60, check=False)
        result = Result(done.returncode, done.stdout, done.stderr)
    else:
        from connect_dev import cli

        out, err = io.StringIO(), io.StringIO()
        saved = dict(os.environ)
        os.environ.update(env or {})
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(list(args))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        result = Result(code, out.getvalue(), err.getvalue())
    if check and result.returncode != 0:
        raise AssertionError("connect-dev %s failed: %s %s" % (args, result.stdout, result.stderr))
    return result


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    def __init__(self, args, env=None, scheme="http", port=None):
        full_env = dict(os.environ, PYTHONPATH=DEVSERVER)
        full_env.update(env or {})
        self.port = port
        self.scheme = scheme
        self.log = open(os.devnull, "w")
        self.proc = subprocess.Popen(CMD + list(args), env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def wait_ready(self, verify=False):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited: %s" % self.proc.stdout.read())
            try:
                if requests.get(self.url + "/heartbeat", timeout=2, verify=verify).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("server did not answer")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.stdout.read()


@pytest.fixture()
def data(tmp_path):
    d = str(tmp_path / "data")
    run("init", "--data", d)
    seed = tmp_path / "seed.yml"
    seed.write_text(SEED_YAML)
    out = run("seed", "--data", d, str(seed)).stdout
    assert "seeded 2 vault(s), 1 item(s), 1 file(s)" in out
    return d


def test_init_creates_private_credentials_and_keeps_them(tmp_path):
    d = str(tmp_path / "new")
    path = run("init", "--data", d, process=True).stdout.strip()
    assert path == os.path.join(d, "1password-credentials.json")
    assert os.stat(path).st_mode & 0o777 == 0o600
    doc = json.load(open(path))
    assert {"verifier", "encCredentials", "version", "deviceUuid", "uniqueKey"} <= set(doc)
    assert os.stat(os.path.join(d, "1password.sqlite")).st_mode & 0o777 == 0o600
    assert os.stat(d).st_mode & 0o777 == 0o700
    before = open(path).read()
    r = run("init", "--data", d)
    assert "already exists" in r.stderr and open(path).read() == before
    run("init", "--data", d, "--force")
    assert open(path).read() != before


def test_seed_is_idempotent_by_title(data, tmp_path):
    seed = tmp_path / "seed.yml"
    run("seed", "--data", data, str(seed))
    from connect_dev.store import Store

    store = Store(data)
    try:
        team = store.find_vaults("Team")
        assert len(team) == 1 and len(store.list_vaults()) == 2
        items = store.list_items(team[0]["id"])
        assert [i["title"] for i in items] == ["Service"] and items[0]["version"] == 2
        assert len(store.list_files(items[0]["id"])) == 1
    finally:
        store.close()


@pytest.mark.parametrize("content,fragment", [
    ("vaults: {}", "'vaults' list"),
    ("vaults: [{description: x}]", "vaults[0]: each vault needs a name"),
    ("vaults: [{name: V, items: [{title: t, category: NOPE}]}]", "vaults[0].items[0] (t): Invalid item category"),
    ("vaults: [{name: V, items: [{title: t, category: LOGIN, files: [{content: x}]}]}]", "each file needs a name"),
    ("vaults: [", "not valid YAML"),
    ("vaults: [{name: V, type: SHARED}]", "type must be one of USER_CREATED"),
])
def test_bad_seed_files(tmp_path, content, fragment):
    d = str(tmp_path / "d")
    run("init", "--data", d)
    f = tmp_path / "bad.yml"
    f.write_text(content)
    r = run("seed", "--data", d, str(f), check=False)
    assert r.returncode == 1 and fragment in r.stderr and "Traceback" not in r.stderr


def test_token_command_errors(data):
    for args, fragment in (
        (["--vault", "Nope:r"], "no vault named 'Nope'"),
        (["--vault", "Team"], "use NAME:r, NAME:w or NAME:rw"),
        (["--vault", "Team:x"], "use NAME:r, NAME:w or NAME:rw"),
        (["--vault", "Team:r", "--expires", "soon"], "invalid duration"),
        ([], "at least one vault"),
    ):
        r = run("token", "--data", data, *args, check=False)
        assert r.returncode == 1 and fragment in r.stderr, (args, r.stderr)
    token = run("token", "--data", data, "--vault", "Odd: name:r", "--expires", "1h30m").stdout.strip()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 5400 and len(claims["jti"]) == 26
    assert claims["aud"] == ["com.1password.connect"] and len(claims["1password.com/vts"]) == 1


def test_serve_refuses_without_credentials(tmp_path):
    r = run("serve", "--data", str(tmp_path / "none"), "--port", "0", check=False, process=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "refusing to start" in r.stderr and "1password-credentials.json" in r.stderr and "connect-dev init" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    r = run("serve", "--data", str(tmp_path / "none"), "--port", "0", "--credentials", str(bad), check=False)
    assert r.returncode == 1 and "not valid JSON" in r.stderr
    r = run("serve", "--data", str(tmp_path / "none"), "--port", "0", env={"OP_SESSION": "!!!notbase64"}, check=False)
    assert r.returncode == 1 and "OP_SESSION" in r.stderr


def test_serve_with_container_environment_and_persistence(data, tmp_path):
    token = run("token", "--data", data, "--vault", "Team:rw").stdout.strip()
    creds_b64 = base64.b64encode(open(os.path.join(data, "1password-credentials.json"), "rb").read()).decode()
    # The container layout: XDG_DATA_HOME/.op/data, credentials passed as base64 in OP_SESSION.
    xdg = tmp_path / "xdg"
    os.makedirs(xdg / ".op")
    os.rename(data, xdg / ".op" / "data")
    os.remove(xdg / ".op" / "data" / "1password-credentials.json")
    port = free_port()
    env = {"XDG_DATA_HOME": str(xdg), "OP_SESSION": creds_b64, "OP_HTTP_PORT": str(port), "OP_LOG_LEVEL": "info"}
    proc = Proc(["serve"], env=env, port=port).wait_ready()
    headers = {"Authorization": "Bearer " + token}
    try:
        vault = requests.get(proc.url + '/v1/vaults?filter=name eq "Team"', headers=headers, timeout=10).json()[0]
        items = requests.get(proc.url + "/v1/vaults/%s/items" % vault["id"], headers=headers, timeout=10).json()
        item = requests.patch(proc.url + "/v1/vaults/%s/items/%s" % (vault["id"], items[0]["id"]), headers=headers,
                              json=[{"op": "replace", "path": "/title", "value": "Persisted"}], timeout=10).json()
        assert item["title"] == "Persisted"
    finally:
        output = proc.stop()
    assert token not in output and token.split(".")[2] not in output
    assert "PATCH /v1/vaults/%s/items/%s completed (200)" % (vault["id"], items[0]["id"]) in output
    # restart: the change survived
    proc = Proc(["serve"], env=env, port=port).wait_ready()
    try:
        got = requests.get(proc.url + "/v1/vaults/%s/items/%s" % (vault["id"], items[0]["id"]), headers=headers, timeout=10)
        assert got.json()["title"] == "Persisted" and got.json()["version"] == 2
    finally:
        proc.stop()


def test_log_level_error_hides_access_lines(data):
    port = free_port()
    proc = Proc(["serve", "--data", data, "--port", str(port)], env={"OP_LOG_LEVEL": "error"}, port=port).wait_ready()
    requests.get(proc.url + "/health", timeout=5)
    out = proc.stop()
    assert "completed" not in out


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_tls_from_environment(data, tmp_path):
    cert, key = _self_signed(tmp_path)
    port = free_port()
    env = {"OP_TLS_CERT_FILE": cert, "OP_TLS_KEY_FILE": key, "OP_HTTPS_PORT": str(port)}
    proc = Proc(["serve", "--data", data], env=env, scheme="https", port=port).wait_ready(verify=cert)
    try:
        r = requests.get(proc.url + "/health", verify=cert, timeout=10)
        assert r.status_code == 200 and r.headers["1Password-Connect-Version"]
        with pytest.raises(requests.RequestException):
            requests.get("http://127.0.0.1:%d/heartbeat" % port, timeout=5)
    finally:
        proc.stop()
    r = run("serve", "--data", data, "--tls-cert", cert, check=False)
    assert r.returncode == 1 and "both a certificate and a key" in r.stderr


def test_sync_role_serves_health_only(data):
    api_port, sync_port = free_port(), free_port()
    api = Proc(["serve", "--data", data, "--port", str(api_port)], port=api_port).wait_ready()
    sync = Proc(["serve", "--data", data, "--port", str(sync_port), "--role", "sync"], port=sync_port).wait_ready()
    try:
        health = requests.get(sync.url + "/health", timeout=5).json()
        assert health["name"] == "1Password Connect Sync"
        assert {"service": "sqlite", "status": "ACTIVE", "message": "Connected to ./1password.sqlite"} in health["dependencies"]
        r = requests.get(sync.url + "/v1/vaults", timeout=5)
        assert r.status_code == 404 and r.json()["status"] == 404
        assert requests.get(sync.url + "/metrics", timeout=5).status_code == 200
        assert requests.get(api.url + "/health", timeout=5).json()["name"] == "1Password Connect API"
    finally:
        sync.stop()
        api.stop()


def test_duration_parsing():
    from connect_dev.util import parse_duration

    assert parse_duration("90") == 90 and parse_duration("15m") == 900 and parse_duration("1h30m") == 5400
    assert parse_duration("7d") == 604800 and parse_duration("-1s") == -1
    for bad in ("", "1x", "h1", "1h 30m"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_two_processes_sharing_a_data_dir_lose_no_update(data):
    import threading

    token = run("token", "--data", data, "--vault", "Team:rw").stdout.strip()
    ports = [free_port(), free_port()]
    procs = [Proc(["serve", "--data", data, "--port", str(p), "--log-level", "error"], port=p).wait_ready() for p in ports]
    headers = {"Authorization": "Bearer " + token}
    try:
        vault = requests.get(procs[0].url + "/v1/vaults", headers=headers, timeout=10).json()[0]["id"]
        item = requests.get(procs[0].url + "/v1/vaults/%s/items" % vault, headers=headers, timeout=10).json()[0]["id"]
        statuses = []

        def writer(n):
            session = requests.Session()
            for i in range(8):
                url = procs[(n + i) % 2].url + "/v1/vaults/%s/items/%s" % (vault, item)
                r = session.patch(url, json=[{"op": "add", "path": "/tags/-", "value": "p%d-%d" % (n, i)}],
                                  headers=headers, timeout=60)
                statuses.append(r.status_code)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        final = requests.get(procs[1].url + "/v1/vaults/%s/items/%s" % (vault, item), headers=headers, timeout=10).json()
    finally:
        for proc in procs:
            proc.stop()
    assert set(statuses) == {200}
    assert {"p%d-%d" % (n, i) for n in range(4) for i in range(8)} <= set(final["tags"])
    assert final["version"] == 1 + 32


def test_seed_keeps_duplicate_titles_and_reseeds_them_in_place(tmp_path):
    d = str(tmp_path / "d")
    run("init", "--data", d)
    f = tmp_path / "dup.yml"
    f.write_text("vaults: [{name: V, type: everyone, items: [{title: same, category: LOGIN, tags: [one]},"
                 " {title: same, category: LOGIN, tags: [two]}]}]")
    run("seed", "--data", d, str(f))
    run("seed", "--data", d, str(f))
    from connect_dev.store import Store

    store = Store(d)
    try:
        vault = store.find_vaults("V")[0]
        items = store.list_items(vault["id"])
        assert vault["type"] == "EVERYONE"
        assert [(i["title"], i["tags"], i["version"]) for i in items] == [("same", ["one"], 2), ("same", ["two"], 2)]
    finally:
        store.close()
