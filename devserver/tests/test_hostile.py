"""Hostile and careless clients.

Each test makes one attack from the security review and asserts the bound
that protects everyone else: the memory of the server process, the latency of
a bystander request, the answer, or file modes. The memory and connection
tests run connect-dev as its own process (connect-dev serve), so
/proc/<pid>/status describes the server alone; VmHWM is the high-water mark of
its resident memory (VmRSS). Every loop is bounded in count and time, and
every connection is to 127.0.0.1.

The measured figures are printed; `pytest -s -k hostile` shows them.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import requests

from connect_dev import cli, credentials, tokens
from connect_dev.store import DB_NAME, Store

DEVSERVER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1024 * 1024
MAX_TAGS = 500  # the limits in docs/devserver.md
MAX_FIELDS = 1000


def _status_kib(pid: int, key: str) -> int:
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("%s not in /proc/%d/status" % (key, pid))


class ServerProcess:
    """connect-dev serve in a child process, on a fresh seeded data dir."""

    def __init__(self, env=None, nofile=None):
        self.tmp = tempfile.mkdtemp(prefix="connect-dev-hostile-")
        self.data = os.path.join(self.tmp, "data")
        assert cli.main(["init", "--data", self.data]) == 0
        store = Store(self.data)
        cli.seed(store, {"vaults": [
            {"name": "A", "items": [{"title": "a-item", "category": "LOGIN", "fields": [{"purpose": "PASSWORD", "value": "pa"}]}]},
            {"name": "B", "items": [{"title": "b-item", "category": "LOGIN"}]},
        ]})
        self.vaults = {v["name"]: v["id"] for v in store.list_vaults()}
        store.close()
        self.creds = credentials.locate(self.data)
        port_file = os.path.join(self.tmp, "port")
        full_env = dict(os.environ, PYTHONPATH=DEVSERVER, **(env or {}))

        def limit_files():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "connect_dev.cli", "serve", "--data", self.data, "--port", "0",
             "--port-file", port_file, "--log-file", os.path.join(self.tmp, "server.log")],
            env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=limit_files)
        deadline = time.monotonic() + 30
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            assert self.proc.poll() is None, "connect-dev serve exited"
            assert time.monotonic() < deadline, "connect-dev serve did not start"
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def token(self, **modes) -> str:
        return tokens.issue(self.creds, {self.vaults[name]: mode for name, mode in modes.items()})

    def reset_peak(self) -> int:
        """Reset the high-water mark (VmHWM) to the current RSS; return it."""
        with open("/proc/%d/clear_refs" % self.proc.pid, "w", encoding="ascii") as handle:
            handle.write("5")
        return self.peak_kib()

    def peak_kib(self) -> int:
        return _status_kib(self.proc.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.proc.pid, "VmRSS")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def proc_server():
    running = ServerProcess()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def quick_server():
    """Short read deadlines, so that the tests of them take seconds."""
    running = ServerProcess(env={"CONNECT_DEV_IDLE_TIMEOUT": "1", "CONNECT_DEV_HEADER_TIMEOUT": "1",
                                 "CONNECT_DEV_BODY_TIMEOUT": "1"})
    yield running
    running.stop()


def _connect(port: int, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def _read_response(sock: socket.socket):
    """(status, JSON body) of one response, or (None, None) when the server
    closed or reset the connection without one."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                return None, None
            data += piece
        head, rest = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, dummy, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            rest += piece
    except (ConnectionResetError, BrokenPipeError):
        return None, None
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(rest[:length]) if length else None


def _stream(sock: socket.socket, total: int) -> int:
    """Send total bytes of filler (or until the server stops reading); bytes sent."""
    piece = b"x" * MIB
    sent = 0
    try:
        while sent < total:
            sock.sendall(piece)
            sent += len(piece)
        sock.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def _request_head(method: str, path: str, token: str | None, extra: str) -> bytes:
    auth = "Authorization: Bearer %s\r\n" % token if token else ""
    return ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s%s\r\n"
            % (method, path, auth, extra)).encode("ascii")


def _timed_get(url: str, token: str, timeout: float = 15.0):
    start = time.monotonic()
    try:
        r = requests.get(url + "/v1/vaults", headers={"Authorization": "Bearer " + token}, timeout=timeout)
        status = r.status_code
    except requests.RequestException:
        status = None
    return status, time.monotonic() - start


# -- 1: unbounded memory before authentication ---------------------------------------------------

