# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""What a task asks of an item, compared with what the server holds.

Pure functions, no HTTP and no Ansible machinery:

- ``build_spec(params, legacy=False)`` checks a task's description of an item
  (category, fields, purposes, generation recipes, sections, URLs) and returns
  a normalised spec; every mistake raises ItemSpecError before anything is
  read or written.
- ``plan_create(spec, vault_id)`` returns the POST body of a new item and the
  item predicted to result.
- ``plan_update(spec, current)`` returns the RFC 6902 operations that turn the
  current item into what the task asks for, touching only what the task names
  (or, with ``exact``, also removing what it does not name), and the item
  predicted to result. No operations means nothing to change.
- ``apply_operations(item, operations)`` applies such operations locally (used
  for check mode predictions and tests).
- ``public_item``, ``legacy_item`` and ``diff_view`` shape results and diffs;
  field values are left out or masked unless explicitly revealed.
"""

from __future__ import annotations

import copy
import random
import re
import string

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError
from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import (
    date_for_connect,
    date_from_connect,
    field_value,
    text_value,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import fold, section_of

CATEGORIES = (
    "LOGIN", "PASSWORD", "API_CREDENTIAL", "SERVER", "DATABASE", "CREDIT_CARD",
    "MEMBERSHIP", "PASSPORT", "SOFTWARE_LICENSE", "OUTDOOR_LICENSE", "SECURE_NOTE",
    "WIRELESS_ROUTER", "BANK_ACCOUNT", "DRIVER_LICENSE", "IDENTITY", "REWARD_PROGRAM",
    "DOCUMENT", "EMAIL_ACCOUNT", "SOCIAL_SECURITY_NUMBER", "MEDICAL_RECORD", "SSH_KEY", "CUSTOM",
)
# Connect refuses to create items of these categories.
NOT_CREATABLE = ("CUSTOM", "DOCUMENT")
CREATABLE_CATEGORIES = tuple(c for c in CATEGORIES if c not in NOT_CREATABLE)

FIELD_TYPES = (
    "STRING", "EMAIL", "CONCEALED", "URL", "OTP", "DATE", "MONTH_YEAR", "MENU",
    "ADDRESS", "CREDIT_CARD_NUMBER", "CREDIT_CARD_TYPE", "GENDER", "PHONE",
    "REFERENCE", "SSHKEY",
)
TYPE_ALIASES = {"TOTP": "OTP"}
PURPOSES = ("", "USERNAME", "PASSWORD", "NOTES")
UNIQUE_PURPOSES = ("USERNAME", "PASSWORD", "NOTES")
GENERATE_CHOICES = ("never", "on_create", "always")
CHARACTER_SETS = ("LETTERS", "DIGITS", "SYMBOLS")
RECIPE_MIN_LENGTH = 1
RECIPE_MAX_LENGTH = 64
RECIPE_DEFAULT_LENGTH = 32

NOTES_FIELD_ID = "notesPlain"

# Markers used in diffs and check mode predictions instead of secret values.
MASK = "<hidden>"
MASK_CHANGED = "<hidden, changed>"
MASK_GENERATED = "<generated>"


class Generated(object):
    """Placeholder for a value the server will generate (check mode)."""

    def __repr__(self):
        return MASK_GENERATED

    def __eq__(self, other):
        return isinstance(other, Generated)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return 0


GENERATED = Generated()

# Attributes a client may send for a field; the rest is computed by the server.
WRITABLE_FIELD_KEYS = ("id", "label", "type", "purpose", "value", "section", "generate", "recipe")

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id():
    """A fresh 26-character id in Connect's alphabet (for new sections)."""
    rng = random.SystemRandom()
    return "".join(rng.choice(_ID_ALPHABET) for dummy in range(26))


def _describe_field(index, spec_field):
    label = spec_field.get("label") or spec_field.get("id") or spec_field.get("purpose") or "?"
    return 'fields[%d] ("%s")' % (index, label)


# ---------------------------------------------------------------------------
# spec validation
# ---------------------------------------------------------------------------

def normalize_category(value, for_create=False):
    """Upper-case category; ItemSpecError when unknown or not creatable."""
    if value is None:
        return None
    cat = str(value).strip().upper().replace("-", "_").replace(" ", "_")
    if cat not in CATEGORIES:
        raise ItemSpecError('Unknown item category "%s". Valid categories: %s.' % (value, ", ".join(CREATABLE_CATEGORIES)))
    if for_create and cat in NOT_CREATABLE:
        raise ItemSpecError('Items of category "%s" cannot be created through Connect. Valid categories: %s.'
                            % (cat, ", ".join(CREATABLE_CATEGORIES)))
    return cat


