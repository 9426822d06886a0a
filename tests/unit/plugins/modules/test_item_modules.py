# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The item modules' main() with a fake Connect client: results, check mode, errors."""

from __future__ import annotations

import copy
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_plan, _item_spec, _module
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectNotFoundError, ConnectScopeError
from ansible_collections.secretops.onepassword.plugins.modules import field_info, generic_item, item, item_info, vault_info

VAULT = {"id": "v" * 26, "name": "Prod"}
SECRET = "very-secret-value"


class FakeClient(object):
    """An in-memory vault; counts writes."""

    def __init__(self, settings=None, warn=None, read_only=False):
        self.items = {}
        self.writes = []
        self.read_only = read_only
        self.counter = 0

    def close(self):
        pass

    def list_vaults(self, name=None):
        return [dict(VAULT)]

    def resolve_vault(self, ref):
        if ref in (VAULT["id"], VAULT["name"]):
            return dict(VAULT)
        raise ConnectNotFoundError('No vault named "%s".' % ref)

    def get_vault(self, vault_id):
        return dict(VAULT, items=len(self.items))

    def get_item(self, vault_id, item_id):
        if item_id not in self.items:
            raise ConnectNotFoundError("item %s not found" % item_id)
        return copy.deepcopy(self.items[item_id])

    def find_item(self, vault, ref):
        return self.get_item(VAULT["id"], self.resolve_item(vault, ref)["id"])

    def resolve_item(self, vault, ref):
        matches = [i for i in self.items.values() if i["id"] == ref or i["title"] == ref]
        if not matches:
            raise ConnectNotFoundError('No item named "%s".' % ref)
        return copy.deepcopy(matches[0])

    def _next(self):
        self.counter += 1
        return "%026d" % self.counter

    def _store(self, item):
        for field in item["fields"]:
            field.setdefault("id", self._next())
            if field.get("value") == _item_spec.GENERATED or field.pop("generate", False):
                field.pop("recipe", None)
                field["value"] = "gen-%s" % self._next()
        self.items[item["id"]] = item
        return copy.deepcopy(item)

    def _write(self, what):
        if self.read_only:
            raise ConnectScopeError("vault %s is not in scope for writing" % VAULT["id"], status=403)
        self.writes.append(what)

    def create_item(self, vault_id, body):
        self._write("POST")
        item = copy.deepcopy(body)
        item["id"] = self._next()
        return self._store(item)

    def patch_item(self, vault_id, item_id, operations):
        self._write("PATCH")
        raw = copy.deepcopy(operations)
        item = _item_plan.apply_operations(self.items[item_id], raw)
        return self._store(item)

    def delete_item(self, vault_id, item_id):
        self._write("DELETE")
        del self.items[item_id]


@pytest.fixture
def client(monkeypatch):
    fake = FakeClient()
    monkeypatch.setattr(_module, "ConnectClient", lambda settings, warn=None: fake)
    return fake


