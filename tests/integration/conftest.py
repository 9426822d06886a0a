# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared harness of the integration tests.

Fixtures:
- ``devserver`` (session): a running ``connect-dev serve`` on 127.0.0.1 with a
  temporary data dir; ``.url``, ``.data_dir``, ``.log_path``, ``.seed(yaml)``,
  ``.token(vaults={"Name": "r"|"w"|"rw"}, expires=None)``,
  ``.api(method, path, token=..., json=None) -> (status, headers, body)``,
  ``.request_count()``.
- ``devserver_factory`` (session): ``start(tls_cert=None, tls_key=None)`` for
  extra servers (TLS tests); each is stopped at the end of the session.
- ``tls_material`` (session): a throw-away CA and a server certificate for
  127.0.0.1/localhost signed by it, plus a self-signed one (paths).
- ``run_playbook``: runs the real ``ansible-playbook`` with this checkout as
  the collection secretops.onepassword, OP_CONNECT_HOST/OP_CONNECT_TOKEN set
  to the dev server and a token for every seeded vault (unless ``env``
  overrides them; a value of None in ``env`` removes that variable);
  returns ``.rc``, ``.stdout``, ``.stderr``, ``.recap``, ``.output``.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
START_TIMEOUT = 30


def _importable_collection():
    """build/collections/ansible_collections/secretops/onepassword -> checkout, on sys.path,
    so tests can import the collection's module_utils by their full name."""
    root = os.path.join(REPO, "build", "collections")
    link = os.path.join(root, "ansible_collections", "secretops", "onepassword")
    if os.path.realpath(link) != os.path.realpath(REPO):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        temporary = "%s.%d" % (link, os.getpid())
        os.symlink(REPO, temporary)
        os.replace(temporary, link)
    if root not in sys.path:
        sys.path.insert(0, root)


_importable_collection()


# make test-cores points this at another ansible-core's venv: its ansible-* tools run the plays.
ANSIBLE_BIN = os.environ.get("SECRETOPS_ANSIBLE_BIN")


