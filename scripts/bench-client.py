# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench-client: the Connect client's cost per GET against connect-dev.

Compares one kept-alive connection (the client's requests session) with a new
connection for every request (the server is asked to close after each
answer), over plain HTTP and over TLS (a throw-away self-signed certificate,
trusted through ca_path). Each GET reads one full item.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient  # noqa: E402
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import ConnectSettings  # noqa: E402

# Counts TCP connections the client opens (urllib3 reconnects a pooled
# connection object in place, so its pool counters do not show them).
CONNECTS = [0]


def _count_connects():
    import urllib3.connection

    original = urllib3.connection.HTTPConnection._new_conn

    def new_conn(self):
        CONNECTS[0] += 1
        return original(self)

    urllib3.connection.HTTPConnection._new_conn = new_conn


REQUESTS = int(os.environ.get("BENCH_CLIENT_REQUESTS", "300"))
WARMUP = 20
ROUNDS = 6
SEED = """
vaults:
  - name: Bench
    items:
      - title: Bench Login
        category: LOGIN
        fields:
          - {id: username, type: STRING, purpose: USERNAME, label: username, value: bench}
          - {id: password, type: CONCEALED, purpose: PASSWORD, label: password, value: bench-password}
"""


def connect_dev():
    found = os.path.join(os.path.dirname(sys.executable), "connect-dev")
    return found if os.path.exists(found) else shutil.which("connect-dev")


def self_signed(directory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "bench.crt")
    key_path = os.path.join(directory, "bench.key")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


class Server(object):
    def __init__(self, directory, tls=None):
        self.binary = connect_dev()
        self.data = os.path.join(directory, "data")
        self.tls = tls
        subprocess.run([self.binary, "init", "--data", self.data], check=True, capture_output=True)
        seed = os.path.join(directory, "seed.yml")
        with open(seed, "w") as handle:
            handle.write(SEED)
        subprocess.run([self.binary, "seed", "--data", self.data, seed], check=True, capture_output=True)
        port_file = os.path.join(directory, "port")
        args = [self.binary, "serve", "--data", self.data, "--host", "127.0.0.1", "--port", "0",
                "--port-file", port_file, "--log-file", os.path.join(directory, "server.log"), "--log-level", "error"]
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit("connect-dev did not start")
            time.sleep(0.05)
        self.url = "%s://127.0.0.1:%s" % ("https" if tls else "http", open(port_file).read().strip())
        self.token = subprocess.run([self.binary, "token", "--data", self.data, "--vault", "Bench:r"], check=True,
                                    capture_output=True, text=True).stdout.strip().splitlines()[-1]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Case(object):
    """One client (keep-alive or not) against one server, with its samples."""

    def __init__(self, transport, server, keep_alive):
        self.transport = transport
        self.label = "keep-alive" if keep_alive else "new connection"
        settings = ConnectSettings(server.url, server.token, ca_path=server.tls[0] if server.tls else None, retries=0)
        self.client = ConnectClient(settings)
        if not keep_alive:
            # The server closes the connection after each answer: every GET opens
            # a new TCP connection (and, over TLS, does a new handshake).
            self.client._session.headers["Connection"] = "close"
        before = CONNECTS[0]
        item = self.client.find_item("Bench", "Bench Login")
        self.ids = (item["vault"]["id"], item["id"])
        for dummy in range(WARMUP):
            self.client.get_item(*self.ids)
        self.opened = CONNECTS[0] - before
        self.samples = []

    def run(self, count):
        before = CONNECTS[0]
        for dummy in range(count):
            started = time.perf_counter()
            self.client.get_item(*self.ids)
            self.samples.append((time.perf_counter() - started) * 1000.0)
        self.opened += CONNECTS[0] - before


def main():
    if not connect_dev():
        raise SystemExit("connect-dev is not installed: run 'make setup'")
    _count_connects()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
        plain_dir = os.path.join(tmp, "http")
        tls_dir = os.path.join(tmp, "tls")
        os.makedirs(plain_dir)
        os.makedirs(tls_dir)
        servers = [("HTTP", Server(plain_dir)), ("TLS", Server(tls_dir, tls=self_signed(tls_dir)))]
        try:
            cases = [Case(transport, server, keep_alive) for transport, server in servers for keep_alive in (True, False)]
            # Interleaved rounds, so that a busy moment of the machine weighs on every case alike.
            per_round = max(1, REQUESTS // ROUNDS)
            for dummy in range(ROUNDS):
                for case in cases:
                    case.run(per_round)
            for case in cases:
                case.client.close()
                samples = case.samples
                rows.append((case.transport, case.label, case.opened, statistics.mean(samples),
                             statistics.median(samples), sorted(samples)[int(len(samples) * 0.95) - 1]))
        finally:
            for dummy, server in servers:
                server.stop()
    print()
    print("Connect client: cost per GET of one item against connect-dev (%d requests each in %d interleaved rounds,"
          " after %d warm-up)" % (REQUESTS, ROUNDS, WARMUP))
    print("(connections opened counts every TCP connection of the run, warm-up and name resolution included)")
    print()
    print("| transport | connection     | connections opened | mean ms | median ms | p95 ms | vs keep-alive |")
    print("|-----------|----------------|--------------------|---------|-----------|--------|---------------|")
    base = {}
    for transport, label, opened, mean, median, p95 in rows:
        if label == "keep-alive":
            base[transport] = mean
        print("| %-9s | %-14s | %18d | %7.2f | %9.2f | %6.2f | %12.1fx |" % (
            transport, label, opened, mean, median, p95, mean / base[transport]))
    print()


if __name__ == "__main__":
    main()
