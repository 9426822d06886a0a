# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared client against a real connect-dev: reads, writes, files, and
every kind of bad input of the foundation issue, each a clear typed error that
never contains the token."""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import ConnectSettings
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectAuthError,
    ConnectBadRequestError,
    ConnectConnectionError,
    ConnectError,
    ConnectNotFoundError,
    ConnectProtocolError,
    ConnectScopeError,
    ConnectTLSError,
)

from conftest import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "playbooks", "client", "seed.yml")


@pytest.fixture(scope="module")
def seeded(devserver):
    devserver.seed(SEED)
    return devserver


@pytest.fixture(scope="module")
def token(seeded):
    return seeded.token({"Client Tests": "rw", "Client Tests Twin": "r"})


def client_for(url, token, **kwargs):
    kwargs.setdefault("retries", 0)
    warnings = []
    client = ConnectClient(ConnectSettings(url, token, **kwargs), warn=warnings.append)
    client.warnings = warnings
    return client


def expect_error(cls, call, token):
    """Run call, expect cls; the message must be plain words without the token."""
    with pytest.raises(cls) as info:
        call()
    message = str(info.value)
    assert token not in message
    assert "Traceback" not in message
    return message


# -- the happy path ---------------------------------------------------------------
def test_find_items_by_names_ids_and_quoted_titles(seeded, token):
    client = client_for(seeded.url, token)
    item = client.find_item("Client Tests", "Web Login")
    assert {f["id"]: f.get("value") for f in item["fields"]}["password"] == "pa55-web"
    assert client.find_item("client tests", "web login")["id"] == item["id"]
    assert client.find_item(item["vault"]["id"], item["id"])["title"] == "Web Login"
    quoted = client.find_item("Client Tests", 'Say "hello" \\ wave')
    assert quoted["title"] == 'Say "hello" \\ wave'


def test_ambiguous_and_missing_items_are_explained(seeded, token):
    client = client_for(seeded.url, token)
    message = expect_error(ConnectAmbiguousError, lambda: client.find_item("Client Tests", "Twin"), token)
    assert '2 items match "Twin" in vault "Client Tests"' in message
    message = expect_error(ConnectNotFoundError, lambda: client.find_item("Client Tests", "Web Lgoin"), token)
    assert 'No item named "Web Lgoin" in vault "Client Tests". Did you mean: "Web Login"?' in message
    message = expect_error(ConnectNotFoundError, lambda: client.find_item("Client Test", "Web Login"), token)
    assert 'No vault named "Client Test"' in message and '"Client Tests"' in message


def test_files_are_listed_and_downloaded(seeded, token):
    client = client_for(seeded.url, token)
    item = client.find_item("Client Tests", "Server Cert")
    files = item["files"]
    assert [f["name"] for f in files] == ["cert.pem"]
    content = client.get_file_content(item["vault"]["id"], item["id"], files[0]["id"])
    assert content == b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_create_patch_delete(seeded, token):
    client = client_for(seeded.url, token)
    vault = client.resolve_vault("Client Tests")
    created = client.create_item(vault["id"], {
        "title": "Created by the client test", "category": "PASSWORD", "vault": {"id": vault["id"]},
        "fields": [{"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "value": "one"}]})
    assert created["version"] == 1
    patched = client.patch_item(vault["id"], created["id"], [{"op": "replace", "path": "/title", "value": "Patched"}])
    assert patched["title"] == "Patched"
    client.delete_item(vault["id"], created["id"])
    message = expect_error(ConnectNotFoundError, lambda: client.get_item(vault["id"], created["id"]), token)
    assert created["id"] in message


def test_keep_alive_uses_one_connection_for_many_requests(seeded, token):
    client = client_for(seeded.url, token)
    for dummy in range(10):
        client.list_vaults()
    pools = client._session.get_adapter(seeded.url).poolmanager.pools
    opened = sum(pools[key].num_connections for key in pools.keys())
    assert opened == 1


# -- bad input ---------------------------------------------------------------------------
def test_unreachable_host(token):
    port = free_port()
    client = client_for("http://127.0.0.1:%d" % port, token, retries={"total": 1, "backoff_factor": 0.01})
    message = expect_error(ConnectConnectionError, client.list_vaults, token)
    assert "cannot reach Connect at http://127.0.0.1:%d: connection refused (after 1 retry)" % port in message
    assert len(client.warnings) == 1


def test_unresolvable_host_name(token):
    client = client_for("http://connect.invalid:8080", token)
    message = expect_error(ConnectConnectionError, client.list_vaults, token)
    assert "http://connect.invalid:8080" in message


def test_https_to_a_plain_http_port(seeded, token):
    client = client_for(seeded.url.replace("http://", "https://"), token)
    message = expect_error(ConnectTLSError, client.list_vaults, token)
    assert "does not speak TLS on this port" in message


def test_http_to_a_tls_port(tls_server, token):
    client = client_for(tls_server.url.replace("https://", "http://"), token)
    message = expect_error(ConnectError, client.list_vaults, token)
    assert tls_server.url.replace("https://", "http://") in message


def test_expired_token(seeded, token):
    expired = seeded.token({"Client Tests": "r"}, expires="-1h")
    message = expect_error(ConnectAuthError, lambda: client_for(seeded.url, expired).list_vaults(), expired)
    assert "Connect answered 401" in message and "expired" in message


def test_invalid_token(seeded, token):
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    message = expect_error(ConnectAuthError, lambda: client_for(seeded.url, forged).list_vaults(), forged)
    assert "Connect answered 401" in message
    assert token[-20:] not in message


def test_token_of_another_server(devserver_factory, seeded, token):
    other = devserver_factory()
    other.seed(SEED)
    foreign = other.token({"Client Tests": "r"})
    expect_error(ConnectAuthError, lambda: client_for(seeded.url, foreign).list_vaults(), foreign)


def test_vault_out_of_scope(seeded, token):
    narrow = seeded.token({"Client Tests Twin": "r"})
    wide = client_for(seeded.url, token)
    vault_id = wide.resolve_vault("Client Tests")["id"]
    client = client_for(seeded.url, narrow)
    message = expect_error(ConnectScopeError, lambda: client.get_vault(vault_id), narrow)
    assert "Connect answered 403" in message and vault_id in message
    message = expect_error(ConnectNotFoundError, lambda: client.resolve_vault("Client Tests"), narrow)
    assert 'No vault named "Client Tests"' in message


def test_read_only_token_cannot_write(seeded, token):
    read_only = seeded.token({"Client Tests Twin": "r"})
    client = client_for(seeded.url, read_only)
    vault = client.resolve_vault("Client Tests Twin")
    message = expect_error(ConnectScopeError, lambda: client.create_item(vault["id"], {
        "title": "nope", "category": "PASSWORD", "vault": {"id": vault["id"]}}), read_only)
    assert 'create item "nope" in vault "Client Tests Twin"' in message


def test_malformed_ids(seeded, token):
    client = client_for(seeded.url, token)
    before = seeded.request_count()
    message = expect_error(ConnectBadRequestError, lambda: client.get_item("not-an-id", "also/../bad"), token)
    assert "'not-an-id' is not a valid vault id" in message
    assert seeded.request_count() == before + 1  # only the /metrics read itself
    vault = client.resolve_vault("Client Tests")
    message = expect_error(ConnectNotFoundError, lambda: client.resolve_item(vault, "z" * 26), token)
    assert 'No item named "%s" in vault "Client Tests"' % ("z" * 26) in message


class _HTMLProxy(BaseHTTPRequestHandler):
    """A proxy that answers every request with its own HTML page."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        page = b"<html><head><title>Proxy Authentication Required</title></head><body>Log in</body></html>"
        self.send_response(407 if self.path.startswith("http://") else 200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)