def normalize_type(value, where="field"):
    if value is None:
        return None
    ftype = str(value).strip().upper()
    ftype = TYPE_ALIASES.get(ftype, ftype)
    if ftype not in FIELD_TYPES:
        raise ItemSpecError('%s: unknown field type "%s". Valid types: %s.' % (where, value, ", ".join(FIELD_TYPES)))
    return ftype


def normalize_purpose(value, where="field"):
    if value is None:
        return None
    purpose = str(value).strip().upper()
    if purpose in ("NONE",):
        purpose = ""
    if purpose not in PURPOSES:
        raise ItemSpecError('%s: unknown field purpose "%s". Valid purposes: USERNAME, PASSWORD, NOTES or empty.'
                            % (where, value))
    return purpose


def normalize_recipe(recipe, where="recipe"):
    """The API's GeneratorRecipe for a task's recipe dict, validated.

    Accepts ``length``, ``character_sets`` (list of LETTERS, DIGITS, SYMBOLS),
    ``exclude_characters`` and the onepassword.connect booleans
    ``include_letters``/``include_digits``/``include_symbols``. None means
    the server default (32 characters of every set).
    """
    if recipe is None:
        return None
    if not isinstance(recipe, dict):
        raise ItemSpecError("%s must be a dictionary." % where)
    length = recipe.get("length")
    if length is None:
        length = RECIPE_DEFAULT_LENGTH
    try:
        length = int(length)
    except (TypeError, ValueError):
        raise ItemSpecError("%s: length must be an integer, got %r." % (where, recipe.get("length")))
    if not RECIPE_MIN_LENGTH <= length <= RECIPE_MAX_LENGTH:
        raise ItemSpecError("%s: length must be between %d and %d, got %d."
                            % (where, RECIPE_MIN_LENGTH, RECIPE_MAX_LENGTH, length))
    sets = recipe.get("character_sets")
    if sets is None:
        sets = recipe.get("characterSets")
    legacy_flags = [recipe.get(k) for k in ("include_letters", "include_digits", "include_symbols")]
    if sets is not None and any(flag is not None for flag in legacy_flags):
        raise ItemSpecError("%s: use either character_sets or include_letters/include_digits/include_symbols, not both." % where)
    if sets is None:
        sets = [name for name, flag in zip(CHARACTER_SETS, legacy_flags) if flag is not False]
    if isinstance(sets, str):
        sets = [sets]
    normalized = []
    for item in sets:
        name = str(item).strip().upper()
        if name not in CHARACTER_SETS:
            raise ItemSpecError('%s: unknown character set "%s". Valid sets: %s.' % (where, item, ", ".join(CHARACTER_SETS)))
        if name not in normalized:
            normalized.append(name)
    if not normalized:
        raise ItemSpecError("%s: at least one character set (LETTERS, DIGITS, SYMBOLS) is needed." % where)
    exclude = recipe.get("exclude_characters")
    if exclude is None:
        exclude = recipe.get("excludeCharacters")
    result = {"length": length, "characterSets": [s for s in CHARACTER_SETS if s in normalized]}
    if exclude:
        exclude = str(exclude)
        result["excludeCharacters"] = exclude
        pool = ""
        if "LETTERS" in normalized:
            pool += string.ascii_letters
        if "DIGITS" in normalized:
            pool += string.digits
        if "SYMBOLS" in normalized:
            pool += "!#$%&()*+,-./:;<=>?@[]^_{|}~"
        if not set(pool) - set(exclude):
            raise ItemSpecError("%s: exclude_characters removes every character of the chosen sets." % where)
    return result


def _normalize_url(url, index):
    where = "urls[%d]" % index
    if isinstance(url, str):
        url = {"href": url}
    if not isinstance(url, dict):
        raise ItemSpecError("%s must be a string or a dictionary with href." % where)
    href = url.get("href") or url.get("url")
    if not href:
        raise ItemSpecError("%s: href is required." % where)
    return {"href": str(href), "label": url.get("label") or "", "primary": bool(url.get("primary"))}


def _legacy_purpose(category, label, ftype):
    """Purpose the onepassword.connect modules gave a field from its label."""
    if not label:
        return ""
    low = label.lower()
    if category == "LOGIN" and ftype == "STRING" and low == "username":
        return "USERNAME"
    if category in ("LOGIN", "PASSWORD") and ftype == "CONCEALED" and low == "password":
        return "PASSWORD"
    return ""


