# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The transport under the client: auth, retries, TLS and the typed errors of failed requests."""

from __future__ import annotations

import time

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils import _transport
from ansible_collections.secretops.onepassword.plugins.module_utils._client import (
    ConnectClient,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAuthError,
    ConnectBadRequestError,
    ConnectConflictError,
    ConnectConnectionError,
    ConnectDependencyError,
    ConnectNotFoundError,
    ConnectProtocolError,
    ConnectRateLimitError,
    ConnectRequestError,
    ConnectScopeError,
    ConnectServerError,
    ConnectTimeoutError,
    ConnectTLSError,
    ConnectTooLargeError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    ConnectSettings,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._transport import (
    _ConnectRetry,
)
from ansible_collections.secretops.onepassword.tests.unit.plugins.module_utils.client_samples import (
    FAST, I1, TOKEN, V1, err, make_client,
)


def test_netrc_does_not_replace_the_bearer_token(fake_connect, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    fake_connect.route("GET", "/v1/vaults", body=[])
    make_client(fake_connect).list_vaults()
    assert fake_connect.requests[0].headers["Authorization"] == "Bearer " + TOKEN


def test_keep_alive_reuses_one_connection(fake_connect):
    fake_connect.route("GET", "/v1/vaults", body=[])
    client = make_client(fake_connect)
    for dummy in range(5):
        client.list_vaults()
    assert len(fake_connect.requests) == 5
    assert len({r.client_port for r in fake_connect.requests}) == 1


def test_missing_requests_is_reported_clearly(monkeypatch):
    monkeypatch.setattr(_transport, "requests", None)
    monkeypatch.setattr(_transport, "REQUESTS_IMPORT_ERROR", ImportError("No module named 'requests'"))
    with pytest.raises(ConnectDependencyError) as info:
        ConnectClient(ConnectSettings("http://h:1", TOKEN))
    assert "'requests' is required" in str(info.value)
    assert "pip install requests" in str(info.value)


# -- retries -------------------------------------------------------------------
class TestRetries(object):
    def test_5xx_then_success_retries_with_one_warning_each(self, fake_connect):
        fake_connect.then(503, err(503, "busy")).then(502, err(502, "bad gateway"))
        fake_connect.route("GET", "/v1/vaults", body=[{"id": V1, "name": "Prod"}])
        warnings = []
        vaults = make_client(fake_connect, retries=FAST, warnings=warnings).list_vaults()
        assert vaults == [{"id": V1, "name": "Prod"}]
        assert len(fake_connect.requests) == 3
        assert len(warnings) == 2
        assert "GET /v1/vaults got HTTP 503; retry 1 of 2" in warnings[0]
        assert "got HTTP 502; retry 2 of 2" in warnings[1]

    def test_retries_run_out_into_a_typed_error(self, fake_connect):
        for dummy in range(3):
            fake_connect.then(500, err(500, "Something went wrong"))
        warnings = []
        with pytest.raises(ConnectServerError) as info:
            make_client(fake_connect, retries=FAST, warnings=warnings).list_vaults()
        assert info.value.status == 500
        assert "Something went wrong" in str(info.value)
        assert "after 2 retries" in str(info.value)
        assert len(fake_connect.requests) == 3
        assert len(warnings) == 2

    def test_429_honours_retry_after(self, fake_connect):
        fake_connect.then(429, err(429, "slow down"), headers={"Retry-After": "1"})
        fake_connect.route("GET", "/v1/vaults", body=[])
        warnings = []
        started = time.monotonic()
        make_client(fake_connect, retries={"total": 1, "backoff_factor": 0.01}, warnings=warnings).list_vaults()
        elapsed = time.monotonic() - started
        assert elapsed >= 0.95
        assert "Retry-After" in warnings[0]
        assert "in 1.0s" in warnings[0]

    def test_retry_after_is_capped_by_backoff_max(self, fake_connect):
        fake_connect.then(429, err(429, "slow down"), headers={"Retry-After": "3600"})
        fake_connect.route("GET", "/v1/vaults", body=[])
        started = time.monotonic()
        make_client(fake_connect, retries={"total": 1, "backoff_max": 0.2}).list_vaults()
        assert time.monotonic() - started < 5

    def test_429_exhausted_is_a_rate_limit_error(self, fake_connect):
        fake_connect.then(429, err(429, "slow down"), headers={"Retry-After": "0"})
        fake_connect.then(429, err(429, "slow down"), headers={"Retry-After": "0"})
        with pytest.raises(ConnectRateLimitError) as info:
            make_client(fake_connect, retries={"total": 1}).list_vaults()
        assert "rate limiting" in str(info.value)

    @pytest.mark.parametrize("method", ["POST", "PATCH"])
    def test_non_idempotent_requests_are_never_repeated_after_an_error_status(self, fake_connect, method):
        fake_connect.then(503, err(503, "busy"))
        fake_connect.route(method, "/v1/vaults/%s/items" % V1, body={"id": I1})
        fake_connect.route(method, "/v1/vaults/%s/items/%s" % (V1, I1), body={"id": I1})
        client = make_client(fake_connect, retries=FAST)
        with pytest.raises(ConnectServerError):
            if method == "POST":
                client.create_item(V1, {"title": "x", "category": "LOGIN"})
            else:
                client.patch_item(V1, I1, [])
        assert [r.method for r in fake_connect.requests] == [method]

    def test_post_is_not_repeated_when_the_connection_drops(self, fake_connect):
        fake_connect.then(action="reset")
        fake_connect.route("POST", "/v1/vaults/%s/items" % V1, body={"id": I1})
        with pytest.raises(ConnectConnectionError):
            make_client(fake_connect, retries=FAST).create_item(V1, {"title": "x"})
        assert len(fake_connect.requests) == 1

    def test_get_is_repeated_when_the_connection_drops(self, fake_connect):
        fake_connect.then(action="reset")
        fake_connect.route("GET", "/v1/vaults", body=[])
        warnings = []
        assert make_client(fake_connect, retries=FAST, warnings=warnings).list_vaults() == []
        assert len(fake_connect.requests) == 2
        assert "failed (" in warnings[0]

    def test_get_is_repeated_when_the_body_breaks_off(self, fake_connect):
        fake_connect.then(action="truncate", body=[{"id": V1, "name": "cut short"}])
        fake_connect.route("GET", "/v1/vaults", body=[])
        warnings = []
        assert make_client(fake_connect, retries=FAST, warnings=warnings).list_vaults() == []
        assert len(fake_connect.requests) == 2
        assert len(warnings) == 1 and "broke off" in warnings[0]

    def test_a_body_that_keeps_breaking_off_is_a_connection_error(self, fake_connect):
        for _attempt in range(3):
            fake_connect.then(action="truncate", body=[{"id": V1, "name": "cut short"}])
        with pytest.raises(ConnectConnectionError) as info:
            make_client(fake_connect, retries=FAST).list_vaults()
        assert len(fake_connect.requests) == 3
        assert "broke off" in str(info.value) and "after 2 retries" in str(info.value)

    def test_post_is_not_repeated_when_the_body_breaks_off(self, fake_connect):
        fake_connect.then(action="truncate", body={"id": I1, "title": "x"})
        with pytest.raises(ConnectConnectionError):
            make_client(fake_connect, retries=FAST).create_item(V1, {"title": "x"})
        assert len(fake_connect.requests) == 1

    def test_idempotent_writes_are_retried(self, fake_connect):
        fake_connect.then(503, err(503, "busy"))
        fake_connect.route("DELETE", "/v1/vaults/%s/items/%s" % (V1, I1), status=204)
        client = make_client(fake_connect, retries=FAST)
        assert client.delete_item(V1, I1) is None
        assert [r.method for r in fake_connect.requests] == ["DELETE", "DELETE"]

    def test_no_retries_means_one_request(self, fake_connect):
        fake_connect.then(503, err(503, "busy"))
        with pytest.raises(ConnectServerError) as info:
            make_client(fake_connect, retries=0).list_vaults()
        assert len(fake_connect.requests) == 1
        assert "retr" not in str(info.value)

    def test_connection_refused_is_retried_then_reported(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        warnings = []
        client = ConnectClient(ConnectSettings("http://127.0.0.1:%d" % port, TOKEN, retries=FAST), warn=warnings.append)
        with pytest.raises(ConnectConnectionError) as info:
            client.list_vaults()
        message = str(info.value)
        assert "cannot reach Connect at http://127.0.0.1:%d: connection refused (after 2 retries)" % port in message
        assert "Is Connect running there" in message
        assert len(warnings) == 2

    def test_backoff_grows_exponentially_with_jitter(self):
        from urllib3.util.retry import RequestHistory

        retry = _ConnectRetry(total=10, backoff_factor=1.0)
        retry.so_backoff_max = 5.0
        delays = []
        for attempts in range(1, 6):
            retry.history = tuple(RequestHistory("GET", "/", None, 503, None) for dummy in range(attempts))
            delays.append([retry.get_backoff_time() for dummy in range(50)])
        for attempts, samples in enumerate(delays, start=1):
            nominal = min(5.0, 2 ** (attempts - 1))
            assert all(nominal / 2 <= d <= nominal for d in samples)
        assert len(set(delays[2])) > 1  # jitter
        assert max(delays[4]) <= 5.0  # capped


# -- errors -----------------------------------------------------------------
@pytest.mark.parametrize("status, cls", [
    (400, ConnectBadRequestError), (401, ConnectAuthError), (403, ConnectScopeError), (404, ConnectNotFoundError),
    (409, ConnectConflictError), (413, ConnectTooLargeError), (500, ConnectServerError), (418, ConnectRequestError),
])
def test_error_bodies_become_typed_errors_naming_what_was_asked(fake_connect, status, cls):
    fake_connect.route("GET", "/v1/vaults", body=[{"id": V1, "name": "Prod"}])
    fake_connect.route("GET", "/v1/vaults/%s/items/%s" % (V1, I1), status=status, body=err(status, "nope"))
    client = make_client(fake_connect)
    client.list_vaults()
    with pytest.raises(cls) as info:
        client.get_item(V1, I1)
    assert info.value.status == status
    assert 'vault "Prod" (%s)' % V1 in str(info.value)
    assert "Connect answered %d: nope" % status in str(info.value)


def test_401_explains_the_token_without_showing_it(fake_connect):
    fake_connect.route("GET", "/v1/vaults", status=401, body=err(401, "Invalid bearer token " + TOKEN))
    with pytest.raises(ConnectAuthError) as info:
        make_client(fake_connect).list_vaults()
    assert TOKEN not in str(info.value)
    assert "<token hidden>" in str(info.value)
    assert "invalid, expired or issued for another Connect server" in str(info.value)


def test_retry_warnings_never_show_the_token(fake_connect):
    fake_connect.then(503, err(503, "busy"))
    fake_connect.route("GET", "/v1/vaults", body=[])
    warnings = []
    make_client(fake_connect, retries=FAST, warnings=warnings).list_vaults()
    assert warnings and all(TOKEN not in w for w in warnings)


@pytest.mark.parametrize("status, body, content_type, words", [
    (200, "<html><head><title>Sign in - Corp Proxy</title></head></html>", "text/html",
     'text/html titled "Sign in - Corp Proxy" instead of Connect\'s JSON'),
    (502, "<html><body>Bad Gateway</body></html>", "text/html", "HTTP 502 with text/html"),
    (200, '{"id": "trunc', "application/json", "HTTP 200 with application/json"),
    (404, "404 page not found", "text/plain", "HTTP 404 with text/plain"),
])
def test_non_json_answers_are_protocol_errors(fake_connect, status, body, content_type, words):
    fake_connect.route("GET", "/v1/vaults", status=status, body=body, headers={"Content-Type": content_type})
    with pytest.raises(ConnectProtocolError) as info:
        make_client(fake_connect).list_vaults()
    assert words in str(info.value)
    assert "Is a proxy or another service answering" in str(info.value)


def test_a_tls_server_spoken_to_in_plain_http_is_named(fake_connect):
    fake_connect.route("GET", "/v1/vaults", status=400, body="Client sent an HTTP request to an HTTPS server.\n",
                       headers={"Content-Type": "text/plain"})
    with pytest.raises(ConnectProtocolError) as info:
        make_client(fake_connect).list_vaults()
    https = fake_connect.url.replace("http://", "https://")
    assert 'The server speaks TLS on this port: the host must start with https:// ("%s")' % https in str(info.value)


def test_redirects_are_not_followed(fake_connect):
    fake_connect.route("GET", "/v1/vaults", status=302, headers={"Location": "http://login.example.com/sso"})
    with pytest.raises(ConnectProtocolError) as info:
        make_client(fake_connect).list_vaults()
    assert "redirect to http://login.example.com/sso" in str(info.value)
    assert len(fake_connect.requests) == 1


def test_timeout(fake_connect):
    fake_connect.then(200, [], action=("sleep", 1.5))
    with pytest.raises(ConnectTimeoutError) as info:
        make_client(fake_connect, timeout=0.3).list_vaults()
    assert "no answer from Connect at %s within 0.3 seconds" % fake_connect.url in str(info.value)


# -- TLS ----------------------------------------------------------------------------------
@pytest.fixture
def tls_fake_connect(fake_connect, tmp_path):
    """fake_connect behind TLS with a self-signed certificate for 127.0.0.1."""
    pytest.importorskip("cryptography")
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path = tmp_path / "server.crt"
    key_path = tmp_path / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path), str(key_path))
    fake_connect.socket = context.wrap_socket(fake_connect.socket, server_side=True, do_handshake_on_connect=False)
    fake_connect.tls_url = fake_connect.url.replace("http://", "https://")
    fake_connect.cert_path = str(cert_path)
    return fake_connect


def test_tls_untrusted_certificate(tls_fake_connect):
    client = ConnectClient(ConnectSettings(tls_fake_connect.tls_url, TOKEN, retries=0))
    with pytest.raises(ConnectTLSError) as info:
        client.list_vaults()
    message = str(info.value)
    assert "certificate verify failed" in message
    assert 'Trust the server\'s CA with "ca_path"' in message
    assert TOKEN not in message


def test_tls_trusted_through_ca_path_or_not_verified(tls_fake_connect):
    tls_fake_connect.route("GET", "/v1/vaults", body=[{"id": V1, "name": "Prod"}])
    trusted = ConnectClient(ConnectSettings(tls_fake_connect.tls_url, TOKEN, retries=0,
                                            ca_path=tls_fake_connect.cert_path))
    assert trusted.list_vaults()[0]["name"] == "Prod"
    warnings = []
    unverified = ConnectClient(ConnectSettings(tls_fake_connect.tls_url, TOKEN, retries=0, validate_certs=False),
                               warn=warnings.append)
    assert unverified.list_vaults()[0]["name"] == "Prod"
    # Turning verification off is said once, naming the option and the server (never the token).
    assert len(warnings) == 1 and "validate_certs is false" in warnings[0] and tls_fake_connect.tls_url in warnings[0]
    assert TOKEN not in warnings[0]


def test_validate_certs_false_with_ca_path_still_verifies_and_says_so(tls_fake_connect):
    tls_fake_connect.route("GET", "/v1/vaults", body=[{"id": V1, "name": "Prod"}])
    warnings = []
    client = ConnectClient(ConnectSettings(tls_fake_connect.tls_url, TOKEN, retries=0, validate_certs=False,
                                           ca_path=tls_fake_connect.cert_path), warn=warnings.append)
    assert client.list_vaults()[0]["name"] == "Prod"
    assert len(warnings) == 1 and "still verified" in warnings[0] and tls_fake_connect.cert_path in warnings[0]
    assert "not verified" not in warnings[0]


def test_tls_errors_are_not_retried(tls_fake_connect):
    warnings = []
    client = ConnectClient(ConnectSettings(tls_fake_connect.tls_url, TOKEN, retries=FAST), warn=warnings.append)
    with pytest.raises(ConnectTLSError):
        client.list_vaults()
    assert warnings == []
