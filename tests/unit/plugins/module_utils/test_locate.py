# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one locator of vaults and items: which reads it asks for, and in which order."""

from __future__ import annotations

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectBadRequestError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._locate import (
    item_by_title,
    locate_item,
    locate_vault,
)

VAULT = {"id": "v" * 25 + "1", "name": "Prod"}
ID_LIKE = "backupkey2026releasesigner"


class Reads(object):
    """Answers like Connect from a list of items, and records each read."""

    def __init__(self, items, refuse_filter=False):
        self.items = items
        self.refuse_filter = refuse_filter
        self.log = []

    def get(self, item_id):
        self.log.append(("get", item_id))
        for item in self.items:
            if item["id"] == item_id:
                return item
        raise ConnectNotFoundError("item %s not found" % item_id)

    def list_items(self, vault_id, title=None):
        self.log.append(("list", title))
        if title is not None and self.refuse_filter:
            raise ConnectBadRequestError("bad filter")
        return [i for i in self.items if title is None or i["title"] == title]


def test_a_title_shaped_like_an_id_is_read_by_id_once_then_searched_by_title():
    reads = Reads([{"id": "i" * 26, "title": ID_LIKE}])
    found = locate_item(VAULT, ID_LIKE, reads.get, lambda title: item_by_title(VAULT, title, reads.list_items))
    assert found["id"] == "i" * 26
    assert reads.log == [("get", ID_LIKE), ("list", ID_LIKE)]


def test_a_refused_filter_falls_back_to_the_whole_list_case_insensitively():
    reads = Reads([{"id": "i" * 26, "title": "Web"}], refuse_filter=True)
    assert item_by_title(VAULT, "web", reads.list_items)["title"] == "Web"
    assert reads.log == [("list", "web"), ("list", None)]


@pytest.mark.parametrize("ref", ["", "  ", None, 3])
def test_an_empty_or_odd_reference_is_refused_naming_the_vault(ref):
    with pytest.raises(ConnectBadRequestError) as info:
        locate_item(VAULT, ref, None, None)
    assert 'in vault "Prod"' in str(info.value)


def test_no_vault_at_all_is_said_so():
    with pytest.raises(ConnectNotFoundError) as info:
        locate_vault("Prod", None, lambda name=None: [])
    assert "this token gives access to no vault" in str(info.value)


def test_a_vault_id_that_is_a_name_is_read_once_then_filtered():
    log = []

    def get_vault(vault_id):
        log.append(("get", vault_id))
        raise ConnectNotFoundError("no such vault")

    def list_vaults(name=None):
        log.append(("list", name))
        return [{"id": "v" * 26, "name": ID_LIKE}]

    assert locate_vault(ID_LIKE, get_vault, list_vaults)["id"] == "v" * 26
    assert log == [("get", ID_LIKE), ("list", ID_LIKE)]