def build_spec(params, legacy=False):
    """Validate a task's options and return the item spec.

    params keys: title, category, fields, sections, urls, tags, favorite,
    notes, exact. Each field: label, id, value, type (field_type), purpose,
    section, generate (generate_value), recipe (generator_recipe).
    An option set to None is not named by the task and stays as it is.
    """
    spec = {
        "title": params.get("title"),
        "category": normalize_category(params.get("category")),
        "favorite": params.get("favorite"),
        "tags": None,
        "urls": None,
        "notes": text_value(params.get("notes"), "notes"),
        "sections": None,
        "fields": None,
        "exact": bool(params.get("exact")) or legacy,
        "legacy": legacy,
    }
    tags = params.get("tags")
    if tags is not None:
        seen = []
        for tag in tags:
            tag = str(tag).strip()
            if not tag:
                raise ItemSpecError("tags: empty tag.")
            if tag not in seen:
                seen.append(tag)
        spec["tags"] = seen
    elif spec["exact"]:
        spec["tags"] = []
    urls = params.get("urls")
    if urls is not None:
        spec["urls"] = [_normalize_url(u, i) for i, u in enumerate(urls)]
        if sum(1 for u in spec["urls"] if u["primary"]) > 1:
            raise ItemSpecError("urls: only one URL can be primary.")
        hrefs = [u["href"] for u in spec["urls"]]
        if len(set(hrefs)) != len(hrefs):
            raise ItemSpecError("urls: the same href is listed twice.")
    elif spec["exact"]:
        spec["urls"] = []
    if legacy and spec["favorite"] is None:
        spec["favorite"] = False

    sections = params.get("sections")
    if sections is not None:
        spec["sections"] = []
        for index, section in enumerate(sections):
            if isinstance(section, str):
                section = {"label": section}
            if not isinstance(section, dict):
                raise ItemSpecError("sections[%d]: expected a label or a dictionary with label and/or id, got %s."
                                    % (index, type(section).__name__))
            label, section_id = section.get("label"), section.get("id")
            for key, value in (("label", label), ("id", section_id)):
                if value is not None and not isinstance(value, str):
                    raise ItemSpecError("sections[%d]: %s must be a string, got %s." % (index, key, type(value).__name__))
            if not label and not section_id:
                raise ItemSpecError("sections[%d]: label is required." % index)
            spec["sections"].append({"label": label, "id": section_id})
        folded = [fold(s["label"]) for s in spec["sections"] if s["label"]]
        if len(set(folded)) != len(folded):
            raise ItemSpecError("sections: the same label is listed twice.")

    fields = params.get("fields")
    if fields is not None:
        spec["fields"] = []
        for index, field in enumerate(fields):
            spec["fields"].append(_build_field(index, field or {}, spec["category"], legacy))
        counts = {}
        for index, field in enumerate(spec["fields"]):
            if field["purpose"] in UNIQUE_PURPOSES:
                counts.setdefault(field["purpose"], []).append(_describe_field(index, field))
        for purpose, names in sorted(counts.items()):
            if len(names) > 1:
                raise ItemSpecError("Only one field can have purpose %s, but %s have it." % (purpose, " and ".join(names)))
        keys = {}
        for index, field in enumerate(spec["fields"]):
            if field["id"]:
                key = ("id", field["id"])
            elif field["label"]:
                key = ("label", fold(field["label"]), fold(field["section"]))
            else:
                key = ("purpose", field["purpose"])
            if key in keys:
                raise ItemSpecError("%s and %s name the same field." % (keys[key], _describe_field(index, field)))
            keys[key] = _describe_field(index, field)
        if counts.get("NOTES") and spec["notes"] is not None:
            raise ItemSpecError("notes and a field with purpose NOTES both set the notes; use one.")
    return spec