def _tool(name):
    """Path of a console script of the venv running the tests (falls back to PATH)."""
    if ANSIBLE_BIN and name.startswith("ansible"):
        return os.path.join(ANSIBLE_BIN, name)
    candidate = os.path.join(VENV_BIN, name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if not found:
        pytest.fail("%s is not installed: run 'make setup' first" % name, pytrace=False)
    return found


def free_port():
    """A port nothing listens on (for "unreachable" tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DevServer(object):
    """One connect-dev process and its data dir."""

    def __init__(self, base_dir, tls_cert=None, tls_key=None, extra_args=()):
        self.binary = _tool("connect-dev")
        self.base_dir = base_dir
        self.data_dir = os.path.join(base_dir, "data")
        self.log_path = os.path.join(base_dir, "server.log")
        self.out_path = os.path.join(base_dir, "server.out")
        self.tls = bool(tls_cert)
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.extra_args = list(extra_args)
        self.port = None
        self.url = None
        self.process = None
        self.vaults = set()
        self._tokens = {}
        os.makedirs(base_dir, exist_ok=True)
        self._cli("init", "--data", self.data_dir)

    # -- process ------------------------------------------------------
    def start(self):
        port_file = os.path.join(self.base_dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        args = [self.binary, "serve", "--data", self.data_dir, "--host", "127.0.0.1", "--port", "0",
                "--port-file", port_file, "--log-file", self.log_path]
        if self.tls:
            args += ["--tls-cert", self.tls_cert, "--tls-key", self.tls_key]
        args += self.extra_args
        with open(self.out_path, "ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.time() + START_TIMEOUT
            while not (os.path.exists(port_file) and open(port_file).read().strip()):
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("no port announced in %s" % port_file)
                time.sleep(0.05)
            self.port = int(open(port_file).read().strip())
            self.url = "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)
            self._wait_ready()
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError("connect-dev did not start: %s\n%s\n%s" % (exc, self.log_tail(), self.out_tail()))
        return self

    def _wait_ready(self):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("connect-dev exited with %s" % self.process.returncode)
            try:
                status, _headers, _body = self.api("GET", "/heartbeat", token=None)
                if status == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError("no answer on %s/heartbeat within %ss" % (self.url, START_TIMEOUT))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def log_tail(self, lines=40, path=None):
        try:
            with open(path or self.log_path, "r", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def out_tail(self, lines=40):
        return self.log_tail(lines, self.out_path)

    def read_log(self):
        with open(self.log_path, "r", errors="replace") as handle:
            return handle.read()

    # -- CLI ----------------------------------------------------------
    def _cli(self, *args):
        result = subprocess.run([self.binary] + list(args), capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError("connect-dev %s failed (%d): %s%s" % (
                args[0], result.returncode, result.stdout, result.stderr))
        return result.stdout

    def seed(self, path):
        """Load a seed YAML file (vaults and items) into the server's data."""
        with open(path) as handle:
            document = yaml.safe_load(handle) or {}
        self._cli("seed", "--data", self.data_dir, str(path))
        for vault in document.get("vaults") or []:
            if vault.get("name"):
                self.vaults.add(vault["name"])
        self._tokens.pop("__all__", None)

    def token(self, vaults, expires=None):
        """A new token for the given vaults ({"Name": "r"|"w"|"rw"})."""
        args = ["token", "--data", self.data_dir]
        for name, mode in vaults.items():
            args += ["--vault", "%s:%s" % (name, mode)]
        if expires is not None:
            args.append("--expires=%s" % expires)
        return self._cli(*args).strip().splitlines()[-1].strip()

    def default_token(self):
        """A read-write token for every vault seeded so far (cached until the next seed)."""
        if "__all__" not in self._tokens:
            if not self.vaults:
                raise RuntimeError("no vault seeded yet: call devserver.seed(...) before asking for a token")
            self._tokens["__all__"] = self.token(dict((name, "rw") for name in sorted(self.vaults)))
        return self._tokens["__all__"]

    # -- HTTP ---------------------------------------------------------
    def _ssl_context(self):
        if not self.tls:
            return None
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def api(self, method, path, token=None, json=None):
        """Raw HTTP to the server: (status, headers dict, body: parsed JSON, text, or bytes)."""
        data = None
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if json is not None:
            data = _json_dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=30, context=self._ssl_context())
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            raw = response.read()
            status = response.status if hasattr(response, "status") else response.code
            response_headers = dict(response.headers.items())
        content_type = response_headers.get("Content-Type", "")
        body = raw
        if "json" in content_type and raw:
            body = _json_loads(raw.decode("utf-8"))
        elif content_type.startswith("text/"):
            body = raw.decode("utf-8", "replace")
        return status, response_headers, body

    def request_count(self):
        """Total HTTP requests answered so far (the /metrics counter)."""
        status, _headers, body = self.api("GET", "/metrics")
        if status != 200:
            raise RuntimeError("/metrics answered %s" % status)
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        total = 0.0
        for line in body.splitlines():
            if line.startswith("connect_dev_http_requests_total"):
                total += float(line.rsplit(None, 1)[-1])
        return int(total)


def _json_dumps(value):
    return json.dumps(value)


def _json_loads(text):
    return json.loads(text)


