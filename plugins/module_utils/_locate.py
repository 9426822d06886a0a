# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Finding a vault or an item by id or by name: the one set of rules.

The client (ConnectClient.resolve_vault / resolve_item) and the lookups'
cached fetcher (plugin_utils/_fetch.py) both call these functions and pass
how to read by id and how to list; the rules live here only:

- a reference shaped like an id is read by id first; when Connect answers
  404 it may still be a name, so the name search follows, and the id is never
  asked for a second time;
- a name is filtered server side (`eq`, quotes escaped); when that finds
  nothing (or Connect refuses the filter), the whole list is matched with the
  rules of _matching.py (case-insensitive, ambiguity and suggestions).
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectBadRequestError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import (
    looks_like_id,
    pick_one,
)


def locate_vault(ref, get_vault, list_vaults):
    """The vault dict for an id or a name.

    get_vault(vault_id) reads one vault; list_vaults(name=None) lists them,
    filtered by name when one is given.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ConnectBadRequestError("A vault name or id is required, got %r." % (ref,))
    if looks_like_id(ref):
        try:
            return get_vault(ref)
        except ConnectNotFoundError:
            pass  # maybe a name that looks like an id
    try:
        matches = list_vaults(name=ref)
    except ConnectBadRequestError:
        matches = []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        return pick_one(matches, ref, "vault")
    vaults = list_vaults()
    if not vaults:
        raise ConnectNotFoundError('No vault named "%s": this token gives access to no vault.' % ref)
    return pick_one(vaults, ref, "vault", where="among the %d vault(s) this token can see" % len(vaults))


def locate_item(vault, ref, get_item, by_title):
    """What get_item(item_id) or by_title(title) returns for an item id or title in the vault dict.

    by_title is usually item_by_title bound to a way of listing the items.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ConnectBadRequestError("An item title or id is required %s, got %r." % (_in_vault(vault), ref))
    if looks_like_id(ref):
        try:
            return get_item(ref)
        except ConnectNotFoundError:
            pass  # maybe a title that looks like an id
    return by_title(ref)


def item_by_title(vault, title, list_items):
    """The item summary titled title in the vault dict.

    list_items(vault_id, title=None) lists the vault's items, filtered by
    title when one is given.
    """
    where = _in_vault(vault)
    try:
        matches = list_items(vault["id"], title=title)
    except ConnectBadRequestError:
        matches = []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        return pick_one(matches, title, "item", where=where, name_key="title")
    return pick_one(list_items(vault["id"]), title, "item", where=where, name_key="title")


def full_item(item, get_item):
    """item when locate_item gave the full item (found by id), else get_item(id) of the summary."""
    if "fields" in item or "sections" in item:  # a summary carries neither
        return item
    return get_item(item["id"])


def _in_vault(vault):
    return 'in vault "%s"' % (vault.get("name") or vault["id"])