def _build_field(index, field, category, legacy):
    where = "fields[%d]" % index
    label = field.get("label")
    fid = field.get("id")
    ftype = normalize_type(field.get("type", field.get("field_type")), where)
    purpose = normalize_purpose(field.get("purpose"), where)
    if not label and not fid and not purpose:
        raise ItemSpecError("%s: label (or id) is required." % where)
    generate = field.get("generate", field.get("generate_value"))
    if generate is None:
        generate = "never"
    if isinstance(generate, bool):
        generate = "always" if generate else "never"
    generate = str(generate).lower()
    if generate not in GENERATE_CHOICES:
        raise ItemSpecError('%s: generate must be one of never, on_create, always, got "%s".' % (where, generate))
    recipe_in = field.get("recipe", field.get("generator_recipe"))
    recipe = normalize_recipe(recipe_in, where + ".recipe")
    value = text_value(field.get("value"), where + ".value")
    if generate != "never" and value is not None and not legacy:
        raise ItemSpecError("%s: value and generate: %s exclude each other." % (where, generate))
    if legacy:
        if label == NOTES_FIELD_ID:
            raise ItemSpecError("%s: the notes field cannot be managed as a field." % where)
        if purpose is None:
            purpose = _legacy_purpose(category, label, ftype or "STRING")
        if generate != "never":
            value = None
    if purpose == "NOTES" and (ftype or "STRING") != "STRING":
        raise ItemSpecError("%s: a field with purpose NOTES must be of type STRING." % where)
    return {
        "label": label,
        "id": fid,
        "type": ftype,
        "purpose": purpose,
        "section": field.get("section"),
        "value": value,
        "generate": generate,
        "recipe": recipe,
    }


# ---------------------------------------------------------------------------
# comparison helpers
# ---------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})/?(\d{2})$")


def normalize_value(ftype, value):
    """The form two values of a field type are compared in."""
    if value is None:
        return ""
    if isinstance(value, Generated):
        return value
    value = str(value)
    if ftype == "DATE":
        return date_from_connect(value.strip())
    if ftype == "MONTH_YEAR":
        match = _MONTH_RE.match(value.strip())
        if match:
            return match.group(1) + match.group(2)
    return value


