# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS through a real lookup run: a TLS-terminating proxy (faultproxy with an
SSL context) in front of connect-dev presents each kind of certificate, and
requires a client certificate where connect-dev cannot. One ansible-playbook
run covers every case (one loop iteration per case, each with its own
lookup options)."""

from __future__ import annotations

import datetime
import os
import ssl

import pytest

from conftest import assert_clean_message, fast_env, lookup_cases

cryptography = pytest.importorskip("cryptography")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402


def _name(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


class Authority(object):
    def __init__(self, directory, name):
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                     .sign(self.key, hashes.SHA256()))
        self.path = self._write(name.replace(" ", "-") + "-ca.pem", self.cert.public_bytes(serialization.Encoding.PEM))

    def _write(self, name, data):
        path = os.path.join(self.directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
        return path

    def issue(self, name, sans=("127.0.0.1",), client=False, expired=False):
        """(cert path, key path)."""
        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = (now - datetime.timedelta(days=10), now - datetime.timedelta(days=1)) if expired else (
            now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2))
        names = []
        for san in sans:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                names.append(x509.DNSName(san))
        builder = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(self.cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH if client
                                                         else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                                  critical=False))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        stem = name.replace(" ", "-")
        cert_path = self._write(stem + ".crt", cert.public_bytes(serialization.Encoding.PEM))
        key_path = self._write(stem + ".key", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("hardening-pki"))
    ca = Authority(directory, "hardening server CA")
    other = Authority(directory, "unrelated CA")
    clients = Authority(directory, "hardening client CA")
    return {
        "ca": ca,
        "server": ca.issue("server", sans=("127.0.0.1", "localhost")),
        "wrong_name": ca.issue("wrong-name", sans=("connect.invalid",)),
        "expired": ca.issue("expired", sans=("127.0.0.1", "localhost"), expired=True),
        "untrusted": other.issue("untrusted", sans=("127.0.0.1", "localhost")),
        "clients": clients,
        "client": clients.issue("ansible-controller", sans=(), client=True),
        "stranger": other.issue("stranger", sans=(), client=True),
    }


def tls_proxy(proxy_factory, pair, client_ca=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pair)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return proxy_factory(tls=context)


#: name -> (server certificate, require a client certificate, lookup options (paths by pki key), error texts
#: or None when the read must succeed)
CASES = {
    "private-ca-via-ca_path": ("server", False, {"ca_path": "ca"}, None),
    "private-ca-without-ca_path": ("server", False, {}, ["certificate verify failed", '"ca_path"']),
    "validate_certs-false": ("untrusted", False, {"validate_certs": False}, None),
    "ca_path-other-ca": ("untrusted", False, {"ca_path": "ca"}, ["certificate verify failed"]),
    "hostname-mismatch": ("wrong_name", False, {"ca_path": "ca"}, ["not valid for this host name"]),
    "expired-certificate": ("expired", False, {"ca_path": "ca"}, ["certificate has expired"]),
    "client-certificate": ("server", True, {"ca_path": "ca", "client_cert": "client.cert",
                                            "client_key": "client.key"}, None),
    "client-certificate-missing": ("server", True, {"ca_path": "ca"}, ["Cannot ", "Connect at https://127.0.0.1"]),
    "client-certificate-unknown-ca": ("server", True, {"ca_path": "ca", "client_cert": "stranger.cert",
                                                       "client_key": "stranger.key"},
                                      ["Cannot ", "Connect at https://127.0.0.1"]),
}


def _path(pki, key):
    if key == "ca":
        return pki["ca"].path
    name, part = key.split(".")
    return pki[name][0 if part == "cert" else 1]


@pytest.fixture(scope="module")
def tls_run(play, hz, proxy_factory_module, pki, tmp_path_factory):
    proxies, cases = {}, []
    for name, (server, client_ca, options, _expected) in sorted(CASES.items()):
        proxy = tls_proxy(proxy_factory_module, pki[server], pki["clients"].path if client_ca else None)
        proxies[name] = proxy
        opts = {"host": proxy.url, "cache": False}
        for key, value in options.items():
            opts[key] = value if isinstance(value, bool) else _path(pki, value)
        cases.append({"name": name, "ref": "op://Hardening/app/password", "opts": opts})
    outcomes, result = lookup_cases(play, tmp_path_factory.mktemp("tls"), cases,
                                    fast_env(None, timeout=5, retries=1))
    return proxies, outcomes, result


@pytest.mark.parametrize("name", sorted(CASES))
def test_tls_case(tls_run, hz, name):
    proxies, outcomes, result = tls_run
    _server, client_ca, _options, expected = CASES[name]
    msg, digest, failed = outcomes[name]
    proxy = proxies[name]
    if expected is None:
        assert not failed and digest == hz.digests["password"], msg
        assert proxy.requests(path="/items"), "the reads went through the TLS proxy"
        assert not proxy.tls_failures
    else:
        assert failed, msg
        assert_clean_message(msg, "op://Hardening/app/password", *expected)
        # nothing was sent over a connection that failed verification
        assert not proxy.requests(), proxy.log
        if client_ca:
            assert proxy.tls_failures, "the proxy did not see the handshake fail"
    assert "Traceback (most recent call last)" not in result.output


def test_validate_certs_false_warns(play, hz, proxy_factory, pki, tmp_path):
    proxy = tls_proxy(proxy_factory, pki["untrusted"])
    cases = [{"name": "insecure", "ref": "op://Hardening/app/password",
              "opts": {"host": proxy.url, "validate_certs": False, "cache": False}}]
    outcomes, result = lookup_cases(play, tmp_path, cases, fast_env(None, timeout=5, retries=1))
    assert not outcomes["insecure"][2], outcomes
    assert "[WARNING]" in result.output and "validate_certs" in result.output, result.output