@pytest.fixture
def html_proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HTMLProxy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_html_answering_host(html_proxy, token):
    message = expect_error(ConnectProtocolError, client_for(html_proxy, token).list_vaults, token)
    assert 'HTTP 200 with text/html titled "Proxy Authentication Required" instead of Connect\'s JSON' in message


def test_html_answering_proxy(seeded, html_proxy, token):
    client = client_for(seeded.url, token, proxies={"http": html_proxy})
    message = expect_error(ConnectProtocolError, client.list_vaults, token)
    assert "HTTP 407 with text/html" in message


def test_the_token_never_reaches_the_server_log(seeded, token):
    client_for(seeded.url, token).find_item("Client Tests", "Web Login")
    assert token not in seeded.read_log()


# -- TLS ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_server(devserver_factory, tls_material):
    server = devserver_factory(tls_cert=tls_material.server_cert, tls_key=tls_material.server_key)
    server.seed(SEED)
    return server


def test_tls_with_the_right_ca(tls_server, tls_material):
    token = tls_server.token({"Client Tests": "r"})
    client = client_for(tls_server.url, token, ca_path=tls_material.ca)
    assert client.find_item("Client Tests", "Web Login")["title"] == "Web Login"


def test_tls_untrusted_ca(tls_server):
    token = tls_server.token({"Client Tests": "r"})
    message = expect_error(ConnectTLSError, client_for(tls_server.url, token).list_vaults, token)
    assert "certificate verify failed" in message and '"ca_path"' in message


def test_tls_without_verification(tls_server):
    token = tls_server.token({"Client Tests": "r"})
    assert client_for(tls_server.url, token, validate_certs=False).list_vaults()


def test_tls_self_signed(devserver_factory, tls_material):
    server = devserver_factory(tls_cert=tls_material.self_signed_cert, tls_key=tls_material.self_signed_key)
    server.seed(SEED)
    token = server.token({"Client Tests": "r"})
    message = expect_error(ConnectTLSError, client_for(server.url, token, ca_path=tls_material.ca).list_vaults, token)
    assert "self-signed" in message or "self signed" in message
    # Trusting the certificate itself works.
    assert client_for(server.url, token, ca_path=tls_material.self_signed_cert).list_vaults()


def test_tls_wrong_host_name(devserver_factory, tls_material):
    server = devserver_factory(tls_cert=tls_material.wrong_name_cert, tls_key=tls_material.wrong_name_key)
    server.seed(SEED)
    token = server.token({"Client Tests": "r"})
    message = expect_error(ConnectTLSError, client_for(server.url, token, ca_path=tls_material.ca).list_vaults, token)
    assert "not valid for this host name" in message


def test_expired_tokens_are_told_apart_from_timeouts(seeded):
    # A token that expires during a run: first call works, a later one is refused.
    short = seeded.token({"Client Tests": "r"}, expires="2s")
    client = client_for(seeded.url, short)
    assert client.list_vaults()
    time.sleep(2.5)
    expect_error(ConnectAuthError, client.list_vaults, short)