def find_section(sections, ref):
    """The section of sections matching ref (id, exact label, folded label) or None."""
    if not ref:
        return None
    by_id = [s for s in sections if s.get("id") == ref]
    if by_id:
        return by_id[0]
    for tier in (lambda s: (s.get("label") or "") == ref, lambda s: fold(s.get("label")) == fold(ref)):
        found = [s for s in sections if tier(s)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ItemSpecError('Section "%s" is ambiguous: %d sections have that label; use its id (%s).'
                                % (ref, len(found), ", ".join(s.get("id") or "" for s in found)))
    return None


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


# ---------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------

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
    if spec["legacy"]:
        section = {"id": id_factory(), "label": ref}
        sections.append(section)
        new_sections.append(section)
        return section["id"]
    raise ItemSpecError('%s: section "%s" does not exist in item "%s"; declare it under sections.'
                        % (_describe_field(index, spec_field), ref, title or ""))


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
    ops = []
    title = current.get("title")
    if spec["category"] and not spec["legacy"] and spec["category"] != (current.get("category") or ""):
        raise ItemSpecError('Item "%s" is a %s; its category cannot be changed to %s. Delete it and create it again.'
                            % (title, current.get("category"), spec["category"]))
    if spec["title"] is not None and spec["title"] != title:
        ops.append({"op": "replace", "path": "/title", "value": spec["title"]})
    if spec["favorite"] is not None and bool(spec["favorite"]) != bool(current.get("favorite")):
        ops.append({"op": "replace", "path": "/favorite", "value": bool(spec["favorite"])})
    if spec["tags"] is not None and sorted(set(spec["tags"])) != sorted(set(current.get("tags") or [])):
        ops.append({"op": "replace", "path": "/tags", "value": list(spec["tags"])})
    if spec["urls"] is not None and _urls_key(spec["urls"]) != _urls_key(current.get("urls")):
        ops.append({"op": "replace", "path": "/urls", "value": _api_urls(spec["urls"])})

    current_sections = list(current.get("sections") or [])
    sections, new_sections = _plan_sections(spec, current_sections, id_factory)
    current_fields = list(current.get("fields") or [])
    field_ops = []
    used = {}
    final_fields = {}
    for index, spec_field in enumerate(spec["fields"] or []):
        sid = _resolve_field_section(spec, spec_field, index, sections, new_sections, id_factory, title)
        match = _match_field(spec_field, current_fields, sid, used)
        if match is not None and match.get("id") in used:
            raise ItemSpecError('%s and %s both name the field "%s"; use field ids to tell them apart.'
                                % (used[match.get("id")], _describe_field(index, spec_field), match.get("label")))
        if match is None:
            field = _new_field(spec_field, sid, spec_field["generate"] != "never", "fields[%d]" % index)
            field_ops.append({"op": "add", "path": "/fields", "value": field})
            continue
        used[match.get("id")] = _describe_field(index, spec_field)
        desired = writable_field(match)
        desired.pop("generate", None)
        desired.pop("recipe", None)
        if spec_field["label"] is not None:
            desired["label"] = spec_field["label"]
        if spec_field["purpose"] is not None:
            desired["purpose"] = spec_field["purpose"]
        keep_value = spec_field["generate"] == "on_create"
        if spec_field["type"] is not None and not (spec["legacy"] and keep_value):
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
        final_fields[match.get("id")] = desired
        if _field_differs(match, desired):
            field_ops.append({"op": "replace", "path": "/fields/%s" % match.get("id"), "value": desired})

    if spec["notes"] is not None:
        notes = _notes_field(current_fields)
        if notes is None:
            if spec["notes"] != "":
                field_ops.append({"op": "add", "path": "/fields", "value": {
                    "id": NOTES_FIELD_ID, "label": NOTES_FIELD_ID, "type": "STRING", "purpose": "NOTES",
                    "value": spec["notes"]}})
        elif (notes.get("value") or "") != spec["notes"]:
            desired = writable_field(notes)
            desired["value"] = spec["notes"]
            field_ops.append({"op": "replace", "path": "/fields/%s" % notes.get("id"), "value": desired})
        if notes is not None:
            used.setdefault(notes.get("id"), "notes")

    remove_ops = []
    if spec["exact"]:
        # Every field the task does not name goes, except the notes (see notes).
        notes = _notes_field(current_fields)
        for field in current_fields:
            fid = field.get("id")
            if fid in used or (notes is not None and fid == notes.get("id")):
                continue
            remove_ops.append({"op": "remove", "path": "/fields/%s" % fid})

    # Sections: declare new ones; with exact, drop those nothing uses.
    final_sections = sections
    if spec["exact"]:
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
            ref = declared_section["id"] or declared_section["label"]
            found = find_section(sections, ref)
            if found is not None:
                declared.add(found["id"])
        final_sections = [s for s in sections if s.get("id") in in_use or s.get("id") in declared]
    ops.extend(_section_ops(current_sections, final_sections))
    ops.extend(remove_ops)
    ops.extend(field_ops)

    predicted = apply_operations(current, ops)
    _check_unique_purposes(predicted.get("fields") or [])
    return ops, predicted


# ---------------------------------------------------------------------------
# local application of patches (check mode)
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# results and diffs
# ---------------------------------------------------------------------------

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


def legacy_item(item, vault=None):
    """The item as onepassword.connect returned it: fields keyed by label, values included."""
    if not item:
        return {}
    out = public_item(item, reveal=True, vault=vault, camel_case=True)
    if vault:
        out["vault"] = {"id": vault.get("id")}
    keyed = {}
    for field in out.pop("fields"):
        key = field.get("label") or field.get("id")
        if field.get("section"):
            field["section"] = {"id": field["section"]["id"]}
        keyed[key] = field
    out["fields"] = keyed
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


# ---------------------------------------------------------------------------
# the whole task: used by the item and generic_item modules
# ---------------------------------------------------------------------------

def _find_current(client, vault, item_id, title, legacy):
    """(full item or None, how it was found)."""
    from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectNotFoundError

    if item_id:
        try:
            return client.get_item(vault["id"], item_id), "id"
        except ConnectNotFoundError:
            if not legacy or not title:
                raise ConnectNotFoundError('No item with id "%s" in vault "%s".' % (item_id, vault.get("name") or vault["id"]))
    if not title:
        return None, None
    try:
        summary = client.resolve_item(vault, title)
    except ConnectNotFoundError:
        return None, None
    if "fields" in summary or "sections" in summary:
        return summary, "title"
    return client.get_item(vault["id"], summary["id"]), "title"


def manage_item(client, spec, vault_ref, item_id=None, state="present", check_mode=False, legacy=False,
                id_factory=new_id):
    """Bring one item to the state a task asks for.

    Returns a dict: changed, action (created/updated/deleted/none), vault
    (id, name), before and after (full items; after is predicted in check
    mode), operations (the patch sent or that would be sent).
    Raises ItemSpecError (bad task) or the client's ConnectError; nothing is
    written before every check passed. An error raised once the vault is
    known carries ``vault_id`` and ``item_id`` (None when not known) so that
    what a failed write may have touched can be forgotten by caches.
    """
    from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError

    vault = client.resolve_vault(vault_ref)
    known = {"item_id": item_id}
    try:
        return _manage_in_vault(client, spec, vault, item_id, state, check_mode, legacy, id_factory, known)
    except ConnectError as exc:
        exc.vault_id, exc.item_id = vault.get("id"), known["item_id"]
        raise


def _manage_in_vault(client, spec, vault, item_id, state, check_mode, legacy, id_factory, known):
    from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectNotFoundError

    try:
        current, found_by = _find_current(client, vault, item_id, spec.get("title"), legacy)
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
    if found_by == "title" and not legacy:
        # The title located the item; matching may have ignored case, which is no rename.
        spec = dict(spec, title=None)
    operations, predicted = plan_update(spec, current, id_factory=id_factory)
    outcome["operations"] = operations
    if operations:
        outcome.update(changed=True, action="updated", after=predicted)
        if not check_mode:
            outcome["after"] = client.patch_item(vault["id"], current["id"], operations)
    return outcome


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


# ---------------------------------------------------------------------------
# argument specs (the modules' DOCUMENTATION mirrors these)
# ---------------------------------------------------------------------------

def _recipe_options(legacy):
    return dict(
        length=dict(type="int", default=RECIPE_DEFAULT_LENGTH if legacy else None),
        character_sets=dict(type="list", elements="str"),
        exclude_characters=dict(type="str"),
        include_letters=dict(type="bool"),
        include_digits=dict(type="bool"),
        include_symbols=dict(type="bool"),
    )


#: Where the item modules' options hold secret values (see _masking).
SECRET_PATHS = (("fields", None, "value"), ("notes",))


def item_argument_spec(legacy=False):
    """The argument spec of the item module, or of generic_item with legacy."""
    recipe = dict(type="dict", options=_recipe_options(legacy))
    field = dict(
        label=dict(type="str", required=legacy),
        id=dict(type="str"),
        # raw: a YAML boolean or float is refused by build_spec, not silently turned into "True"
        value=dict(type="raw", no_log=True),
        purpose=dict(type="str"),
        section=dict(type="str"),
    )
    if legacy:
        field.update(
            field_type=dict(type="str", default="string", aliases=["type"]),
            generate_value=dict(type="str", default="never", choices=list(GENERATE_CHOICES), aliases=["generate"]),
            generator_recipe=dict(recipe, aliases=["recipe"]),
        )
    else:
        field.update(
            type=dict(type="str", aliases=["field_type"]),
            generate=dict(type="str", default="never", choices=list(GENERATE_CHOICES), aliases=["generate_value"]),
            recipe=dict(recipe, aliases=["generator_recipe"]),
        )
    spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        category=dict(type="str", default="api_credential" if legacy else None),
        fields=dict(type="list", elements="dict", options=field),
        urls=dict(type="list", elements="raw"),
        tags=dict(type="list", elements="str"),
        favorite=dict(type="bool", default=False if legacy else None),
    )
    if legacy:
        spec.update(
            vault_id=dict(type="str", aliases=["vault"], no_log=False),
            name=dict(type="str", aliases=["title"]),
            uuid=dict(type="str", aliases=["id"]),
        )
    else:
        spec.update(
            vault=dict(type="str", aliases=["vault_id"], no_log=False),
            title=dict(type="str", aliases=["name"]),
            id=dict(type="str", aliases=["uuid", "item_id"]),
            sections=dict(type="list", elements="raw"),
            notes=dict(type="raw", no_log=True),
            exact=dict(type="bool", default=False),
            reveal=dict(type="bool", default=False),
        )
    return spec


def params_to_spec_input(params, legacy=False):
    """Module params (either spelling) to build_spec's input."""
    out = dict(params)
    if legacy:
        out["title"] = params.get("name")
        out["fields"] = None if params.get("fields") is None else [
            dict(f, type=f.get("field_type"), generate=f.get("generate_value"), recipe=f.get("generator_recipe"))
            for f in params["fields"]]
    return out


def file_not_field_message(name, item, vault):
    """The error for a file attachment asked for as a field: how to read it instead."""
    return ('"%s" is a file attachment of item "%s", not a field. Read its content with the secret lookup, '
            "lookup('secretops.onepassword.secret', 'op://%s/%s/%s'), or download it to the target with "
            "secretops.onepassword.field_info and dest." % (
                name, item.get("title"), vault.get("name") or vault.get("id"), item.get("title"), name))


def locate_item(client, vault_ref, item_ref):
    """(vault, full item) for an item by title or id, in one vault or, without
    vault_ref, in every vault the token can see (an item found in several is
    an ambiguity error)."""
    from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
        ConnectAmbiguousError,
        ConnectNotFoundError,
        ConnectScopeError,
    )

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
