"""Tokens and scopes (401/403), and bad input (400 with specific messages, nothing stored)."""

from __future__ import annotations

import base64
import json
import os

import pytest

from connect_dev import credentials, tokens


def test_missing_and_malformed_tokens_are_401(client, dev):
    for token, fragment in ((None, "header is missing"), ("not-a-jwt", "not a JWT"), ("a.b.c", "not a JWT")):
        r = client.get("/v1/vaults", token=token)
        assert r.status_code == 401 and fragment in r.body["message"]
    r = client.get("/v1/vaults", token=None, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer" in r.body["message"]


def test_token_from_other_credentials_is_401(server, client, tmp_path):
    other_path = str(tmp_path / "other.json")
    credentials.write_new(other_path)
    other = credentials.load_file(other_path)
    forged = tokens.issue(other, {server.vault_id("Dev"): "rw"})
    r = client.get("/v1/vaults", token=forged)
    assert r.status_code == 401 and r.body["message"] == "Invalid token signature"


def test_tampered_claims_are_401(server, client):
    token = server.token(Dev="r")
    header, claims, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(claims + "=="))
    data[tokens.VTS_CLAIM] = [{"u": server.vault_id("Prod"), "a": 3}]
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode(), sig])
    assert client.get("/v1/vaults", token=forged).status_code == 401


def test_expired_token_is_401_and_live_one_works(server, client):
    r = client.get("/v1/vaults", token=server.token(expires=-1, Dev="r"))
    assert r.status_code == 401 and "expired" in r.body["message"]
    assert client.get("/v1/vaults", token=server.token(expires=3600, Dev="r")).status_code == 200


def test_read_only_token_cannot_write(server, client):
    dev = server.vault_id("Dev")
    token = server.token(Dev="r")
    r = client.post("/v1/vaults/%s/items" % dev, json={"title": "x", "category": "LOGIN"}, token=token)
    assert r.status_code == 403 and "write" in r.body["message"]
    iid = server.item_id("Dev", "API key")
    assert client.delete("/v1/vaults/%s/items/%s" % (dev, iid), token=token).status_code == 403
    assert client.put("/v1/vaults/%s/items/%s" % (dev, iid), json={}, token=token).status_code == 403
    assert client.get("/v1/vaults/%s/items/%s" % (dev, iid)).status_code == 200


def test_write_only_token_cannot_read_items(server, client):
    empty = server.vault_id("Empty")
    token = server.token(Empty="w")
    created = client.post("/v1/vaults/%s/items" % empty, json={"title": "wo", "category": "LOGIN"}, token=token)
    assert created.status_code == 200
    r = client.get("/v1/vaults/%s/items/%s" % (empty, created.body["id"]), token=token)
    assert r.status_code == 403 and "read" in r.body["message"]
    assert client.delete("/v1/vaults/%s/items/%s" % (empty, created.body["id"]), token=token).status_code == 204


def test_out_of_scope_vault_items_are_403(server, client):
    r = client.get("/v1/vaults/%s/items" % server.vault_id("Prod"), token=server.token(Dev="rw"))
    assert r.status_code == 403 and r.body["message"] == "vault %s is not in scope" % server.vault_id("Prod")


@pytest.mark.parametrize("data,fragment", [
    (b"{not json", "Invalid JSON in request body"),
    (b"", "request body is empty"),
    (b"[1, 2]", "must be a JSON object"),
    (b'"string"', "must be a JSON object"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_malformed_bodies_are_400(server, client, data, fragment):
    empty = server.vault_id("Empty")
    before = len(server.store.list_items(empty))
    r = client.post("/v1/vaults/%s/items" % empty, data=data, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and fragment in r.body["message"]
    assert len(server.store.list_items(empty)) == before


@pytest.mark.parametrize("body,fragment", [
    ({"title": 5, "category": "LOGIN"}, "title: must be a string"),
    ({"title": "t", "category": "LOGIN", "tags": "a"}, "tags: must be a list"),
    ({"title": "t", "category": "LOGIN", "tags": [1]}, "tags[0]: must be a string"),
    ({"title": "t", "category": "LOGIN", "favorite": "yes"}, "favorite: must be a boolean"),
    ({"title": "t", "category": "LOGIN", "fields": {}}, "fields: must be a list"),
    ({"title": "t", "category": "LOGIN", "fields": ["x"]}, "fields[0]: must be an object"),
    ({"title": "t", "category": "LOGIN", "fields": [{"label": "a", "value": 3}]}, "value of field 'a': must be a string"),
    ({"title": "t", "category": "LOGIN", "fields": [{"label": "a", "type": "WEIRD"}]}, "Invalid type 'WEIRD' for field 'a'"),
    ({"title": "t", "category": "LOGIN", "fields": [{"label": "a", "purpose": "SECRET"}]}, "Invalid purpose"),
    ({"title": "t", "category": "LOGIN", "urls": [{"label": "x"}]}, "href is required"),
    ({"title": "t", "category": "LOGIN", "vault": {"id": "z" * 26}}, "does not match the vault"),
    ({"title": "t", "category": 7}, "category: must be a string"),
])
def test_wrong_types_are_400(server, client, body, fragment):
    empty = server.vault_id("Empty")
    before = len(server.store.list_items(empty))
    r = client.post("/v1/vaults/%s/items" % empty, json=body)
    assert r.status_code == 400 and fragment in r.body["message"], r.body
    assert len(server.store.list_items(empty)) == before


def test_oversized_body_is_400(server, client):
    empty = server.vault_id("Empty")
    body = {"title": "big", "category": "LOGIN", "fields": [{"label": "x", "value": "y" * (1024 * 1024 + 10)}]}
    r = client.post("/v1/vaults/%s/items" % empty, json=body)
    assert r.status_code == 400 and "Request body too large" in r.body["message"]
    # the connection stays usable
    assert client.get("/v1/vaults").status_code == 200


def test_access_log_has_no_tokens_or_secrets(server, client):
    empty = server.vault_id("Empty")
    secret = "TopSecretValue-%s" % os.getpid()
    created = client.post("/v1/vaults/%s/items" % empty, json={"title": "logged", "category": "LOGIN", "fields": [
        {"purpose": "PASSWORD", "value": secret}]}).body
    client.get("/v1/vaults/%s/items/%s" % (empty, created["id"]))
    log = server.log_stream.getvalue()
    assert client.token.split(".")[2] not in log and client.token[:30] not in log
    assert secret not in log and "Bearer" not in log
    lines = [json.loads(line) for line in log.splitlines() if '"method"' in line]
    last = lines[-1]
    assert last["method"] == "GET" and last["status"] == 200 and last["path"] == "/v1/vaults/%s/items/%s" % (empty, created["id"])
    assert last["duration_ms"] >= 0


def test_internal_errors_are_500_without_details(server, client, monkeypatch):
    dev = server.vault_id("Dev")
    iid = server.item_id("Dev", "API key")

    def broken(*_args):
        raise ValueError("leaky-secret-detail")

    monkeypatch.setattr(server.store, "get_item", broken)
    r = client.get("/v1/vaults/%s/items/%s" % (dev, iid), validate=False)
    assert r.status_code == 500 and r.body == {"status": 500, "message": "Something went wrong"}
    log = server.log_stream.getvalue()
    assert "ValueError" in log and "leaky-secret-detail" not in log