def run(module, args, capsys, check=False, diff=False):
    args = dict({"host": "http://127.0.0.1:1", "token": "t.o.k"}, **args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


LOGIN = {"vault": "Prod", "title": "web", "category": "LOGIN",
         "fields": [{"label": "username", "value": "alice", "purpose": "USERNAME"},
                    {"label": "password", "value": SECRET, "purpose": "PASSWORD"}],
         "tags": ["a"]}


def test_item_four_steps(client, capsys):
    first = run(item, LOGIN, capsys, check=True, diff=True)
    assert first["changed"] is True and client.writes == []
    assert SECRET not in json.dumps(first)
    assert first["diff"]["after"]["fields"]["password"]["value"] == _item_spec.MASK_CHANGED
    second = run(item, LOGIN, capsys)
    assert second["changed"] is True and client.writes == ["POST"]
    assert SECRET not in json.dumps(second) and second["item_id"]
    third = run(item, LOGIN, capsys)
    assert third["changed"] is False and client.writes == ["POST"]
    fourth = run(item, LOGIN, capsys, check=True)
    assert fourth["changed"] is False and client.writes == ["POST"]


def test_item_update_sends_patch_of_named_field(client, capsys):
    run(item, LOGIN, capsys)
    result = run(item, {"vault": "Prod", "title": "web", "fields": [{"label": "username", "value": "bob"}]}, capsys)
    assert result["changed"] is True and client.writes == ["POST", "PATCH"]
    assert [op["op"] for op in result["operations"]] == ["replace"]
    stored = list(client.items.values())[0]
    assert [f["value"] for f in stored["fields"]] == ["bob", SECRET] and stored["tags"] == ["a"]


def test_item_reveal(client, capsys):
    args = dict(LOGIN, reveal=True, fields=[{"label": "username", "value": "alice"}, {"label": "key", "generate": "on_create"}])
    result = run(item, args, capsys)
    generated = list(client.items.values())[0]["fields"][1]["value"]
    # Revealed values come back as stored (the action plugin hides the output); the invocation masks them.
    assert [f["value"] for f in result["item"]["fields"]] == ["alice", generated]
    assert result["invocation"]["module_args"]["fields"][0]["value"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "has_value" in run(item, LOGIN, capsys)["item"]["fields"][0]


def test_item_bad_input_no_write(client, capsys):
    result = run(item, dict(LOGIN, category="CUSTOM"), capsys)
    assert result["failed"] is True and "cannot be created" in result["msg"] and client.writes == []


def test_item_missing_vault(client, capsys):
    result = run(item, dict(LOGIN, vault="Nope"), capsys)
    assert result["failed"] is True and 'No vault named "Nope"' in result["msg"]


def test_item_read_only_token(client, capsys):
    client.read_only = True
    result = run(item, LOGIN, capsys)
    assert result["failed"] is True and "not in scope" in result["msg"] and result["status"] == 403


def test_item_absent(client, capsys):
    run(item, LOGIN, capsys)
    assert run(item, {"vault": "Prod", "title": "web", "state": "absent"}, capsys, check=True)["changed"] is True
    assert len(client.items) == 1
    assert run(item, {"vault": "Prod", "title": "web", "state": "absent"}, capsys)["changed"] is True
    assert client.items == {}
    assert run(item, {"vault": "Prod", "title": "web", "state": "absent"}, capsys)["changed"] is False
    assert run(item, {"vault": "Prod", "id": "x" * 26, "state": "absent"}, capsys)["changed"] is False
    assert run(generic_item, {"vault_id": "Prod", "uuid": "x" * 26, "state": "absent"}, capsys)["changed"] is False
    missing = run(item, {"vault": "Prod", "id": "x" * 26, "fields": [{"label": "a", "value": "bcd"}]}, capsys)
    assert missing["failed"] is True and "No item with id" in missing["msg"]


def test_generic_item_compat(client, capsys):
    args = {"vault_id": VAULT["id"], "name": "club", "category": "password",
            "fields": [{"label": "password", "field_type": "concealed", "generate_value": "on_create",
                        "generator_recipe": {"length": 16, "include_symbols": False}},
                       {"label": "Codeword", "value": SECRET, "section": "Personal"}]}
    first = run(generic_item, args, capsys)
    assert first["changed"] is True and first["op_item"]["category"] == "PASSWORD"
    assert first["op_item"]["fields"]["password"]["purpose"] == "PASSWORD"
    assert first["op_item"]["fields"]["Codeword"]["section"]["id"] == first["op_item"]["sections"][0]["id"]
    # op_item holds the values (the action plugin hides the output); nothing else does
    assert first["op_item"]["fields"]["Codeword"]["value"] == SECRET
    assert SECRET not in json.dumps(dict((k, v) for k, v in first.items() if k != "op_item"))
    again = run(generic_item, args, capsys)
    assert again["changed"] is False and client.writes == ["POST"]
    assert again["op_item"]["fields"]["password"]["value"] == first["op_item"]["fields"]["password"]["value"]
    fewer = dict(args, fields=args["fields"][:1])
    result = run(generic_item, fewer, capsys)
    assert result["changed"] is True and "Codeword" not in result["op_item"]["fields"]


def test_info_modules(client, capsys):
    run(item, dict(LOGIN, sections=["S"], fields=LOGIN["fields"] + [{"label": "host", "value": "h1", "section": "S"}]), capsys)
    info = run(item_info, {"item": "web", "vault": "Prod"}, capsys)
    assert info["item"]["title"] == "web" and SECRET not in json.dumps(info)
    assert info["op_item"]["fields"]["password"]["has_value"] is True
    revealed = run(item_info, {"item": "web", "reveal": True}, capsys)
    assert revealed["op_item"]["fields"]["password"]["value"] == SECRET
    one = run(item_info, {"item": "web", "field": "password"}, capsys)
    assert one["field"] == SECRET
    fld = run(field_info, {"item": "web", "vault": "Prod", "field": "HOST", "section": "s"}, capsys)
    assert fld["field"]["value"] == "h1" and fld["field"]["section_label"] == "S"
    missing = run(field_info, {"item": "web", "vault": "Prod", "field": "nope"}, capsys)
    assert missing["failed"] is True and missing["field"] == {} and '"nope"' in missing["msg"]
    vaults = run(vault_info, {}, capsys)
    assert vaults["vaults"][0]["id"] == VAULT["id"]
    assert run(vault_info, {"vault": "Prod"}, capsys)["vault"]["name"] == "Prod"


def test_vault_info_keys_are_snake_case():
    connect = {"id": "v" * 26, "name": "Prod", "description": "", "type": "USER_CREATED", "items": 3,
               "contentVersion": 7, "attributeVersion": 1, "createdAt": "2026-01-01T00:00:00Z",
               "updatedAt": "2026-01-02T00:00:00Z"}
    shown = vault_info.public_vault(connect)
    assert shown == {"id": "v" * 26, "name": "Prod", "description": "", "type": "USER_CREATED", "item_count": 3,
                     "content_version": 7, "attribute_version": 1, "created_at": "2026-01-01T00:00:00Z",
                     "updated_at": "2026-01-02T00:00:00Z"}
    assert vault_info.public_vault({"id": "x", "name": "n"}) == {"id": "x", "name": "n"}


def test_failed_write_returns_ids_and_no_value_connect_echoed(client, capsys, monkeypatch):
    from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectBadRequestError

    run(item, LOGIN, capsys)
    item_id = list(client.items)[0]
    patch_item = client.patch_item

    def rejecting_patch(vault_id, item_id, operations):
        raise ConnectBadRequestError('Cannot update item "web" in vault "Prod": Connect answered 400: value '
                                     "'%s' is not allowed." % SECRET, status=400)

    monkeypatch.setattr(client, "patch_item", rejecting_patch)
    result = run(item, dict(LOGIN, fields=[{"label": "password", "value": SECRET + "-2"}, {"label": "x", "value": SECRET}]), capsys)
    assert result["failed"] is True and (result["vault_id"], result["item_id"]) == (VAULT["id"], item_id)
    assert result["msg"] == 'Cannot update item "web" in vault "Prod": Connect answered 400: value \'<hidden>\' is not allowed.'
    assert SECRET not in json.dumps(result)
    # A value that also occurs in the title and tags leaves them intact.
    monkeypatch.setattr(client, "patch_item", patch_item)
    shown = run(item, dict(LOGIN, title="web", tags=["web-a"], fields=[{"label": "username", "value": "web"}]), capsys)
    assert shown["item"]["title"] == "web" and shown["item"]["tags"] == ["web-a"] and shown["item_id"] == item_id


def test_delete_answered_404_counts_as_deleted(client, capsys, monkeypatch):
    run(item, LOGIN, capsys)

    def already_gone(vault_id, item_id):
        del client.items[item_id]
        raise ConnectNotFoundError("item not found")

    monkeypatch.setattr(client, "delete_item", already_gone)
    result = run(item, {"vault": "Prod", "title": "web", "state": "absent"}, capsys)
    assert result["changed"] is True and result["action"] == "deleted" and "failed" not in result
