"""The official Python Connect SDK (onepasswordconnectsdk) against the dev server.

Every response the SDK receives is validated against the OpenAPI spec through
an httpx response hook."""

from __future__ import annotations

import pytest

import onepasswordconnectsdk  # pinned in requirements/devserver.txt: a missing SDK is a failure
from onepasswordconnectsdk.client import new_client  # noqa: E402
from onepasswordconnectsdk.models import Field, Item, ItemVault  # noqa: E402


@pytest.fixture()
def sdk(server, validator):
    client = new_client(server.url, server.token(Dev="rw", Empty="rw"))
    seen = []

    def check(response):
        response.read()
        ctype = response.headers.get("Content-Type", "")
        body = response.json() if "json" in ctype and response.content else response.content or None
        path = response.request.url.raw_path.decode()
        validator.check_response(response.request.method, path, response.status_code, ctype, body, response.headers)
        seen.append((response.request.method, path, response.status_code))

    client.session.event_hooks["response"] = [check]
    client.seen = seen
    return client


def test_sdk_lists_vaults_and_gets_items(server, sdk):
    vaults = sdk.get_vaults()
    assert sorted(v.name for v in vaults) == ["Dev", "Empty"]
    dev = sdk.get_vault_by_title("Dev")
    assert dev.id == server.vault_id("Dev") and sdk.get_vault(dev.id).name == "Dev"
    by_title = sdk.get_item("Database", dev.id)
    by_id = sdk.get_item(by_title.id, dev.id)
    assert by_id.title == "Database" and by_id.id == by_title.id
    assert {f.label: f.value for f in by_id.fields}["password"] == "hunter2-Secret"
    summaries = sdk.get_items(dev.id, 'tag eq "api"')
    assert [s.title for s in summaries] == ["API key"]
    assert len(sdk.seen) >= 6


def test_sdk_create_update_delete(server, sdk):
    vault = server.vault_id("Empty")
    item = Item(vault=ItemVault(id=vault), title="sdk item", category="LOGIN", tags=["sdk"],
                fields=[Field(value="sdk-user", purpose="USERNAME"), Field(generate=True, purpose="PASSWORD")])
    created = sdk.create_item(vault, item)
    assert created.id and created.version == 1
    password = next(f.value for f in created.fields if f.purpose == "PASSWORD")
    assert len(password) == 32
    created.title = "sdk item renamed"
    updated = sdk.update_item(created.id, vault, created)
    assert updated.title == "sdk item renamed" and updated.version == 2
    assert next(f.value for f in updated.fields if f.purpose == "PASSWORD") == password
    sdk.delete_item(created.id, vault)
    with pytest.raises(Exception) as info:
        sdk.get_item_by_id(created.id, vault)
    assert "404" in str(info.value) or "not found" in str(info.value)


def test_sdk_files(server, sdk, tmp_path):
    dev = server.vault_id("Dev")
    item = server.item_id("Dev", "Certificates")
    files = sdk.get_files(item, dev)
    assert [f.name for f in files] == ["ca.pem", "big.bin"]
    one = sdk.get_file(files[0].id, item, dev)
    assert one.size == len("-----BEGIN CERTIFICATE-----\nMIIB\n")
    assert sdk.get_file_content(files[0].id, item, dev).startswith(b"-----BEGIN CERTIFICATE-----")
    assert sdk.get_file_content(files[1].id, item, dev, files[1].content_path) == b"x" * (100 * 1024 + 1)
    sdk.download_file(files[0].id, item, dev, str(tmp_path))
    assert (tmp_path / "ca.pem").read_bytes().startswith(b"-----BEGIN")


def test_sdk_load_dict(server, sdk):
    dev = server.vault_id("Dev")
    values = onepasswordconnectsdk.load_dict(sdk, {
        "user": {"opitem": "Database", "opfield": ".username", "opvault": dev},
        "host": {"opitem": "Database", "opfield": "Connection.host", "opvault": dev},
    })
    assert values == {"user": "admin", "host": "db.internal"}
