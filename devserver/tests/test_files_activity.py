"""Files (list, get, inline with the 413 limit, content download) and /v1/activity."""

from __future__ import annotations

import base64
import re

import pytest

from conftest import BIG_FILE


@pytest.fixture()
def cert_item(server):
    return server.vault_id("Dev"), server.item_id("Dev", "Certificates")


def test_list_files_and_full_item_files(client, cert_item):
    vault, item = cert_item
    files = client.get("/v1/vaults/%s/items/%s/files" % (vault, item)).body
    assert [f["name"] for f in files] == ["ca.pem", "big.bin"]
    assert files[1]["size"] == len(BIG_FILE)
    for f in files:
        assert f["content_path"] == "/v1/vaults/%s/items/%s/files/%s/content" % (vault, item, f["id"])
        assert "content" not in f
    full = client.get("/v1/vaults/%s/items/%s" % (vault, item)).body
    assert full["files"] == files and full["category"] == "DOCUMENT"


@pytest.mark.parametrize("param", ["inline_files", "inline_content"])
def test_inline_content_and_413(client, cert_item, param):
    vault, item = cert_item
    files = client.get("/v1/vaults/%s/items/%s/files" % (vault, item)).body
    small, big = files
    r = client.get("/v1/vaults/%s/items/%s/files/%s?%s=true" % (vault, item, small["id"], param))
    assert r.status_code == 200
    assert base64.b64decode(r.body["content"]) == b"-----BEGIN CERTIFICATE-----\nMIIB\n"
    r = client.get("/v1/vaults/%s/items/%s/files/%s?%s=true" % (vault, item, big["id"], param))
    assert r.status_code == 413
    assert r.body["message"].startswith("File is too large to inline in request.")
    r = client.get("/v1/vaults/%s/items/%s/files?%s=true" % (vault, item, param))
    assert r.status_code == 413
    r = client.get("/v1/vaults/%s/items/%s/files/%s?%s=false" % (vault, item, big["id"], param))
    assert r.status_code == 200 and "content" not in r.body


def test_inline_limit_env_is_respected(tmp_path, validator):
    from conftest import Client, Running

    running = Running(str(tmp_path / "data"), max_inline_kb=1)
    try:
        vault = running.store.create_vault("V")["id"]
        from connect_dev import items as itemsmod

        item = itemsmod.normalize_item({"title": "f", "category": "SECURE_NOTE"}, vault)
        running.store.insert_item(item)
        running.store.add_file(vault, item["id"], "k.bin", b"k" * 1024)
        running.store.add_file(vault, item["id"], "l.bin", b"l" * 1025)
        client = Client(running.url, validator, running.token(V="r"))
        files = client.get("/v1/vaults/%s/items/%s/files" % (vault, item["id"])).body
        ok = client.get("/v1/vaults/%s/items/%s/files/%s?inline_files=true" % (vault, item["id"], files[0]["id"]))
        assert ok.status_code == 200 and len(base64.b64decode(ok.body["content"])) == 1024
        too = client.get("/v1/vaults/%s/items/%s/files/%s?inline_files=true" % (vault, item["id"], files[1]["id"]))
        assert too.status_code == 413
    finally:
        running.stop()


def test_content_download(client, cert_item):
    vault, item = cert_item
    files = client.get("/v1/vaults/%s/items/%s/files" % (vault, item)).body
    r = client.get(files[1]["content_path"])
    assert r.status_code == 200 and r.content == BIG_FILE
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == 'attachment; filename="big.bin"'
    assert r.headers["Content-Length"] == str(len(BIG_FILE))


def test_file_errors(server, client, cert_item):
    vault, item = cert_item
    missing = "h" * 26
    r = client.get("/v1/vaults/%s/items/%s/files/%s" % (vault, item, missing))
    assert r.status_code == 404 and r.body["message"] == "file %s not found" % missing
    r = client.get("/v1/vaults/%s/items/%s/files/%s/content" % (vault, item, missing))
    assert r.status_code == 404
    r = client.get("/v1/vaults/%s/items/%s/files" % (vault, missing))
    assert r.status_code == 404 and r.body["message"] == "item %s not found" % missing
    r = client.get("/v1/vaults/%s/items/%s/files?inline_files=maybe" % (vault, item))
    assert r.status_code == 400 and "inline_files" in r.body["message"]
    r = client.get("/v1/vaults/%s/items/%s/files" % (vault, item), token=server.token(Prod="r"))
    assert r.status_code == 403


def test_activity_records_requests_with_jti(server, client, validator):
    from conftest import Client
    from connect_dev import tokens

    token = server.token(Prod="r")
    jti = tokens.Token(__import__("json").loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")))
    reader = Client(server.url, validator, token)
    prod = server.vault_id("Prod")
    item = server.item_id("Prod", "Database")
    reader.get("/v1/vaults/%s/items/%s" % (prod, item))
    reader.get("/v1/vaults/%s" % server.vault_id("Dev"))  # denied
    r = reader.get("/v1/activity?limit=2")
    assert r.status_code == 200
    newest, older = r.body
    assert newest["result"] == "DENY" and newest["actor"]["jti"] == jti.jti
    assert older["action"] == "READ" and older["result"] == "SUCCESS"
    assert older["resource"] == {"type": "ITEM", "vault": {"id": prod}, "item": {"id": item}, "itemVersion": 1}
    assert older["actor"]["requestIp"] == "127.0.0.1" and older["actor"]["userAgent"].startswith("python-requests")
    total = int(r.headers["Content-Range"].split("/")[1])
    assert r.headers["Content-Range"] == "1-2/%d" % total


def test_activity_paging_and_write_actions(server, client):
    vault = server.vault_id("Empty")
    created = client.post("/v1/vaults/%s/items" % vault, json={"title": "act", "category": "LOGIN"}).body
    client.patch("/v1/vaults/%s/items/%s" % (vault, created["id"]), json=[{"op": "replace", "path": "/title", "value": "b"}])
    client.delete("/v1/vaults/%s/items/%s" % (vault, created["id"]))
    r = client.get("/v1/activity?limit=3")
    assert [a["action"] for a in r.body] == ["DELETE", "UPDATE", "CREATE"]
    assert [a["resource"].get("itemVersion") for a in r.body] == [2, 2, 1]
    total = int(r.headers["Content-Range"].split("/")[1])
    r2 = client.get("/v1/activity?limit=2&offset=1")
    assert r2.headers["Content-Range"] == "2-3/%d" % total
    assert [a["requestId"] for a in r2.body] == [a["requestId"] for a in r.body[1:3]]
    default = client.get("/v1/activity")
    assert len(default.body) == min(50, total)
    beyond = client.get("/v1/activity?offset=%d" % (total + 10))
    assert beyond.body == [] and re.match(r"^0-0/\d+$", beyond.headers["Content-Range"])


@pytest.mark.parametrize("query,fragment", [
    ("limit=abc", "Invalid limit"), ("limit=0", "Invalid limit"), ("offset=-1", "Invalid offset"),
])
def test_activity_bad_paging_is_400(client, query, fragment):
    r = client.get("/v1/activity?" + query)
    assert r.status_code == 400 and fragment in r.body["message"]
