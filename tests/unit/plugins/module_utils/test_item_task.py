# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _item_task: finding the item a task names, and what each policy does when it is not found."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_task as item_task
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectAmbiguousError, ConnectNotFoundError

VAULTS = [{"id": "a" * 26, "name": "Dev"}, {"id": "b" * 26, "name": "Prod"}]
ITEM_ID = "i" * 26


class Vaults(object):
    """Items held in memory per vault, found by id or by title ignoring case; records writes."""

    def __init__(self, items):
        self.items = items  # vault id -> list of items
        self.writes = []

    def list_vaults(self):
        return copy.deepcopy(VAULTS)

    def resolve_vault(self, ref):
        return next(dict(v) for v in VAULTS if ref in (v["id"], v["name"]))

    def get_item(self, vault_id, item_id):
        for item in self.items.get(vault_id, []):
            if item["id"] == item_id:
                return copy.deepcopy(item)
        raise ConnectNotFoundError("item %s not found" % item_id)

    def resolve_item(self, vault, ref):
        for item in self.items.get(vault["id"], []):
            if ref in (item["id"], item["title"]) or ref.casefold() == item["title"].casefold():
                return copy.deepcopy(item)
        raise ConnectNotFoundError('No item named "%s".' % ref)

    find_item = resolve_item

    def patch_item(self, vault_id, item_id, operations):
        self.writes.append(("PATCH", item_id, operations))
        return self.get_item(vault_id, item_id)

    def create_item(self, vault_id, body):
        self.writes.append(("POST", body["title"]))
        return dict(copy.deepcopy(body), id="n" * 26)


def web_item(title="Web"):
    return {"id": ITEM_ID, "title": title, "category": "LOGIN", "fields": [], "sections": [], "tags": [], "urls": []}


def test_an_unknown_id_is_an_error_for_item_and_falls_back_to_the_title_for_generic_item():
    store = Vaults({VAULTS[0]["id"]: [web_item()]})
    task = {"title": "Web", "category": "login", "fields": [{"label": "host", "value": "h"}]}
    with pytest.raises(ConnectNotFoundError, match='No item with id "%s" in vault "Dev"' % ("z" * 26)) as raised:
        item_task.manage_item(store, item_spec.build_spec(task), "Dev", item_id="z" * 26)
    assert raised.value.vault_id == VAULTS[0]["id"] and store.writes == []
    outcome = item_task.manage_item(store, item_spec.build_spec(task, item_spec.GENERIC_ITEM_POLICY), "Dev", item_id="z" * 26)
    assert outcome["action"] == "updated" and store.writes[0][:2] == ("PATCH", ITEM_ID)


def test_a_title_found_ignoring_case_renames_only_with_generic_item():
    store = Vaults({VAULTS[0]["id"]: [web_item("web")]})
    outcome = item_task.manage_item(store, item_spec.build_spec({"title": "WEB"}), "Dev")
    assert outcome["changed"] is False and store.writes == []
    outcome = item_task.manage_item(store, item_spec.build_spec({"title": "WEB"}, item_spec.GENERIC_ITEM_POLICY), "Dev")
    assert {"op": "replace", "path": "/title", "value": "WEB"} in outcome["operations"]


def test_locate_item_searches_every_vault_and_refuses_an_ambiguous_title():
    store = Vaults({VAULTS[1]["id"]: [web_item()]})
    vault, item = item_task.locate_item(store, None, "Web")
    assert vault["name"] == "Prod" and item["id"] == ITEM_ID
    store.items[VAULTS[0]["id"]] = [web_item()]
    with pytest.raises(ConnectAmbiguousError, match='2 items match "Web"'):
        item_task.locate_item(store, None, "Web")
    with pytest.raises(ConnectNotFoundError, match='No item named "Nope" in any of the 2 vault'):
        item_task.locate_item(store, None, "Nope")
