"""Vaults and items endpoints: shapes, filters, CRUD, statuses (all responses spec-validated)."""

from __future__ import annotations

import re
import time

import pytest

ID = re.compile(r"^[a-z0-9]{26}$")


def test_heartbeat_health_metrics(client):
    r = client.get("/heartbeat", token=None)
    assert r.status_code == 200 and r.body == b"." and r.headers["Content-Type"].startswith("text/plain")
    h = client.get("/health", token=None)
    assert h.status_code == 200
    assert h.body["name"] == "1Password Connect API"
    assert {d["service"]: d["status"] for d in h.body["dependencies"]} == {"sqlite": "ACTIVE", "sync": "ACTIVE"}
    before = client.get("/metrics", token=None).body.decode()
    client.get("/v1/vaults")
    after = client.get("/metrics", token=None).body.decode()

    def count(text):
        m = re.search(r'^connect_dev_http_requests_total\{method="GET",status="200"\} (\d+)$', text, re.M)
        return int(m.group(1))

    assert count(after) == count(before) + 2  # the vault listing and the first /metrics


def test_list_vaults_shows_only_vaults_in_scope(server, client):
    r = client.get("/v1/vaults")
    assert r.status_code == 200
    assert sorted(v["name"] for v in r.body) == ["Dev", "Empty", "Prod"]
    only_dev = client.get("/v1/vaults", token=server.token(Dev="r"))
    assert [v["name"] for v in only_dev.body] == ["Dev"]
    vault = only_dev.body[0]
    assert ID.match(vault["id"]) and vault["items"] == 3 and vault["type"] == "USER_CREATED"
    assert vault["description"] == "development secrets"


@pytest.mark.parametrize("query", [
    '?filter=name%20eq%20%22Prod%22', '?filter=name+eq+%22Prod%22', '?filter=title eq "Prod"',
    '?filter=title%20eq%20%22Prod%22',
])
def test_vault_filters_both_attribute_names_and_encodings(client, query):
    r = client.get("/v1/vaults" + query)
    assert r.status_code == 200 and [v["name"] for v in r.body] == ["Prod"]


def test_vault_filter_no_match_is_empty_list(client):
    assert client.get('/v1/vaults?filter=name eq "nope"').body == []


def test_get_vault_and_trailing_slash(client, dev):
    for path in ("/v1/vaults/%s" % dev, "/v1/vaults/%s/" % dev):
        r = client.get(path)
        assert r.status_code == 200 and r.body["id"] == dev and r.body["name"] == "Dev"
    assert client.get("/v1/vaults/").status_code == 200


def test_get_vault_errors(server, client, dev):
    missing = "a" * 26
    r = client.get("/v1/vaults/" + missing)
    assert r.status_code == 404 and r.body["message"] == "vault %s not found" % missing
    r = client.get("/v1/vaults/" + server.vault_id("Prod"), token=server.token(Dev="r"))
    assert r.status_code == 403 and r.body["message"] == "vault %s is not in scope" % server.vault_id("Prod")
    r = client.get("/v1/vaults/Not-An-Id")
    assert r.status_code == 400 and "Invalid vault ID" in r.body["message"]


def test_list_items_summaries_and_filters(client, dev):
    r = client.get("/v1/vaults/%s/items" % dev)
    assert r.status_code == 200
    assert sorted(i["title"] for i in r.body) == ["API key", "Certificates", "Database"]
    for summary in r.body:
        assert "fields" not in summary and "sections" not in summary
        assert summary["vault"] == {"id": dev} and ID.match(summary["id"])
    by_title = client.get('/v1/vaults/%s/items?filter=title+eq+%%22Database%%22' % dev).body
    assert [i["title"] for i in by_title] == ["Database"]
    by_tag = client.get('/v1/vaults/%s/items?filter=tag eq "api"' % dev).body
    assert [i["title"] for i in by_tag] == ["API key"]
    contains = client.get('/v1/vaults/%s/items?filter=title co "cert"' % dev).body
    assert [i["title"] for i in contains] == ["Certificates"]
    assert client.get('/v1/vaults/%s/items?filter=title eq "database"' % dev).body == []
    assert client.get('/v1/vaults/%s/items/?filter=title eq "none"' % dev).body == []


@pytest.mark.parametrize("flt,fragment", [
    ('title eq "Database', "quote"),
    ('title eq Database', "double-quoted"),
    ('title gt "a"', "unsupported operator"),
    ('colour eq "red"', "unsupported attribute"),
    ('title eq "a" xor title eq "b"', "unexpected"),
])
def test_bad_item_filters_are_400(client, dev, flt, fragment):
    r = client.get("/v1/vaults/%s/items" % dev, params={"filter": flt})
    assert r.status_code == 400 and fragment in r.body["message"]


def test_bad_vault_filter_is_400(client):
    r = client.get('/v1/vaults?filter=name eq "x" "y"')
    assert r.status_code == 400 and "Invalid filter" in r.body["message"]


def test_get_item_full_shape(server, client, dev):
    iid = server.item_id("Dev", "Database")
    r = client.get("/v1/vaults/%s/items/%s" % (dev, iid))
    assert r.status_code == 200
    item = r.body
    fields = {f["label"]: f for f in item["fields"]}
    assert fields["username"]["id"] == "username" and fields["username"]["purpose"] == "USERNAME"
    assert fields["password"]["id"] == "password" and fields["password"]["type"] == "CONCEALED"
    assert fields["password"]["entropy"] > 0
    assert fields["host"]["section"] == {"id": "conn"}
    assert item["sections"] == [{"id": "conn", "label": "Connection"}]
    assert item["urls"] == [{"href": "https://db.example.com", "primary": True}]
    assert item["version"] == 1 and item["category"] == "DATABASE"
    otp = fields["one-time password"]
    assert otp["id"].startswith("TOTP_") and re.match(r"^\d{6}$", otp["totp"])


