# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""How an item shows in results and diffs: one function per shape.

Field values are left out or masked unless explicitly revealed.
"""

from __future__ import annotations

import copy

from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import field_value
from ansible_collections.secretops.onepassword.plugins.module_utils._item_spec import (
    MASK,
    MASK_CHANGED,
    MASK_GENERATED,
    Generated,
    normalize_value,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import section_of
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import field_attribute, field_entry

_ITEM_KEYS = ("id", "title", "category", "vault", "version", "favorite", "tags", "urls", "state")

#: Connect's timestamps and editor: snake_case in results (as the lookups), camelCase in onepassword.connect's shape.
_STAMP_KEYS = (("createdAt", "created_at"), ("updatedAt", "updated_at"), ("lastEditedBy", "last_edited_by"))


def _section_label(sections, sid):
    for section in sections:
        if section.get("id") == sid:
            return section.get("label")
    return None


def public_item(item, reveal=False, vault=None, camel_case=False):
    """A copy of item for task results; field values only with reveal (DATE values as YYYY-MM-DD)."""
    if not item:
        return {}
    out = {}
    for key in _ITEM_KEYS:
        if key in item:
            out[key] = copy.deepcopy(item[key])
    for key, snake in _STAMP_KEYS:
        if key in item:
            out[key if camel_case else snake] = copy.deepcopy(item[key])
    if vault:
        out["vault"] = {"id": vault.get("id"), "name": vault.get("name")}
    sections = [{"id": s.get("id"), "label": s.get("label")} for s in item.get("sections") or []]
    out["sections"] = sections
    out["fields"] = []
    for field in item.get("fields") or []:
        entry = {"id": field.get("id"), "label": field.get("label"), "type": field.get("type"),
                 "purpose": field.get("purpose") or ""}
        sid = section_of(field)
        if sid:
            entry["section"] = {"id": sid, "label": _section_label(sections, sid)}
        value = field.get("value")
        if reveal:
            entry["value"] = MASK_GENERATED if isinstance(value, Generated) else field_value(field)
            if "totp" in field:
                entry["totp"] = field["totp"]
        else:
            entry["has_value"] = bool(value)
        out["fields"].append(entry)
    out["files"] = [{"id": f.get("id"), "name": f.get("name"), "size": f.get("size")} for f in item.get("files") or []]
    return out


def connect_item(item, vault=None, reveal=True, by_label=True):
    """The item in onepassword.connect's shape: camelCase stamps, vault by id, fields keyed by
    label (a list without by_label); field values only with reveal."""
    if not item:
        return {}
    out = public_item(item, reveal=reveal, vault=vault, camel_case=True)
    if vault:
        out["vault"] = {"id": vault.get("id")}
    keyed = {}
    for field in out.pop("fields"):
        key = field.get("label") or field.get("id")
        if reveal and field.get("section"):
            # onepassword.connect's own revealed shape names the section by id only
            field["section"] = {"id": field["section"]["id"]}
        keyed[key] = field
    out["fields"] = keyed if by_label else list(keyed.values())
    return out


def info_field(item, vault, field):
    """One field of item as field_info returns it, value included (OTP fields with their current code)."""
    entry = field_entry(item, field)
    out = dict((key, entry[key]) for key in ("id", "label", "type", "purpose", "value"))
    out.update(section=entry["section_id"] or "", section_label=entry["section"] or "",
               item_id=item.get("id"), vault_id=vault.get("id"))
    if out["type"] in ("OTP", "TOTP"):
        out["otp"] = field_attribute(field, "otp")
    return out


def diff_view(item, reference=None):
    """A masked, comparable view of item for Ansible's diff output.

    Fields are keyed by "section/label"; values show as <hidden>, or as
    <hidden, changed> when they differ from the same field in reference.
    """
    if not item:
        return {}
    sections = item.get("sections") or []
    ref_fields = {f.get("id"): f for f in (reference or {}).get("fields") or [] if f.get("id")}
    view = {
        "title": item.get("title"),
        "category": item.get("category"),
        "favorite": bool(item.get("favorite")),
        "tags": sorted(item.get("tags") or []),
        "urls": [{"href": u.get("href"), "label": u.get("label") or "", "primary": bool(u.get("primary"))}
                 for u in sorted(item.get("urls") or [], key=lambda u: u.get("href") or "")],
        "sections": sorted(s.get("label") or s.get("id") or "" for s in sections),
        "fields": {},
    }
    for field in item.get("fields") or []:
        sid = section_of(field)
        label = field.get("label") or field.get("id") or ""
        key = "%s/%s" % (_section_label(sections, sid) or sid, label) if sid else label
        value = field.get("value")
        if isinstance(value, Generated):
            shown = MASK_GENERATED
        elif not value:
            shown = ""
        else:
            shown = MASK
            if reference is not None:
                before = ref_fields.get(field.get("id"))
                ftype = field.get("type")
                if before is None or normalize_value(ftype, before.get("value")) != normalize_value(ftype, value):
                    shown = MASK_CHANGED
        entry = {"type": field.get("type"), "value": shown}
        if field.get("purpose"):
            entry["purpose"] = field.get("purpose")
        view["fields"][key] = entry
    return view


def masked_operations(operations):
    """The operations with every field value replaced by a mask (for results)."""
    out = []
    for op in operations:
        op = copy.deepcopy(op)
        value = op.get("value")
        if isinstance(value, dict) and "value" in value:
            value["value"] = MASK if value["value"] else ""
        elif isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and entry.get("value"):
                    entry["value"] = MASK
        out.append(op)
    return out


def file_not_field_message(name, item, vault):
    """The error for a file attachment asked for as a field: how to read it instead."""
    return ('"%s" is a file attachment of item "%s", not a field. Read its content with the secret lookup, '
            "lookup('secretops.onepassword.secret', 'op://%s/%s/%s'), or download it to the target with "
            "secretops.onepassword.field_info and dest." % (
                name, item.get("title"), vault.get("name") or vault.get("id"), item.get("title"), name))
