# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""What a task says about an item, checked and normalised.

``build_spec(params, policy=ITEM_POLICY)`` checks a task's description of an
item (category, fields, purposes, generation recipes, sections, URLs) and
returns a normalised spec; every mistake raises ItemSpecError before anything
is read or written. ``item_argument_spec`` is the item module's argument spec.
Pure functions, no HTTP.
"""

from __future__ import annotations

import random
import re
import string
from collections import namedtuple

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError
from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import date_from_connect, text_value
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import fold

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


def describe_field(index, spec_field):
    """'fields[2] ("label")' for error messages."""
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
    flag_options = [recipe.get(k) for k in ("include_letters", "include_digits", "include_symbols")]
    if sets is not None and any(flag is not None for flag in flag_options):
        raise ItemSpecError("%s: use either character_sets or include_letters/include_digits/include_symbols, not both." % where)
    if sets is None:
        sets = [name for name, flag in zip(CHARACTER_SETS, flag_options) if flag is not False]
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


#: What generic_item does differently from the item module, so that tasks
#: written for onepassword.connect keep working. The item module uses
#: ITEM_POLICY; every rule below is off there.
ItemPolicy = namedtuple("ItemPolicy", (
    "whole_item",                  # the task lists the whole item: always exact, favorite off unless set
    "purpose_from_label",          # a "username"/"password" label gives a LOGIN/PASSWORD field its purpose
    "generate_ignores_value",      # a value next to generate is dropped, not refused
    "notes_field_refused",         # a field labelled notesPlain is refused (notes are not a field there)
    "create_undeclared_sections",  # a field's unknown section is created, not refused
    "keep_category",               # another category is left as it is, not refused
    "on_create_keeps_type",        # generate: on_create leaves the existing field's type as it is
    "id_miss_finds_by_title",      # an id the vault does not hold falls back to the title
    "title_case_renames",          # a title that matched ignoring case is still written as given
))
ITEM_POLICY = ItemPolicy(*([False] * len(ItemPolicy._fields)))
GENERIC_ITEM_POLICY = ItemPolicy(*([True] * len(ItemPolicy._fields)))


def _purpose_from_label(category, label, ftype):
    """Purpose the onepassword.connect modules gave a field from its label."""
    if not label:
        return ""
    low = label.lower()
    if category == "LOGIN" and ftype == "STRING" and low == "username":
        return "USERNAME"
    if category in ("LOGIN", "PASSWORD") and ftype == "CONCEALED" and low == "password":
        return "PASSWORD"
    return ""


def build_spec(params, policy=ITEM_POLICY):
    """Validate a task's options and return the item spec.

    params keys: title, category, fields, sections, urls, tags, favorite,
    notes, exact. Each field: label, id, value, type, purpose, section,
    generate, recipe. An option set to None is not named by the task and
    stays as it is.
    """
    exact = bool(params.get("exact")) or policy.whole_item
    favorite = params.get("favorite")
    if policy.whole_item and favorite is None:
        favorite = False
    category = normalize_category(params.get("category"))
    notes = text_value(params.get("notes"), "notes")
    spec = {
        "title": params.get("title"),
        "category": category,
        "favorite": favorite,
        "tags": _build_tags(params.get("tags"), exact),
        "urls": _build_urls(params.get("urls"), exact),
        "notes": notes,
        "sections": _build_sections(params.get("sections")),
        "fields": _build_fields(params.get("fields"), category, policy),
        "exact": exact,
        "policy": policy,
    }
    if spec["notes"] is not None and any(f["purpose"] == "NOTES" for f in spec["fields"] or []):
        raise ItemSpecError("notes and a field with purpose NOTES both set the notes; use one.")
    return spec


def _build_tags(tags, exact):
    if tags is None:
        return [] if exact else None
    seen = []
    for tag in tags:
        tag = str(tag).strip()
        if not tag:
            raise ItemSpecError("tags: empty tag.")
        if tag not in seen:
            seen.append(tag)
    return seen


def _build_urls(urls, exact):
    if urls is None:
        return [] if exact else None
    urls = [_normalize_url(u, i) for i, u in enumerate(urls)]
    if sum(1 for u in urls if u["primary"]) > 1:
        raise ItemSpecError("urls: only one URL can be primary.")
    hrefs = [u["href"] for u in urls]
    if len(set(hrefs)) != len(hrefs):
        raise ItemSpecError("urls: the same href is listed twice.")
    return urls


def _build_sections(sections):
    if sections is None:
        return None
    out = []
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
        out.append({"label": label, "id": section_id})
    folded = [fold(s["label"]) for s in out if s["label"]]
    if len(set(folded)) != len(folded):
        raise ItemSpecError("sections: the same label is listed twice.")
    return out


def _build_fields(fields, category, policy):
    if fields is None:
        return None
    out = [_build_field(index, field or {}, category, policy) for index, field in enumerate(fields)]
    counts = {}
    for index, field in enumerate(out):
        if field["purpose"] in UNIQUE_PURPOSES:
            counts.setdefault(field["purpose"], []).append(describe_field(index, field))
    for purpose, names in sorted(counts.items()):
        if len(names) > 1:
            raise ItemSpecError("Only one field can have purpose %s, but %s have it." % (purpose, " and ".join(names)))
    keys = {}
    for index, field in enumerate(out):
        if field["id"]:
            key = ("id", field["id"])
        elif field["label"]:
            key = ("label", fold(field["label"]), fold(field["section"]))
        else:
            key = ("purpose", field["purpose"])
        if key in keys:
            raise ItemSpecError("%s and %s name the same field." % (keys[key], describe_field(index, field)))
        keys[key] = describe_field(index, field)
    return out


def _build_generate(field, where):
    generate = field.get("generate", field.get("generate_value"))
    if generate is None:
        generate = "never"
    if isinstance(generate, bool):
        generate = "always" if generate else "never"
    generate = str(generate).lower()
    if generate not in GENERATE_CHOICES:
        raise ItemSpecError('%s: generate must be one of never, on_create, always, got "%s".' % (where, generate))
    return generate


def _build_field(index, field, category, policy):
    where = "fields[%d]" % index
    label = field.get("label")
    fid = field.get("id")
    ftype = normalize_type(field.get("type", field.get("field_type")), where)
    purpose = normalize_purpose(field.get("purpose"), where)
    if not label and not fid and not purpose:
        raise ItemSpecError("%s: label (or id) is required." % where)
    generate = _build_generate(field, where)
    recipe = normalize_recipe(field.get("recipe", field.get("generator_recipe")), where + ".recipe")
    value = text_value(field.get("value"), where + ".value")
    if generate != "never" and value is not None:
        if not policy.generate_ignores_value:
            raise ItemSpecError("%s: value and generate: %s exclude each other." % (where, generate))
        value = None
    if policy.notes_field_refused and label == NOTES_FIELD_ID:
        raise ItemSpecError("%s: the notes field cannot be managed as a field." % where)
    if purpose is None and policy.purpose_from_label:
        purpose = _purpose_from_label(category, label, ftype or "STRING")
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
# comparison
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# argument spec (the item module's DOCUMENTATION mirrors it)
# ---------------------------------------------------------------------------

#: Where the item modules' options hold secret values (see _masking).
SECRET_PATHS = (("fields", None, "value"), ("notes",))


def recipe_options(default_length=None):
    """The options of a field's generation recipe."""
    return dict(
        length=dict(type="int", default=default_length),
        character_sets=dict(type="list", elements="str"),
        exclude_characters=dict(type="str"),
        include_letters=dict(type="bool"),
        include_digits=dict(type="bool"),
        include_symbols=dict(type="bool"),
    )


