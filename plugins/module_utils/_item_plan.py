# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""What to send to turn the item the server holds into what a task asks for.

- ``plan_create(spec, vault_id)`` returns the POST body of a new item and the
  item predicted to result.
- ``plan_update(spec, current)`` returns the RFC 6902 operations that turn the
  current item into what the task asks for, touching only what the task names
  (or, with ``exact``, also removing what it does not name), and the item
  predicted to result. No operations means nothing to change.
- ``apply_operations(item, operations)`` applies such operations locally (used
  for check mode predictions and tests).

Pure functions, no HTTP.
"""

from __future__ import annotations

import copy

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError
from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import date_for_connect
from ansible_collections.secretops.onepassword.plugins.module_utils._item_spec import (
    CREATABLE_CATEGORIES,
    GENERATED,
    NOTES_FIELD_ID,
    UNIQUE_PURPOSES,
    WRITABLE_FIELD_KEYS,
    describe_field,
    new_id,
    normalize_category,
    normalize_value,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import find_all, fold, section_of


def find_section(sections, ref):
    """The section of sections matching ref by _matching's rules (id, exact label, folded label), or None.

    Several sections with the id count as the first one (Connect keeps ids
    unique); several with the label are an error naming their ids.
    """
    if not ref:
        return None
    found = find_all(sections, ref, name_key="label")
    if len(found) > 1 and found[0].get("id") != ref:
        raise ItemSpecError('Section "%s" is ambiguous: %d sections have that label; use its id (%s).'
                            % (ref, len(found), ", ".join(s.get("id") or "" for s in found)))
    return found[0] if found else None


def _match_field(spec_field, fields, section_id, used):
    """The current field a spec field names, or None."""
    if spec_field["id"]:
        for field in fields:
            if field.get("id") == spec_field["id"]:
                return field
        return None
    label = spec_field["label"]
    if label:
        if spec_field["section"] is not None:
            pools = [[f for f in fields if section_of(f) == section_id]]
        else:
            pools = [[f for f in fields if not section_of(f)], list(fields)]
        for pool in pools:
            for tier in (lambda f: (f.get("label") or "") == label, lambda f: fold(f.get("label")) == fold(label)):
                found = [f for f in pool if tier(f)]
                if len(found) > 1:
                    raise ItemSpecError('Field "%s" is ambiguous: %d fields have that label; use its id (%s).'
                                        % (label, len(found), ", ".join(f.get("id") or "" for f in found)))
                if found:
                    return found[0]
    purpose = spec_field["purpose"]
    if purpose in UNIQUE_PURPOSES:
        for field in fields:
            if (field.get("purpose") or "") == purpose and field.get("id") not in used:
                return field
    return None


def writable_field(field):
    """A field reduced to what a client may send."""
    out = {}
    for key in WRITABLE_FIELD_KEYS:
        if key in field and field[key] is not None:
            out[key] = copy.deepcopy(field[key])
    return out


def _field_differs(current, desired):
    for key in ("label", "type", "purpose"):
        if (current.get(key) or "") != (desired.get(key) or ""):
            return True
    if (section_of(current) or None) != (section_of(desired) or None):
        return True
    if desired.get("generate"):
        return True
    ftype = desired.get("type") or current.get("type")
    return normalize_value(ftype, current.get("value")) != normalize_value(ftype, desired.get("value"))


def _check_unique_purposes(fields):
    seen = {}
    for field in fields:
        purpose = field.get("purpose") or ""
        if purpose in UNIQUE_PURPOSES:
            seen.setdefault(purpose, []).append('"%s"' % (field.get("label") or field.get("id")))
    for purpose, names in sorted(seen.items()):
        if len(names) > 1:
            raise ItemSpecError("Only one field can have purpose %s, but the item would have %s." % (purpose, " and ".join(names)))


def _value_to_send(ftype, value, where):
    """The value as Connect takes it (DATE: YYYY-MM-DD)."""
    if ftype == "DATE" and value:
        return date_for_connect(value, where + ".value")
    return value


def _new_field(spec_field, section_id, generate, where="field"):
    ftype = spec_field["type"] or ("CONCEALED" if spec_field["purpose"] == "PASSWORD" else "STRING")
    field = {"label": spec_field["label"] or spec_field["id"] or spec_field["purpose"].lower(),
             "type": ftype, "purpose": spec_field["purpose"] or ""}
    if spec_field["id"]:
        field["id"] = spec_field["id"]
    if section_id:
        field["section"] = {"id": section_id}
    if generate:
        field["generate"] = True
        if spec_field["recipe"]:
            field["recipe"] = dict(spec_field["recipe"])
    else:
        field["value"] = _value_to_send(ftype, spec_field["value"], where) if spec_field["value"] is not None else ""
    return field


def _notes_field(fields):
    for field in fields:
        if field.get("id") == NOTES_FIELD_ID or (field.get("purpose") or "") == "NOTES":
            return field
    return None


def _plan_sections(spec, current_sections, id_factory):
    """(final section list, new sections) after declaring spec sections."""
    sections = [dict(s) for s in current_sections]
    new = []
    for declared in spec["sections"] or []:
        found = find_section(sections, declared["id"]) if declared["id"] else None
        if found is None and declared["label"]:
            found = find_section(sections, declared["label"])
        if found is None:
            section = {"id": declared["id"] or id_factory(), "label": declared["label"] or declared["id"]}
            sections.append(section)
            new.append(section)
        elif declared["label"] and found.get("label") != declared["label"] and declared["id"]:
            found["label"] = declared["label"]
    return sections, new


def _resolve_field_section(spec, spec_field, index, sections, new_sections, id_factory, title):
    ref = spec_field["section"]
    if ref is None:
        return None
    found = find_section(sections, ref)
    if found is not None:
        return found["id"]
    if spec["policy"].create_undeclared_sections:
        section = {"id": id_factory(), "label": ref}
        sections.append(section)
        new_sections.append(section)
        return section["id"]
    raise ItemSpecError('%s: section "%s" does not exist in item "%s"; declare it under sections.'
                        % (describe_field(index, spec_field), ref, title or ""))


def plan_create(spec, vault_id, id_factory=new_id):
    """(POST body, predicted item) for a new item."""
    if not spec["title"]:
        raise ItemSpecError("title is required to create an item.")
    if not spec["category"]:
        raise ItemSpecError('category is required to create item "%s". Valid categories: %s.'
                            % (spec["title"], ", ".join(CREATABLE_CATEGORIES)))
    normalize_category(spec["category"], for_create=True)
    sections, new_sections = _plan_sections(spec, [], id_factory)
    fields = []
    for index, spec_field in enumerate(spec["fields"] or []):
        sid = _resolve_field_section(spec, spec_field, index, sections, new_sections, id_factory, spec["title"])
        fields.append(_new_field(spec_field, sid, spec_field["generate"] != "never", "fields[%d]" % index))
    if spec["notes"] is not None:
        fields.append({"id": NOTES_FIELD_ID, "label": NOTES_FIELD_ID, "type": "STRING", "purpose": "NOTES",
                       "value": spec["notes"]})
    _check_unique_purposes(fields)
    body = {
        "title": spec["title"],
        "category": spec["category"],
        "vault": {"id": vault_id},
        "favorite": bool(spec["favorite"]),
        "tags": list(spec["tags"] or []),
        "fields": fields,
    }
    if spec["urls"]:
        body["urls"] = _api_urls(spec["urls"])
    if sections:
        body["sections"] = sections
    predicted = copy.deepcopy(body)
    predicted.setdefault("urls", [])
    predicted.setdefault("sections", [])
    for field in predicted["fields"]:
        if field.pop("generate", False):
            field.pop("recipe", None)
            field["value"] = GENERATED
    return body, predicted


def _api_urls(urls):
    out = []
    for url in urls:
        entry = {"href": url["href"]}
        if url["label"]:
            entry["label"] = url["label"]
        if url["primary"]:
            entry["primary"] = True
        out.append(entry)
    return out


def _urls_key(urls):
    return sorted((u.get("href") or "", u.get("label") or "", bool(u.get("primary"))) for u in urls or [])


def _section_ops(current_sections, final_sections):
    """Operations turning current_sections into final_sections.

    Sections only added are appended one by one (add /sections/-), so
    sections another writer adds at the same time are kept; a rename or a
    removal (exact) replaces the list.
    """
    current = [dict(s) for s in current_sections]
    final = [dict(s) for s in final_sections]
    if final == current:
        return []
    if final[:len(current)] == current:
        return [{"op": "add", "path": "/sections/-", "value": s} for s in final[len(current):]]
    return [{"op": "replace", "path": "/sections", "value": final}]


def plan_update(spec, current, id_factory=new_id):
    """(operations, predicted item) turning current into what spec asks."""
    _check_category(spec, current)
    ops = _item_ops(spec, current)
    current_sections = list(current.get("sections") or [])
    sections, new_sections = _plan_sections(spec, current_sections, id_factory)
    current_fields = list(current.get("fields") or [])
    context = (sections, new_sections, id_factory, current.get("title"))
    field_ops, used, final_fields = _field_ops(spec, current_fields, context)
    field_ops.extend(_notes_ops(spec, current_fields, used))
    remove_ops = _remove_ops(current_fields, used) if spec["exact"] else []
    final_sections = sections
    if spec["exact"]:
        final_sections = _sections_in_use(spec, sections, current_fields, final_fields, field_ops, remove_ops)
    ops.extend(_section_ops(current_sections, final_sections))
    ops.extend(remove_ops)
    ops.extend(field_ops)
    predicted = apply_operations(current, ops)
    _check_unique_purposes(predicted.get("fields") or [])
    return ops, predicted


def _check_category(spec, current):
    if spec["category"] and not spec["policy"].keep_category and spec["category"] != (current.get("category") or ""):
        raise ItemSpecError('Item "%s" is a %s; its category cannot be changed to %s. Delete it and create it again.'
                            % (current.get("title"), current.get("category"), spec["category"]))


def _item_ops(spec, current):
    """Operations on the item's own attributes: title, favorite, tags, URLs."""
    ops = []
    if spec["title"] is not None and spec["title"] != current.get("title"):
        ops.append({"op": "replace", "path": "/title", "value": spec["title"]})
    if spec["favorite"] is not None and bool(spec["favorite"]) != bool(current.get("favorite")):
        ops.append({"op": "replace", "path": "/favorite", "value": bool(spec["favorite"])})
    if spec["tags"] is not None and sorted(set(spec["tags"])) != sorted(set(current.get("tags") or [])):
        ops.append({"op": "replace", "path": "/tags", "value": list(spec["tags"])})
    if spec["urls"] is not None and _urls_key(spec["urls"]) != _urls_key(current.get("urls")):
        ops.append({"op": "replace", "path": "/urls", "value": _api_urls(spec["urls"])})
    return ops


