# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""A whole item task against the server: find the item, plan, write.

Used by the item, generic_item, item_info and field_info modules; the only
part of the item code that talks to the client.
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectError,
    ConnectNotFoundError,
    ConnectScopeError,
    ItemSpecError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._item_plan import plan_create, plan_update
from ansible_collections.secretops.onepassword.plugins.module_utils._locate import full_item
from ansible_collections.secretops.onepassword.plugins.module_utils._item_spec import new_id


def _find_current(client, vault, item_id, title, policy):
    """(full item or None, how it was found)."""
    if item_id:
        try:
            return client.get_item(vault["id"], item_id), "id"
        except ConnectNotFoundError:
            if not policy.id_miss_finds_by_title or not title:
                raise ConnectNotFoundError('No item with id "%s" in vault "%s".' % (item_id, vault.get("name") or vault["id"]))
    if not title:
        return None, None
    try:
        summary = client.resolve_item(vault, title)
    except ConnectNotFoundError:
        return None, None
    return full_item(summary, lambda found_id: client.get_item(vault["id"], found_id)), "title"


def manage_item(client, spec, vault_ref, item_id=None, state="present", check_mode=False, id_factory=new_id):
    """Bring one item to the state a task asks for.

    Returns a dict: changed, action (created/updated/deleted/none), vault
    (id, name), before and after (full items; after is predicted in check
    mode), operations (the patch sent or that would be sent).
    Raises ItemSpecError (bad task) or the client's ConnectError; nothing is
    written before every check passed. An error raised once the vault is
    known carries ``vault_id`` and ``item_id`` (None when not known) so that
    what a failed write may have touched can be forgotten by caches.
    """
    vault = client.resolve_vault(vault_ref)
    known = {"item_id": item_id}
    try:
        return _manage_in_vault(client, spec, vault, item_id, state, check_mode, id_factory, known)
    except ConnectError as exc:
        exc.vault_id, exc.item_id = vault.get("id"), known["item_id"]
        raise


def _manage_in_vault(client, spec, vault, item_id, state, check_mode, id_factory, known):
    try:
        current, found_by = _find_current(client, vault, item_id, spec.get("title"), spec["policy"])
    except ConnectNotFoundError:
        if state != "absent":
            raise
        current, found_by = None, None  # nothing to delete
    if current is not None:
        known["item_id"] = current.get("id")
    outcome = {"changed": False, "action": "none", "vault": {"id": vault.get("id"), "name": vault.get("name")},
               "before": current, "after": current, "operations": []}
    if state == "absent":
        if current is not None:
            outcome.update(changed=True, action="deleted", after=None)
            if not check_mode:
                try:
                    client.delete_item(vault["id"], current["id"])
                except ConnectNotFoundError:
                    pass  # gone: a retried DELETE whose first answer was lost finds nothing to delete
        return outcome
    if current is None:
        if item_id and not spec.get("title"):
            raise ItemSpecError('No item with id "%s" in vault "%s", and no title to create one with.'
                                % (item_id, vault.get("name") or vault["id"]))
        body, predicted = plan_create(spec, vault["id"], id_factory=id_factory)
        outcome.update(changed=True, action="created", after=predicted)
        if not check_mode:
            outcome["after"] = client.create_item(vault["id"], body)
        return outcome
    if found_by == "title" and not spec["policy"].title_case_renames:
        # The title located the item; matching may have ignored case, which is no rename.
        spec = dict(spec, title=None)
    operations, predicted = plan_update(spec, current, id_factory=id_factory)
    outcome["operations"] = operations
    if operations:
        outcome.update(changed=True, action="updated", after=predicted)
        if not check_mode:
            outcome["after"] = client.patch_item(vault["id"], current["id"], operations)
    return outcome


def locate_item(client, vault_ref, item_ref):
    """(vault, full item) for an item by title or id, in one vault or, without
    vault_ref, in every vault the token can see (an item found in several is
    an ambiguity error)."""
    if vault_ref:
        vault = client.resolve_vault(vault_ref)
        return vault, client.find_item(vault, item_ref)
    found = []
    vaults = client.list_vaults()
    for vault in vaults:
        try:
            found.append((vault, client.find_item(vault, item_ref)))
        except (ConnectNotFoundError, ConnectScopeError):
            continue
    if len(found) == 1:
        return found[0]
    if not found:
        raise ConnectNotFoundError('No item named "%s" in any of the %d vault(s) this token can see.' % (item_ref, len(vaults)))
    listed = ["%s (%s) in vault %s" % (i.get("title"), i.get("id"), v.get("name")) for v, i in found]
    raise ConnectAmbiguousError('%d items match "%s": %s. Set vault, or use the item id.' % (len(found), item_ref, "; ".join(listed)),
                                candidates=listed)