def test_chunk_size_minus_one_without_token_reads_nothing(proc_server):
    before = proc_server.reset_peak()
    with _connect(proc_server.port) as sock:
        sock.sendall(_request_head("POST", "/v1/vaults/%s/items" % proc_server.vaults["A"], None,
                                   "Transfer-Encoding: chunked\r\n") + b"-1\r\n")
        sent = _stream(sock, 64 * MIB)
        status, body = _read_response(sock)
    growth = (proc_server.peak_kib() - before) / 1024
    print("\n[hostile 1] chunk size -1, no token, %d MiB streamed: peak RSS growth %.1f MiB, answer %s"
          % (sent // MIB, growth, status))
    assert growth < 8, "the server buffered %.1f MiB of an unauthenticated body" % growth
    assert status in (401, None)
    assert status is None or body == {"status": 401, "message": body["message"]}


def test_large_body_without_token_is_not_read(proc_server):
    before = proc_server.reset_peak()
    with _connect(proc_server.port) as sock:
        sock.sendall(_request_head("POST", "/v1/vaults/%s/items" % proc_server.vaults["A"], None,
                                   "Content-Length: %d\r\n" % (16 * MIB)))
        sent = _stream(sock, 16 * MIB)
        status, _body = _read_response(sock)
    growth = (proc_server.peak_kib() - before) / 1024
    print("\n[hostile 1] Content-Length 16 MiB, no token, %d MiB streamed: peak RSS growth %.1f MiB, answer %s"
          % (sent // MIB, growth, status))
    assert growth < 8, "the server buffered %.1f MiB of an unauthenticated body" % growth
    assert status in (401, None)


def test_chunk_size_minus_one_with_token_is_400(proc_server):
    token = proc_server.token(A="rw")
    before = proc_server.reset_peak()
    with _connect(proc_server.port) as sock:
        sock.sendall(_request_head("POST", "/v1/vaults/%s/items" % proc_server.vaults["A"], token,
                                   "Transfer-Encoding: chunked\r\n") + b"-1\r\n")
        sent = _stream(sock, 64 * MIB)
        status, body = _read_response(sock)
    growth = (proc_server.peak_kib() - before) / 1024
    print("\n[hostile 1] chunk size -1 with a token, %d MiB streamed: peak RSS growth %.1f MiB, answer %s"
          % (sent // MIB, growth, status))
    assert growth < 8
    assert status == 400 and "chunk" in body["message"]


# -- 2: timeouts and the connection cap -----------------------------------------------------------

def test_half_sent_headers_are_answered_408(quick_server):
    with _connect(quick_server.port) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /v1/vaults HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the blank line never comes
        status, body = _read_response(sock)
        held = time.monotonic() - start
    print("\n[hostile 2] half-sent headers: answer %s after %.2fs (header timeout 1s)" % (status, held))
    assert status == 408 and "headers" in body["message"]
    assert held < 3


def test_half_sent_body_is_answered_408(quick_server):
    token = quick_server.token(A="rw")
    with _connect(quick_server.port) as sock:
        start = time.monotonic()
        sock.sendall(_request_head("POST", "/v1/vaults/%s/items" % quick_server.vaults["A"], token,
                                   "Content-Length: 100\r\n") + b'{"title":')
        status, body = _read_response(sock)
        held = time.monotonic() - start
    print("\n[hostile 2] half-sent body: answer %s after %.2fs (body timeout 1s)" % (status, held))
    assert status == 408 and "body" in body["message"]
    assert held < 3


def test_silent_connection_is_closed(quick_server):
    with _connect(quick_server.port) as sock:
        start = time.monotonic()
        try:
            closed = sock.recv(1) == b""
        except socket.timeout:
            closed = False
        held = time.monotonic() - start
    print("\n[hostile 2] silent connection: closed=%s after %.2fs (idle timeout 1s)" % (closed, held))
    assert closed and held < 3


def test_connection_flood_gets_503_and_bystander_is_answered():
    """80 half-open connections against a server limited to 64 open files."""
    server = ServerProcess(env={"CONNECT_DEV_HEADER_TIMEOUT": "2", "CONNECT_DEV_IDLE_TIMEOUT": "2"}, nofile=64)
    socks = []
    try:
        token = server.token(A="r")
        for dummy in range(80):
            try:
                sock = _connect(server.port, timeout=5)
                sock.sendall(b"GET /v1/vaults HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                socks.append(sock)
            except OSError:
                break
        during, during_s = _timed_get(server.url, token, timeout=10)
        refused = 0
        deadline = time.monotonic() + 3
        for sock in socks:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                status, body = _read_response(sock)
            except socket.timeout:
                continue
            if status == 503:
                assert "Too many connections" in body["message"]
                refused += 1
        time.sleep(2.5)  # the held ones pass their header deadline
        after, after_s = _timed_get(server.url, token, timeout=10)
        print("\n[hostile 2] 80 half-open connections, RLIMIT_NOFILE 64: %d answered 503; bystander %s in %.2fs "
              "during, %s in %.2fs after the header timeout" % (refused, during, during_s, after, after_s))
        assert during in (200, 503) and during_s < 2
        assert refused >= 60
        assert after == 200 and after_s < 2
    finally:
        for sock in socks:
            sock.close()
        server.stop()


# -- 3: work inside the write lock ----------------------------------------------------------------

def _stall(server: ServerProcess, method: str, path: str, payload) -> tuple:
    """Send a heavy write and, while it runs, a small POST by another token to
    another vault; (heavy answer, heavy seconds, bystander seconds)."""
    heavy_token = server.token(A="rw")
    other_token = server.token(B="rw")
    result = {}

    def heavy():
        start = time.monotonic()
        r = requests.request(method, server.url + path, json=payload,
                             headers={"Authorization": "Bearer " + heavy_token}, timeout=120)
        result["heavy"] = (r.status_code, r.json(), time.monotonic() - start)

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.5)  # the heavy request is read and holds the write lock by now
    start = time.monotonic()
    r = requests.post(server.url + "/v1/vaults/%s/items" % server.vaults["B"], json={"title": "by", "category": "LOGIN"},
                      headers={"Authorization": "Bearer " + other_token}, timeout=120)
    bystander = time.monotonic() - start
    assert r.status_code == 200
    thread.join(120)
    return result["heavy"] + (bystander,)


def _a_item(server):
    store = Store(server.data)
    try:
        return next(i for i in store.list_items(server.vaults["A"]) if i["title"] == "a-item")
    finally:
        store.close()


def test_put_with_40000_tags_does_not_stall_other_writers(proc_server):
    item = _a_item(proc_server)
    body = {"title": "a-item", "category": "LOGIN", "tags": ["tag-%05d" % i for i in range(40000)]}
    status, answer, heavy_s, bystander_s = _stall(
        proc_server, "PUT", "/v1/vaults/%s/items/%s" % (proc_server.vaults["A"], item["id"]), body)
    print("\n[hostile 3] PUT with 40,000 tags (%d KB): answer %d in %.2fs; bystander POST %.2fs"
          % (len(json.dumps(body)) // 1000, status, heavy_s, bystander_s))
    assert status == 400 and "at most %d" % MAX_TAGS in answer["message"]
    assert bystander_s < 1.0


def test_patch_adding_40000_tags_does_not_stall_other_writers(proc_server):
    item = _a_item(proc_server)
    ops = [{"op": "add", "path": "/tags", "value": ["tag-%05d" % i for i in range(40000)]}]
    status, answer, heavy_s, bystander_s = _stall(
        proc_server, "PATCH", "/v1/vaults/%s/items/%s" % (proc_server.vaults["A"], item["id"]), ops)
    print("\n[hostile 3] PATCH adding 40,000 tags: answer %d in %.2fs; bystander POST %.2fs"
          % (status, heavy_s, bystander_s))
    assert status == 400 and "at most %d" % MAX_TAGS in answer["message"]
    assert bystander_s < 1.0


def test_tags_at_the_limit_are_kept_once_each(server, client):
    vault = server.vault_id("Empty")
    tags = ["t%d" % (i % 250) for i in range(MAX_TAGS)]  # each twice
    r = client.post("/v1/vaults/%s/items" % vault, json={"title": "tagged", "category": "LOGIN", "tags": tags})
    assert r.status_code == 200 and r.body["tags"] == ["t%d" % i for i in range(250)]
    over = client.post("/v1/vaults/%s/items" % vault, json={"title": "x", "category": "LOGIN",
                                                            "fields": [{"label": "f"}] * (MAX_FIELDS + 1)})
    assert over.status_code == 400 and "at most %d" % MAX_FIELDS in over.body["message"]


# -- 4: init and the data directory ---------------------------------------------------------------

@pytest.fixture()
def scratch():
    tmp = tempfile.mkdtemp(prefix="connect-dev-init-")
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def _mode(path: str) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_init_refuses_a_directory_others_can_write(scratch, capsys):
    data = os.path.join(scratch, "op")
    os.mkdir(data)
    os.chmod(data, 0o777)
    db = os.path.join(data, DB_NAME)
    with open(db, "w"):
        pass
    os.chmod(db, 0o666)
    target = os.path.join(scratch, "stolen")
    with open(target, "w"):
        pass
    os.symlink(target, os.path.join(data, credentials.CREDENTIALS_NAME + ".tmp"))
    assert cli.main(["init", "--data", data]) == 1
    err = capsys.readouterr().err
    assert "others can write to it" in err and "Traceback" not in err
    assert os.path.getsize(target) == 0 and not os.path.exists(os.path.join(data, credentials.CREDENTIALS_NAME))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory to another user")
def test_init_refuses_a_directory_of_another_user(scratch, capsys):
    data = os.path.join(scratch, "op")
    os.mkdir(data, 0o700)
    os.chown(data, 65534, 65534)
    assert cli.main(["init", "--data", data]) == 1
    assert "belongs to uid 65534" in capsys.readouterr().err
    assert os.listdir(data) == []


def test_init_creates_private_files_without_following_symlinks(scratch):
    data = os.path.join(scratch, "op")
    os.mkdir(data, 0o700)
    target = os.path.join(scratch, "stolen")
    with open(target, "w"):
        pass
    os.symlink(target, os.path.join(data, credentials.CREDENTIALS_NAME + ".tmp"))
    assert cli.main(["init", "--data", data]) == 0
    assert os.path.getsize(target) == 0, "the signing key was written through a planted symlink"
    creds = os.path.join(data, credentials.CREDENTIALS_NAME)
    assert stat.S_ISREG(os.lstat(creds).st_mode) and _mode(creds) == 0o600
    assert _mode(os.path.join(data, DB_NAME)) == 0o600 and _mode(data) == 0o700
    assert cli.main(["init", "--data", data, "--force"]) == 0
    assert _mode(creds) == 0o600 and os.path.getsize(target) == 0


def test_init_makes_existing_data_files_private(scratch):
    data = os.path.join(scratch, "op")
    os.mkdir(data, 0o700)
    db = os.path.join(data, DB_NAME)
    with open(db, "w"):
        pass
    os.chmod(db, 0o666)
    assert cli.main(["init", "--data", data]) == 0
    assert _mode(db) == 0o600 and _mode(os.path.join(data, credentials.CREDENTIALS_NAME)) == 0o600


# -- 5: input that used to be answered 500 --------------------------------------------------------

def _nested(depth: int) -> str:
    """JSON text of a string inside depth arrays (built as text: encoding it
    would hit this process's own recursion limit)."""
    return "[" * depth + '"x"' + "]" * depth


FIVE_HUNDREDS = {
    "body nested 1000 deep": ("POST", None, ('{"title": %s, "category": "LOGIN"}' % _nested(1000)).encode()),
    "patch value nested 500 deep": ("PATCH", "item", ('[{"op": "add", "path": "/title", "value": %s}]'
                                                      % _nested(500)).encode()),
    "date of 5000 digits": ("POST", None, {"title": "d", "category": "LOGIN",
                                           "fields": [{"label": "d", "type": "DATE", "value": "9" * 5000}]}),
    "otp with an unclosed IPv6 host": ("POST", None, {"title": "o", "category": "LOGIN",
                                                      "fields": [{"label": "o", "type": "OTP", "value": "otpauth://[::1"}]}),
    "fields replaced by a string, then /fields/-": ("PATCH", "item", [
        {"op": "replace", "path": "/", "value": {"title": "p", "category": "LOGIN", "fields": "oops"}},
        {"op": "add", "path": "/fields/-", "value": {"label": "n"}}]),
    "fields replaced by an object, then /fields/-": ("PATCH", "item", [
        {"op": "replace", "path": "/", "value": {"title": "p", "category": "LOGIN", "fields": {"a": 1}}},
        {"op": "add", "path": "/fields/-", "value": {"label": "n"}}]),
    "fields replaced by null, then /fields/x": ("PATCH", "item", [
        {"op": "replace", "path": "/", "value": {"title": "p", "category": "LOGIN", "fields": None}},
        {"op": "replace", "path": "/fields/x/value", "value": "n"}]),
    "lone surrogate in a title": ("POST", None, b'{"title": "\\ud800", "category": "LOGIN"}'),
}


@pytest.mark.parametrize("case", sorted(FIVE_HUNDREDS))
def test_bad_input_is_400_not_500(server, client, case):
    method, target, payload = FIVE_HUNDREDS[case]
    vault = server.vault_id("Empty")
    path = "/v1/vaults/%s/items" % vault
    item = None
    if target == "item":
        item = client.post(path, json={"title": "victim", "category": "LOGIN"}).body
        path += "/" + item["id"]
    if isinstance(payload, bytes):
        r = client.request(method, path, data=payload, headers={"Content-Type": "application/json"})
    else:
        r = client.request(method, path, data=json.dumps(payload), headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.body
    if item is not None:
        assert client.get(path).body["version"] == 1
    assert client.get("/v1/vaults").status_code == 200


def test_deeply_nested_jwt_header_is_401(server):
    header = base64.urlsafe_b64encode(b"[" * 40000).rstrip(b"=").decode()
    r = requests.get(server.url + "/v1/vaults", headers={"Authorization": "Bearer %s.e30.%s" % (header, "A" * 86)},
                     timeout=30)
    assert r.status_code == 401 and r.json()["status"] == 401


@pytest.mark.parametrize("offset", ["9" * 30, "9" * 5000], ids=["30 digits", "5000 digits"])
def test_huge_activity_offset_is_400(client, offset):
    r = client.get("/v1/activity?offset=" + offset)
    assert r.status_code == 400 and "Invalid offset" in r.body["message"]


# -- 6: /v1/activity is scoped to the token ---------------------------------------------------------

def test_activity_shows_only_the_tokens_vaults_and_requests(server, validator):
    from conftest import Client

    dev, prod = server.vault_id("Dev"), server.vault_id("Prod")
    other_token = server.token(Prod="r")
    other_jti = json.loads(base64.urlsafe_b64decode(other_token.split(".")[1] + "=="))["jti"]
    other = Client(server.url, validator, other_token)
    other.get("/v1/vaults/%s/items/%s" % (prod, server.item_id("Prod", "Database")),
              headers={"User-Agent": "other-client/9.9"})
    mine = Client(server.url, validator, server.token(Dev="r"))
    mine.get("/v1/vaults/%s/items/%s" % (dev, server.item_id("Dev", "API key")))
    r = mine.get("/v1/activity?limit=1000")
    assert r.status_code == 200 and r.body
    text = json.dumps(r.body)
    assert prod not in text and other_jti not in text and "other-client/9.9" not in text
    assert all(record["resource"]["vault"]["id"] == dev for record in r.body if record["actor"]["jti"] == "")


# -- 7: seed is all or nothing --------------------------------------------------------------------

def test_seed_with_colliding_item_ids_is_one_clear_error(scratch, capsys):
    data = os.path.join(scratch, "op")
    assert cli.main(["init", "--data", data]) == 0
    seed_file = os.path.join(scratch, "seed.yml")
    same = "a" * 26
    with open(seed_file, "w", encoding="utf-8") as handle:
        handle.write("vaults:\n  - name: Fresh\n    items:\n"
                     "      - {id: %s, title: one, category: LOGIN}\n"
                     "      - {id: %s, title: two, category: LOGIN}\n" % (same, same))
    capsys.readouterr()
    assert cli.main(["seed", "--data", data, seed_file]) == 1
    err = capsys.readouterr().err
    assert "vaults[0].items[1] (two): id %s is already used" % same in err and "nothing was seeded" in err
    assert "Traceback" not in err
    store = Store(data)
    try:
        assert store.list_vaults() == []
    finally:
        store.close()


# -- 8: PUT and version (behaviour kept; see docs/devserver.md, Fidelity) ----------------------------

def test_put_ignores_a_stale_version_and_the_last_writer_wins(server, client):
    vault = server.vault_id("Empty")
    created = client.post("/v1/vaults/%s/items" % vault, json={"title": "v", "category": "LOGIN"}).body
    path = "/v1/vaults/%s/items/%s" % (vault, created["id"])
    first = client.put(path, json=dict(created, title="first"))
    stale = client.put(path, json=dict(created, title="second"))  # still carries version 1
    assert first.status_code == 200 and stale.status_code == 200
    assert client.get(path).body["title"] == "second" and stale.body["version"] == 3