def field_options():
    """The options of one field, but type, generate and recipe (spelled differently by generic_item)."""
    return dict(
        label=dict(type="str"),
        id=dict(type="str"),
        # raw: a YAML boolean or float is refused by build_spec, not silently turned into "True"
        value=dict(type="raw", no_log=True),
        purpose=dict(type="str"),
        section=dict(type="str"),
    )


def item_argument_spec():
    """The argument spec of the item module."""
    field = dict(
        field_options(),
        type=dict(type="str", aliases=["field_type"]),
        generate=dict(type="str", default="never", choices=list(GENERATE_CHOICES), aliases=["generate_value"]),
        recipe=dict(type="dict", options=recipe_options(), aliases=["generator_recipe"]),
    )
    return dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        category=dict(type="str"),
        fields=dict(type="list", elements="dict", options=field),
        urls=dict(type="list", elements="raw"),
        tags=dict(type="list", elements="str"),
        favorite=dict(type="bool"),
        vault=dict(type="str", aliases=["vault_id"], no_log=False),
        title=dict(type="str", aliases=["name"]),
        id=dict(type="str", aliases=["uuid", "item_id"]),
        sections=dict(type="list", elements="raw"),
        notes=dict(type="raw", no_log=True),
        exact=dict(type="bool", default=False),
        reveal=dict(type="bool", default=False),
    )