def _field_ops(spec, current_fields, context):
    """(operations, {field id: what names it}, {field id: desired field}) for the fields the task names."""
    sections, new_sections, id_factory, title = context
    field_ops, used, final_fields = [], {}, {}
    for index, spec_field in enumerate(spec["fields"] or []):
        sid = _resolve_field_section(spec, spec_field, index, sections, new_sections, id_factory, title)
        match = _match_field(spec_field, current_fields, sid, used)
        if match is not None and match.get("id") in used:
            raise ItemSpecError('%s and %s both name the field "%s"; use field ids to tell them apart.'
                                % (used[match.get("id")], describe_field(index, spec_field), match.get("label")))
        if match is None:
            field = _new_field(spec_field, sid, spec_field["generate"] != "never", "fields[%d]" % index)
            field_ops.append({"op": "add", "path": "/fields", "value": field})
            continue
        used[match.get("id")] = describe_field(index, spec_field)
        desired = _desired_field(spec, spec_field, index, match, sid)
        final_fields[match.get("id")] = desired
        if _field_differs(match, desired):
            field_ops.append({"op": "replace", "path": "/fields/%s" % match.get("id"), "value": desired})
    return field_ops, used, final_fields


def _desired_field(spec, spec_field, index, match, sid):
    """The existing field match as the task wants it."""
    desired = writable_field(match)
    desired.pop("generate", None)
    desired.pop("recipe", None)
    if spec_field["label"] is not None:
        desired["label"] = spec_field["label"]
    if spec_field["purpose"] is not None:
        desired["purpose"] = spec_field["purpose"]
    keep_value = spec_field["generate"] == "on_create"
    if spec_field["type"] is not None and not (spec["policy"].on_create_keeps_type and keep_value):
        desired["type"] = spec_field["type"]
    if spec_field["section"] is not None:
        desired["section"] = {"id": sid}
    if spec_field["generate"] == "always":
        desired.pop("value", None)
        desired["generate"] = True
        if spec_field["recipe"]:
            desired["recipe"] = dict(spec_field["recipe"])
    elif spec_field["generate"] == "never" and spec_field["value"] is not None:
        desired["value"] = _value_to_send(desired.get("type"), spec_field["value"], "fields[%d]" % index)
    return desired


