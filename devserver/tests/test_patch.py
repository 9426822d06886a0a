"""PATCH (RFC 6902 add/remove/replace) on items."""

from __future__ import annotations

import pytest


@pytest.fixture()
def item(server, client):
    vault = server.vault_id("Empty")
    body = {
        "title": "Patch me", "category": "LOGIN", "tags": ["a", "b", "c"], "favorite": False,
        "fields": [
            {"purpose": "USERNAME", "value": "bob"},
            {"purpose": "PASSWORD", "value": "first-password"},
            {"id": "custom", "label": "custom", "type": "STRING", "value": "v1"},
        ],
    }
    created = client.post("/v1/vaults/%s/items" % vault, json=body).body
    yield vault, created
    client.delete("/v1/vaults/%s/items/%s" % (vault, created["id"]))


def _patch(client, vault, item_id, ops):
    return client.patch("/v1/vaults/%s/items/%s" % (vault, item_id), json=ops)


def test_attribute_and_tag_operations(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [
        {"op": "replace", "path": "/title", "value": "Patched"},
        {"op": "replace", "path": "/favorite", "value": True},
        {"op": "remove", "path": "/tags/1"},
        {"op": "add", "path": "/tags/0", "value": "first"},
        {"op": "add", "path": "/tags/-", "value": "last"},
    ])
    assert r.status_code == 200
    assert r.body["title"] == "Patched" and r.body["favorite"] is True
    assert r.body["tags"] == ["first", "a", "c", "last"]
    assert r.body["version"] == it["version"] + 1


def test_field_operations_by_id(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [
        {"op": "replace", "path": "/fields/custom/value", "value": "v2"},
        {"op": "add", "path": "/fields/custom/label", "value": "renamed"},
        {"op": "add", "path": "/fields", "value": {"label": "extra", "type": "EMAIL", "value": "x@example.com"}},
        {"op": "replace", "path": "/fields/username", "value": {"purpose": "USERNAME", "label": "user", "value": "carol"}},
    ])
    assert r.status_code == 200
    fields = {f["id"]: f for f in r.body["fields"]}
    assert fields["custom"]["value"] == "v2" and fields["custom"]["label"] == "renamed"
    assert fields["username"]["value"] == "carol" and fields["username"]["label"] == "user"
    extra = [f for f in r.body["fields"] if f["label"] == "extra"]
    assert len(extra) == 1 and len(extra[0]["id"]) == 26 and extra[0]["type"] == "EMAIL"
    r = _patch(client, vault, it["id"], [{"op": "remove", "path": "/fields/custom"},
                                         {"op": "remove", "path": "/fields/username/value"}])
    fields = {f["id"]: f for f in r.body["fields"]}
    assert "custom" not in fields and "value" not in fields["username"]


def test_replace_whole_item_with_root_path(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [{"op": "replace", "path": "/", "value": {
        "title": "Whole", "category": "LOGIN", "tags": ["t"], "fields": [{"purpose": "PASSWORD", "value": "other"}],
        "id": "z" * 26}}])
    assert r.status_code == 200
    assert r.body["id"] == it["id"] and r.body["title"] == "Whole" and r.body["tags"] == ["t"]
    assert [f["id"] for f in r.body["fields"]] == ["password"]
    assert r.body["fields"][0]["passwordDetails"]["history"] == ["first-password"]


def test_empty_patch_is_unchanged(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [])
    assert r.status_code == 200 and r.body["version"] == it["version"] and r.body["updatedAt"] == it["updatedAt"]


def test_generate_through_patch(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [{"op": "replace", "path": "/fields/password", "value": {
        "purpose": "PASSWORD", "generate": True, "recipe": {"length": 40, "characterSets": ["DIGITS"]}}}])
    pw = next(f for f in r.body["fields"] if f["id"] == "password")
    assert pw["value"].isdigit() and len(pw["value"]) == 40
    assert pw["passwordDetails"]["history"] == ["first-password"]


@pytest.mark.parametrize("ops,fragment", [
    ({"op": "replace", "path": "/title", "value": "x"}, "JSON array"),
    ([{"op": "move", "path": "/title", "from": "/x"}], "only add, remove and replace"),
    ([{"op": "replace", "path": "/nope", "value": 1}], "no attribute"),
    ([{"op": "replace", "path": "/version", "value": 9}], "read-only"),
    ([{"op": "replace", "path": "title", "value": "x"}], "must start with"),
    ([{"op": "replace", "path": "/fields/missing/value", "value": "x"}], "doesn't have a missing field"),
    ([{"op": "remove", "path": "/fields/missing"}], "doesn't have a missing field"),
    ([{"op": "remove", "path": "/tags/9"}], "out of range"),
    ([{"op": "replace", "path": "/title"}], "needs a value"),
    ([{"op": "remove", "path": "/"}], "cannot be removed"),
    ([{"op": "replace", "path": "/title", "value": 5}], "title: must be a string"),
    ([{"op": "add", "path": "/fields", "value": {"purpose": "USERNAME", "value": "dup"}}], "only one field with purpose USERNAME"),
    (["not-an-object"], "must be an object"),
])
def test_bad_patches_are_400_and_store_nothing(client, item, ops, fragment):
    vault, it = item
    r = _patch(client, vault, it["id"], [{"op": "replace", "path": "/title", "value": "changed"}] + ops
               if isinstance(ops, list) else ops)
    assert r.status_code == 400, r.body
    assert fragment in r.body["message"]
    now = client.get("/v1/vaults/%s/items/%s" % (vault, it["id"])).body
    assert now["title"] == "Patch me" and now["version"] == it["version"]


def test_patch_needs_write_scope(server, client, item):
    vault, it = item
    r = client.patch("/v1/vaults/%s/items/%s" % (vault, it["id"]), json=[], token=server.token(Empty="r"))
    assert r.status_code == 403


def test_patch_unknown_item_is_404(client, server):
    vault = server.vault_id("Empty")
    r = _patch(client, vault, "g" * 26, [{"op": "replace", "path": "/title", "value": "x"}])
    assert r.status_code == 404


def test_setting_generate_on_an_existing_field_regenerates(client, item):
    vault, it = item
    r = _patch(client, vault, it["id"], [
        {"op": "add", "path": "/fields/password/generate", "value": True},
        {"op": "add", "path": "/fields/password/recipe", "value": {"length": 12, "characterSets": ["LETTERS"]}}])
    pw = next(f for f in r.body["fields"] if f["id"] == "password")
    assert pw["value"] != "first-password" and len(pw["value"]) == 12 and pw["value"].isalpha()
    assert pw["passwordDetails"]["generated"] is True and pw["passwordDetails"]["history"] == ["first-password"]
