"""Fixtures for the dev server tests.

``server``: an in-process connect-dev (the real HTTP server and storage on a
free port, temp data dir) with a seeded vault layout.  ``client`` speaks HTTP
with ``requests`` and validates EVERY response it receives against the
shared OpenAPI description (see openapi_check.py).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import sys
import tempfile
import threading

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from connect_dev import cli, credentials, tokens  # noqa: E402
from connect_dev.server import AccessLog, App, make_server  # noqa: E402
from connect_dev.store import Store  # noqa: E402

import openapi_check  # noqa: E402

BIG_FILE = b"x" * (100 * 1024 + 1)

SEED = {
    "vaults": [
        {
            "name": "Dev",
            "description": "development secrets",
            "items": [
                {
                    "title": "Database",
                    "category": "DATABASE",
                    "tags": ["db", "prod"],
                    "urls": [{"href": "https://db.example.com", "primary": True}],
                    "sections": [{"id": "conn", "label": "Connection"}],
                    "fields": [
                        {"label": "username", "purpose": "USERNAME", "value": "admin"},
                        {"label": "password", "purpose": "PASSWORD", "value": "hunter2-Secret"},
                        {"label": "host", "type": "STRING", "value": "db.internal", "section": {"id": "conn"}},
                        {"label": "one-time password", "type": "OTP",
                         "value": "otpauth://totp/Example:admin?secret=JBSWY3DPEHPK3PXP&issuer=Example"},
                    ],
                },
                {"title": "API key", "category": "API_CREDENTIAL", "tags": ["api"],
                 "fields": [{"label": "credential", "type": "CONCEALED", "value": "key-123"}]},
                {"title": "Certificates", "category": "DOCUMENT",
                 "files": [
                     {"name": "ca.pem", "content": "-----BEGIN CERTIFICATE-----\nMIIB\n"},
                     {"name": "big.bin", "content_base64": base64.b64encode(BIG_FILE).decode()},
                 ]},
            ],
        },
        {"name": "Prod", "description": "production", "items": [
            {"title": "Database", "category": "DATABASE", "fields": [{"label": "password", "purpose": "PASSWORD", "value": "p"}]},
        ]},
        {"name": "Empty"},
    ]
}


class Client:
    """HTTP client that validates every response against the OpenAPI spec."""

    def __init__(self, base_url: str, validator, token: str | None = None):
        self.base = base_url
        self.validator = validator
        self.token = token
        self.session = requests.Session()
        self.seen = 0

    def request(self, method, path, token="default", json=None, data=None, headers=None, validate=True, **kwargs):
        hdrs = dict(headers or {})
        tok = self.token if token == "default" else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        resp = self.session.request(method, self.base + path, json=json, data=data, headers=hdrs, timeout=30, **kwargs)
        assert resp.headers.get("1Password-Connect-Version"), "every response carries the version header"
        ctype = resp.headers.get("Content-Type", "")
        body = None
        if resp.status_code != 204:
            body = resp.json() if "json" in ctype else resp.content
        if resp.status_code >= 400:
            assert "application/json" in ctype, "errors are JSON"
            assert body == {"status": resp.status_code, "message": body["message"]}
        if validate:
            self.validator.check_response(method, path, resp.status_code, ctype, body, resp.headers)
            self.seen += 1
        resp.body = body
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Running:
    def __init__(self, data_dir: str, max_inline_kb: int = 100):
        self.data_dir = data_dir
        credentials.write_new(os.path.join(data_dir, credentials.CREDENTIALS_NAME))
        self.creds = credentials.locate(data_dir)
        self.store = Store(data_dir)
        self.log_stream = io.StringIO()
        self.app = App(self.store, self.creds, log=AccessLog(self.log_stream, "info"), max_inline_kb=max_inline_kb)
        self.httpd = make_server(self.app, "127.0.0.1", 0)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def vault_id(self, name: str) -> str:
        return self.store.find_vaults(name)[0]["id"]

    def token(self, expires=None, **modes) -> str:
        return tokens.issue(self.creds, {self.vault_id(n): m for n, m in modes.items()}, expires)

    def item_id(self, vault: str, title: str) -> str:
        return next(i["id"] for i in self.store.list_items(self.vault_id(vault)) if i["title"] == title)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.store.close()


@pytest.fixture(scope="session")
def validator():
    return openapi_check.Validator(openapi_check.load_spec())


@pytest.fixture(scope="session")
def server():
    tmp = tempfile.mkdtemp(prefix="connect-dev-test-")
    running = Running(os.path.join(tmp, "data"))
    cli.seed(running.store, SEED)
    yield running
    running.stop()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture()
def client(server, validator):
    return Client(server.url, validator, server.token(Dev="rw", Prod="r", Empty="rw"))


@pytest.fixture()
def dev(server):
    return server.vault_id("Dev")