def _notes_ops(spec, current_fields, used):
    """Operations setting the notes; marks the notes field as named in used."""
    if spec["notes"] is None:
        return []
    ops = []
    notes = _notes_field(current_fields)
    if notes is None:
        if spec["notes"] != "":
            ops.append({"op": "add", "path": "/fields", "value": {
                "id": NOTES_FIELD_ID, "label": NOTES_FIELD_ID, "type": "STRING", "purpose": "NOTES",
                "value": spec["notes"]}})
    elif (notes.get("value") or "") != spec["notes"]:
        desired = writable_field(notes)
        desired["value"] = spec["notes"]
        ops.append({"op": "replace", "path": "/fields/%s" % notes.get("id"), "value": desired})
    if notes is not None:
        used.setdefault(notes.get("id"), "notes")
    return ops


def _remove_ops(current_fields, used):
    """With exact: every field the task does not name goes, except the notes (see notes)."""
    notes = _notes_field(current_fields)
    ops = []
    for field in current_fields:
        fid = field.get("id")
        if fid in used or (notes is not None and fid == notes.get("id")):
            continue
        ops.append({"op": "remove", "path": "/fields/%s" % fid})
    return ops


def _sections_in_use(spec, sections, current_fields, final_fields, field_ops, remove_ops):
    """With exact: the sections a remaining field uses or the task declares."""
    removed_ids = {op["path"].split("/", 2)[2] for op in remove_ops}
    in_use = set()
    for field in current_fields:
        if field.get("id") in removed_ids:
            continue
        sid = section_of(final_fields.get(field.get("id"), field))
        if sid:
            in_use.add(sid)
    for op in field_ops:
        if op["op"] == "add":
            sid = section_of(op["value"])
            if sid:
                in_use.add(sid)
    declared = set()
    for declared_section in spec["sections"] or []:
        found = find_section(sections, declared_section["id"] or declared_section["label"])
        if found is not None:
            declared.add(found["id"])
    return [s for s in sections if s.get("id") in in_use or s.get("id") in declared]


