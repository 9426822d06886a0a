# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Pure functions over a full item as Connect returns it.

- find_section / find_target: pick the section, the field or the file a
  reference names, by the 1Password rules (id, else exact name, else name
  ignoring case; ambiguity lists the candidates, no match suggests close names).
- field_attribute / file_attribute: the requested attribute of what was found
  (value, otp, type, id, purpose, label); one-time password codes come from
  _totp.py, the OpenSSH form of private keys from _openssh.py.
- item_to_dict: the whole item for the item lookup.

Nothing here performs I/O. Error messages name objects, never secret values.
"""

from __future__ import annotations

import base64

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectNotFoundError,
    ResolveError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import field_value
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import (
    find_all,
    pick_one,
    section_of,
    suggestions,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._openssh import to_openssh
from ansible_collections.secretops.onepassword.plugins.module_utils._totp import totp_code


# -- locating --------------------------------------------------------------

def item_where(item, vault_name=None):
    """'in item "T" of vault "V"' for messages."""
    text = 'in item "%s"' % (item.get("title") or item.get("id") or "")
    if vault_name:
        text += ' of vault "%s"' % vault_name
    return text


def section_label(item, section_id):
    """The label of a section id in item (the id when it has no label)."""
    if section_id is None:
        return None
    for section in item.get("sections") or []:
        if section.get("id") == section_id:
            return section.get("label") or section_id
    return section_id


def find_section(item, wanted, vault_name=None):
    """The section dict named or identified by wanted."""
    sections = [s for s in (item.get("sections") or []) if isinstance(s, dict)]
    return pick_one(sections, wanted, "section", where=item_where(item, vault_name), name_key="label")


def find_target(item, wanted, section=None, vault_name=None):
    """The field or file named wanted, as ("field", dict) or ("file", dict).

    section (a section dict or None) limits the search to that section. Fields
    and files compete by the same rules: an id match beats an exact name,
    which beats a name that differs only in case.
    """
    section_id = section.get("id") if section else None
    candidates = []
    for field in item.get("fields") or []:
        if section is None or section_of(field) == section_id:
            candidates.append({"id": field.get("id"), "name": field.get("label") or "", "kind": "field", "obj": field})
    for file_ in item.get("files") or []:
        if section is None or section_of(file_) == section_id:
            candidates.append({"id": file_.get("id"), "name": file_.get("name") or "", "kind": "file", "obj": file_})

    where = item_where(item, vault_name)
    if section is not None:
        where = 'in section "%s" %s' % (section.get("label") or section_id, where)
    matches = find_all(candidates, wanted)
    if len(matches) == 1:
        return matches[0]["kind"], matches[0]["obj"]
    if not matches:
        close = suggestions(candidates, wanted)
        hint = (" Did you mean: %s?" % ", ".join('"%s"' % c for c in close)) if close else ""
        raise ConnectNotFoundError('No field or file named "%s" %s.%s' % (wanted, where, hint), suggestions=close)
    described = []
    for match in matches:
        text = '%s "%s" (id %s' % (match["kind"], match["name"], match["id"])
        sid = section_of(match["obj"])
        if sid is not None:
            text += ', section "%s"' % section_label(item, sid)
        described.append(text + ")")
    raise ConnectAmbiguousError(
        '%d fields or files match "%s" %s: %s. Add the section to the reference or use the id.'
        % (len(matches), wanted, where, "; ".join(described)),
        candidates=described,
    )


def locate(item, ref_section, ref_field, vault_name=None):
    """find_section + find_target for a reference's section and field parts."""
    section = find_section(item, ref_section, vault_name) if ref_section is not None else None
    return find_target(item, ref_field, section=section, vault_name=vault_name)


# -- one-time passwords ------------------------------------------------------

def field_otp(field, now=None):
    """Current code of an OTP field.

    Computed from the field's otpauth:// URI (a cached item's `totp` may be
    from an earlier period); Connect's own `totp` is the fallback when the
    value cannot be used.
    """
    label = field.get("label") or field.get("id")
    value = field.get("value") or ""
    is_otp = field.get("type") in ("OTP", "TOTP") or value.strip().lower().startswith("otpauth://")
    if not is_otp and not field.get("totp"):
        raise ResolveError('Field "%s" is of type %s, not a one-time password; attribute=otp applies to OTP fields.'
                           % (label, field.get("type") or "unknown"))
    try:
        return totp_code(value, now=now)
    except ValueError as exc:
        if field.get("totp"):
            return str(field["totp"])
        raise ResolveError('Cannot compute the one-time password of field "%s": %s.' % (label, exc))


# -- attributes ----------------------------------------------------------------

def field_attribute(field, attribute="value", ssh_format=None, now=None):
    """The attribute of a field dict (see _references.ATTRIBUTES)."""
    label = field.get("label") or field.get("id")
    if attribute in ("otp", "totp"):
        return field_otp(field, now=now)
    if attribute == "type":
        return field.get("type") or ""
    if attribute == "id":
        return field.get("id") or ""
    if attribute == "purpose":
        return field.get("purpose") or ""
    if attribute == "label":
        return field.get("label") or ""
    if attribute != "value":
        raise ResolveError('Unknown attribute "%s".' % attribute)
    value = field_value(field)
    if ssh_format == "openssh":
        if not value:
            raise ResolveError('Field "%s" is empty: there is no SSH key to convert.' % label)
        try:
            return to_openssh(value)
        except ValueError as exc:
            raise ResolveError('Cannot convert field "%s" to the OpenSSH format: %s.' % (label, exc))
    elif ssh_format:
        raise ResolveError('Unknown ssh-format "%s".' % ssh_format)
    return value