@pytest.fixture(scope="session")
def devserver_factory(tmp_path_factory):
    started = []

    def start(tls_cert=None, tls_key=None, extra_args=()):
        server = DevServer(str(tmp_path_factory.mktemp("connect-dev")), tls_cert=tls_cert, tls_key=tls_key,
                           extra_args=extra_args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def devserver(devserver_factory):
    return devserver_factory()


# -- TLS material ------------------------------------------------------
def _write_cert(path, cert):
    from cryptography.hazmat.primitives import serialization

    with open(path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path, key):
    from cryptography.hazmat.primitives import serialization

    with open(path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    os.chmod(path, 0o600)


def make_certificate(common_name, sans, issuer_cert=None, issuer_key=None, ca=False):
    """(certificate, key): signed by issuer, or self-signed when no issuer."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        names = []
        for san in sans:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                names.append(x509.DNSName(san))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    cert = builder.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())
    return cert, key


class TLSMaterial(object):
    """Paths of: ca (bundle), server cert/key (127.0.0.1, localhost), wrong-name cert/key, self-signed cert/key."""

    def __init__(self, directory):
        ca_cert, ca_key = make_certificate("secretops test CA", [], ca=True)
        self.ca = os.path.join(directory, "ca.pem")
        _write_cert(self.ca, ca_cert)
        pairs = {
            "server": ("127.0.0.1", ["127.0.0.1", "localhost"], ca_cert, ca_key),
            "wrong_name": ("connect.invalid", ["connect.invalid"], ca_cert, ca_key),
            "self_signed": ("127.0.0.1", ["127.0.0.1", "localhost"], None, None),
        }
        for name, (common_name, sans, issuer, issuer_key) in pairs.items():
            cert, key = make_certificate(common_name, sans, issuer, issuer_key)
            cert_path = os.path.join(directory, name + ".crt")
            key_path = os.path.join(directory, name + ".key")
            _write_cert(cert_path, cert)
            _write_key(key_path, key)
            setattr(self, name + "_cert", cert_path)
            setattr(self, name + "_key", key_path)


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    pytest.importorskip("cryptography")
    return TLSMaterial(str(tmp_path_factory.mktemp("tls")))


# -- ansible-playbook --------------------------------------------------
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s*:\s*(?P<counts>(?:\w+=\d+\s*)+)$")


def parse_recap(stdout):
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from PLAY RECAP."""
    recap = {}
    in_recap = False
    for line in stdout.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if not in_recap:
            continue
        match = _RECAP_LINE.match(line.strip())
        if match:
            counts = dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", match.group("counts")))
            recap[match.group("host")] = counts
    return recap


class PlaybookResult(object):
    def __init__(self, command, rc, stdout, stderr):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.recap = parse_recap(stdout)

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr

    def __repr__(self):
        return "PlaybookResult(rc=%r, recap=%r)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc, self.recap, self.stdout[-6000:], self.stderr[-3000:])


@pytest.fixture(scope="session")
def collections_root(tmp_path_factory):
    """A tree where ansible_collections/secretops/onepassword is this checkout."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "secretops"
    namespace.mkdir(parents=True)
    os.symlink(REPO, str(namespace / "onepassword"))
    return str(root)


@pytest.fixture(scope="session")
def run_playbook(devserver, collections_root, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("playbook-run"))
    default_inventory = os.path.join(workdir, "inventory.ini")
    with open(default_inventory, "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)

    def run(playbook_path, extra_vars=None, env=None, check=False, diff=False, verbosity=0, inventory=None,
            limit=None, timeout=600):
        command = [_tool("ansible-playbook"), str(playbook_path), "-i", str(inventory or default_inventory)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * int(verbosity))
        if limit:
            command += ["--limit", str(limit)]
        environment = dict((k, v) for k, v in os.environ.items() if not k.startswith("OP_CONNECT_"))
        environment.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_root,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "tmp"),
            "ANSIBLE_HOME": os.path.join(workdir, "ansible-home"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
            "OP_CONNECT_HOST": devserver.url,
        })
        overrides = dict(env or {})
        if "OP_CONNECT_TOKEN" not in overrides and devserver.vaults:
            environment["OP_CONNECT_TOKEN"] = devserver.default_token()
        for key, value in overrides.items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = str(value)
        completed = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=workdir,
                                   timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        return PlaybookResult(command, completed.returncode, completed.stdout, completed.stderr)

    return run