def apply_operations(item, operations):
    """The item after operations, as Connect would apply them.

    Generated values become GENERATED; fields added without an id get none.
    """
    result = copy.deepcopy(item)
    fields = result.setdefault("fields", [])
    for op in operations:
        path = op["path"]
        kind = op["op"]
        parts = path.strip("/").split("/")
        if path == "/fields" and kind == "add":
            field = _materialize(copy.deepcopy(op["value"]))
            fields.append(field)
        elif parts[0] == "fields" and len(parts) == 2:
            index = next((i for i, f in enumerate(fields) if f.get("id") == parts[1]), None)
            if index is None:
                raise ItemSpecError("Field %s is not in the item." % parts[1])
            if kind == "remove":
                del fields[index]
            else:
                kept = {k: v for k, v in fields[index].items() if k not in WRITABLE_FIELD_KEYS}
                if "value" not in op["value"] and not op["value"].get("generate"):
                    kept.pop("totp", None)
                new_field = _materialize(copy.deepcopy(op["value"]))
                kept.update(new_field)
                if kept.get("section") is None:
                    kept.pop("section", None)
                fields[index] = kept
        elif path == "/sections/-" and kind == "add":
            result.setdefault("sections", []).append(copy.deepcopy(op["value"]))
        elif len(parts) == 1 and parts[0] in ("title", "favorite", "tags", "urls", "sections"):
            if kind == "remove":
                result.pop(parts[0], None)
            else:
                result[parts[0]] = copy.deepcopy(op["value"])
        else:
            raise ItemSpecError("Unsupported patch path %s." % path)
    return result


def _materialize(field):
    if field.pop("generate", False):
        field.pop("recipe", None)
        field["value"] = GENERATED
    return field