def file_attribute(file_, attribute="value", ssh_format=None):
    """A file's non-content attribute; None for "value" (the content is fetched by the caller)."""
    name = file_.get("name") or file_.get("id")
    if attribute in ("otp", "totp"):
        raise ResolveError('"%s" is a file attachment; attribute=otp applies to OTP fields.' % name)
    if ssh_format and attribute == "value":
        return None
    if attribute == "type":
        return "FILE"
    if attribute == "id":
        return file_.get("id") or ""
    if attribute == "purpose":
        return ""
    if attribute == "label":
        return file_.get("name") or ""
    if attribute == "value":
        return None
    raise ResolveError('Unknown attribute "%s".' % attribute)


def file_content(file_, content, encoding="text", ssh_format=None):
    """A file's bytes as text (UTF-8) or base64; with ssh_format, converted to OpenSSH."""
    name = file_.get("name") or file_.get("id")
    if ssh_format == "openssh":
        try:
            return to_openssh(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise ResolveError('Cannot convert file "%s" to the OpenSSH format: %s.' % (name, reason))
    if encoding == "base64":
        return base64.b64encode(content).decode("ascii")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ResolveError('File "%s" is not UTF-8 text; set file_encoding=base64 to read it.' % name)


# -- whole item ----------------------------------------------------------------

def field_entry(item, field, now=None):
    """A field as the lookups and info modules return it (section label, value, current OTP code)."""
    sid = section_of(field)
    entry = {
        "id": field.get("id") or "",
        "label": field.get("label") or "",
        "type": field.get("type") or "",
        "purpose": field.get("purpose") or "",
        "value": field_value(field),
        "section_id": sid,
        "section": section_label(item, sid),
    }
    if entry["type"] in ("OTP", "TOTP"):
        try:
            entry["otp"] = field_otp(field, now=now)
        except ResolveError:
            entry["otp"] = None
    return entry


def _unique_map(pairs):
    """{key: value} for keys that occur once, and the sorted duplicated keys."""
    counts = {}
    for key, dummy in pairs:
        counts[key] = counts.get(key, 0) + 1
    mapping = dict((k, v) for k, v in pairs if counts[k] == 1)
    return mapping, sorted(k for k, n in counts.items() if n > 1)


def section_keys(item):
    """{section id: key used in item_to_dict's "sections"}: the label when unique and set, else the id."""
    sections = [s for s in (item.get("sections") or []) if isinstance(s, dict) and s.get("id")]
    counts = {}
    for s in sections:
        if s.get("label"):
            counts[s["label"]] = counts.get(s["label"], 0) + 1
    ids = set(s["id"] for s in sections)
    keys = {}
    for s in sections:
        label = s.get("label")
        unique = bool(label) and counts[label] == 1 and (label == s["id"] or label not in ids)
        keys[s["id"]] = label if unique else s["id"]
    return keys


def _sections_map(item, field_list):
    """{section key: {field key: value}} of item_to_dict (empty sections included)."""
    keys = section_keys(item)
    per_section = {}
    for section in item.get("sections") or []:
        if isinstance(section, dict) and section.get("id"):
            per_section[section["id"]] = []
    for entry in field_list:
        if entry["section_id"] is not None:
            per_section.setdefault(entry["section_id"], []).append((entry["label"] or entry["id"], entry["value"]))
    sections = {}
    for sid, pairs in per_section.items():
        mapping, dummy = _unique_map(pairs)
        sections[keys.get(sid, sid)] = mapping
    return sections


def _file_entries(item, files):
    """The files of item_to_dict; content only where files maps the file's id to it."""
    file_list = []
    for file_ in item.get("files") or []:
        sid = section_of(file_)
        entry = {
            "id": file_.get("id") or "",
            "name": file_.get("name") or "",
            "size": file_.get("size"),
            "section_id": sid,
            "section": section_label(item, sid),
        }
        if files is not None and entry["id"] in files:
            entry["content"] = files[entry["id"]]
        file_list.append(entry)
    return file_list


def item_to_dict(item, vault=None, now=None, files=None):
    """The whole item for the item lookup.

    - fields: {label: value} for each label that occurs once in the item
      (a field without a label is keyed by its id);
    - sections: {section label: {field label: value}} (a section without a
      label, or sharing its label with another, is keyed by its id);
    - duplicate_labels: labels left out of fields because several fields
      carry them (read them from sections or field_list);
    - field_list: every field in order with id, label, type, purpose, value,
      section and section_id (and otp, the current code, for OTP fields): lossless;
    - files: attachments (id, name, size, section, section_id, and content when
      files maps a file id to its already converted content).
    """
    vault = vault or {}
    field_list = [field_entry(item, f, now=now) for f in (item.get("fields") or []) if isinstance(f, dict)]
    fields, duplicates = _unique_map([(e["label"] or e["id"], e["value"]) for e in field_list])

    sections = _sections_map(item, field_list)
    file_list = _file_entries(item, files)
    return {
        "id": item.get("id") or "",
        "title": item.get("title") or "",
        "category": item.get("category") or "",
        "vault": {"id": (item.get("vault") or {}).get("id") or vault.get("id") or "",
                  "name": vault.get("name") or ""},
        "version": item.get("version"),
        "state": item.get("state") or "",
        "favorite": bool(item.get("favorite")),
        "tags": list(item.get("tags") or []),
        "urls": [dict(u) for u in (item.get("urls") or []) if isinstance(u, dict)],
        "created_at": item.get("createdAt") or "",
        "updated_at": item.get("updatedAt") or "",
        "last_edited_by": item.get("lastEditedBy") or "",
        "fields": fields,
        "duplicate_labels": duplicates,
        "sections": sections,
        "field_list": field_list,
        "files": file_list,
    }
