"""401 / 403 / 404 on every data endpoint."""

from __future__ import annotations

import pytest

ENDPOINTS = [
    ("GET", "/v1/vaults/{v}"),
    ("GET", "/v1/vaults/{v}/items"),
    ("POST", "/v1/vaults/{v}/items"),
    ("GET", "/v1/vaults/{v}/items/{i}"),
    ("PUT", "/v1/vaults/{v}/items/{i}"),
    ("PATCH", "/v1/vaults/{v}/items/{i}"),
    ("DELETE", "/v1/vaults/{v}/items/{i}"),
    ("GET", "/v1/vaults/{v}/items/{i}/files"),
    ("GET", "/v1/vaults/{v}/items/{i}/files/{f}"),
    ("GET", "/v1/vaults/{v}/items/{i}/files/{f}/content"),
]
BODIES = {"POST": {"title": "x", "category": "LOGIN"}, "PUT": {"title": "x", "category": "LOGIN"}, "PATCH": []}


def _ids(server):
    vault = server.vault_id("Dev")
    item = server.item_id("Dev", "Certificates")
    file_id = server.store.list_files(item)[0]["id"]
    return vault, item, file_id


@pytest.mark.parametrize("method,template", ENDPOINTS + [("GET", "/v1/vaults"), ("GET", "/v1/activity")])
def test_no_token_is_401(server, client, method, template):
    vault, item, file_id = _ids(server)
    r = client.request(method, template.format(v=vault, i=item, f=file_id), token=None, json=BODIES.get(method))
    assert r.status_code == 401


@pytest.mark.parametrize("method,template", ENDPOINTS)
def test_unknown_vault_is_404(server, client, method, template):
    _vault, item, file_id = _ids(server)
    missing = "0" * 26
    r = client.request(method, template.format(v=missing, i=item, f=file_id), json=BODIES.get(method))
    assert r.status_code == 404 and r.body["message"] == "vault %s not found" % missing


@pytest.mark.parametrize("method,template", ENDPOINTS)
def test_out_of_scope_vault_is_403(server, client, method, template):
    vault, item, file_id = _ids(server)
    r = client.request(method, template.format(v=vault, i=item, f=file_id), json=BODIES.get(method),
                       token=server.token(Prod="rw"))
    assert r.status_code == 403 and r.body["message"] == "vault %s is not in scope" % vault
    assert server.store.get_item(vault, item)["version"] == 1


@pytest.mark.parametrize("method,template", [e for e in ENDPOINTS if "{i}" in e[1]])
def test_unknown_item_is_404(server, client, method, template):
    vault, _item, file_id = _ids(server)
    missing = "1" * 26
    r = client.request(method, template.format(v=vault, i=missing, f=file_id), json=BODIES.get(method))
    assert r.status_code == 404 and r.body["message"] == "item %s not found" % missing