def test_item_not_found_and_bad_ids(client, dev):
    missing = "b" * 26
    r = client.get("/v1/vaults/%s/items/%s" % (dev, missing))
    assert r.status_code == 404 and r.body["message"] == "item %s not found" % missing
    r = client.get("/v1/vaults/%s/items/%s" % ("c" * 26, missing))
    assert r.status_code == 404 and r.body["message"] == "vault %s not found" % ("c" * 26)
    r = client.get("/v1/vaults/%s/items/UPPERCASE" % dev)
    assert r.status_code == 400 and "Invalid item ID" in r.body["message"]


def test_item_in_wrong_vault_is_404(server, client):
    iid = server.item_id("Dev", "Database")
    r = client.get("/v1/vaults/%s/items/%s" % (server.vault_id("Prod"), iid))
    assert r.status_code == 404


def test_create_get_update_delete_cycle(server, client):
    vault = server.vault_id("Empty")
    body = {
        "vault": {"id": vault}, "title": "Web login", "category": "LOGIN",
        "urls": [{"href": "https://example.com", "label": "site"}], "tags": ["web", "web", "team"],
        "fields": [
            {"purpose": "USERNAME", "value": "alice"},
            {"purpose": "PASSWORD", "generate": True, "recipe": {"length": 20, "characterSets": ["LETTERS", "DIGITS"]}},
            {"label": "note", "type": "STRING", "value": "hello"},
        ],
    }
    created = client.post("/v1/vaults/%s/items" % vault, json=body)
    assert created.status_code == 200
    item = created.body
    assert ID.match(item["id"]) and item["version"] == 1 and item["tags"] == ["web", "team"]
    fields = {f["id"]: f for f in item["fields"]}
    password = fields["password"]["value"]
    assert len(password) == 20 and password.isalnum()
    assert fields["password"]["passwordDetails"]["generated"] is True
    note_id = next(f["id"] for f in item["fields"] if f["label"] == "note")
    assert ID.match(note_id)
    assert item["createdAt"] == item["updatedAt"]

    fetched = client.get("/v1/vaults/%s/items/%s" % (vault, item["id"])).body
    assert fetched["fields"] == item["fields"]

    time.sleep(0.01)
    fetched["title"] = "Web login (renamed)"
    fetched["fields"] = [f for f in fetched["fields"] if f["id"] != note_id]
    updated = client.put("/v1/vaults/%s/items/%s" % (vault, item["id"]), json=fetched)
    assert updated.status_code == 200
    assert updated.body["version"] == 2 and updated.body["title"] == "Web login (renamed)"
    assert note_id not in [f["id"] for f in updated.body["fields"]]
    assert updated.body["updatedAt"] > updated.body["createdAt"]
    assert updated.body["createdAt"] == item["createdAt"]
    assert next(f for f in updated.body["fields"] if f["id"] == "password")["value"] == password

    deleted = client.delete("/v1/vaults/%s/items/%s" % (vault, item["id"]))
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get("/v1/vaults/%s/items/%s" % (vault, item["id"])).status_code == 404
    assert client.delete("/v1/vaults/%s/items/%s" % (vault, item["id"])).status_code == 404


def test_vault_counters_follow_item_changes(server, client):
    vault = server.vault_id("Empty")
    before = client.get("/v1/vaults/" + vault).body
    created = client.post("/v1/vaults/%s/items" % vault, json={"title": "counter", "category": "PASSWORD"}).body
    after = client.get("/v1/vaults/" + vault).body
    assert after["items"] == before["items"] + 1 and after["contentVersion"] > before["contentVersion"]
    client.delete("/v1/vaults/%s/items/%s" % (vault, created["id"]))
    assert client.get("/v1/vaults/" + vault).body["items"] == before["items"]


def test_put_mismatched_ids_are_400(server, client, dev):
    iid = server.item_id("Dev", "API key")
    item = client.get("/v1/vaults/%s/items/%s" % (dev, iid)).body
    wrong = dict(item, id="d" * 26)
    r = client.put("/v1/vaults/%s/items/%s" % (dev, iid), json=wrong)
    assert r.status_code == 400 and "does not match the item" in r.body["message"]
    wrong = dict(item, vault={"id": "e" * 26})
    r = client.put("/v1/vaults/%s/items/%s" % (dev, iid), json=wrong)
    assert r.status_code == 400 and "does not match the vault" in r.body["message"]
    assert client.get("/v1/vaults/%s/items/%s" % (dev, iid)).body["version"] == item["version"]


def test_put_unknown_item_is_404(client, server):
    vault = server.vault_id("Empty")
    r = client.put("/v1/vaults/%s/items/%s" % (vault, "f" * 26), json={"title": "x", "category": "LOGIN"})
    assert r.status_code == 404 and r.body["message"] == "item %s not found" % ("f" * 26)


def test_unknown_routes_and_methods(client, dev):
    r = client.get("/v1/nothing", validate=False)
    assert r.status_code == 404 and r.body["status"] == 404
    r = client.request("DELETE", "/v1/vaults/%s" % dev, validate=False)
    assert r.status_code == 405 and r.body["status"] == 405


def test_protocol_errors_are_json(server):
    import json
    import socket

    for raw, status in ((b"BREW /v1/vaults HTTP/1.1\r\nHost: x\r\n\r\n", 501),
                        (b"GET /v1/vaults HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
                        (b"GET /v1/a b HTTP/1.1\r\nHost: x\r\n\r\n", 400)):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(raw)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, dummy, body = data.partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == str(status).encode(), head
        assert b"1Password-Connect-Version" in head and b"application/json" in head
        assert json.loads(body)["status"] == status
