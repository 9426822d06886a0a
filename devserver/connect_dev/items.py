"""Item validation, normalisation and rendering (the semantics of Connect items).

Stored items are plain dicts:
  {id, title, vault_id, category, urls, favorite, tags, sections, fields,
   version, createdAt, updatedAt, lastEditedBy}
with stored fields
  {id, type, purpose, label, value, section?, generated, entropy?, history}.
Bodies from clients are read through ``normalize_item`` which keeps only known
properties (unknown ones are ignored and never stored).
"""

from __future__ import annotations

import base64
import calendar
import datetime
import re

from . import limits, otp, passwords
from .util import bad_request, is_id, new_id, now_rfc3339

CATEGORIES = (
    "LOGIN", "PASSWORD", "API_CREDENTIAL", "SERVER", "DATABASE", "CREDIT_CARD", "MEMBERSHIP",
    "PASSPORT", "SOFTWARE_LICENSE", "OUTDOOR_LICENSE", "SECURE_NOTE", "WIRELESS_ROUTER",
    "BANK_ACCOUNT", "DRIVER_LICENSE", "IDENTITY", "REWARD_PROGRAM", "DOCUMENT", "EMAIL_ACCOUNT",
    "SOCIAL_SECURITY_NUMBER", "MEDICAL_RECORD", "SSH_KEY", "CUSTOM",
)
NOT_CREATABLE = ("CUSTOM", "DOCUMENT")
FIELD_TYPES = (
    "STRING", "EMAIL", "CONCEALED", "URL", "OTP", "DATE", "MONTH_YEAR", "MENU",
    "ADDRESS", "CREDIT_CARD_NUMBER", "CREDIT_CARD_TYPE", "GENDER", "PHONE", "REFERENCE",
    "FILE", "SSHKEY", "UNKNOWN",
)
PURPOSES = ("", "USERNAME", "PASSWORD", "NOTES")
BUILTIN_IDS = {"USERNAME": "username", "PASSWORD": "password", "NOTES": "notesPlain"}

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UNIX_RE = re.compile(r"^-?\d{1,12}$")  # unix seconds, up to year ~33,000
_MONTH_YEAR_RE = re.compile(r"^(\d{4})/?(\d{2})$")


def _opt(body: dict, key: str):
    """A property of a body; JSON null counts as absent (SDKs send nulls)."""
    return body.get(key)


def _check_type(value, kind, what):
    if value is None:
        return None
    if kind is bool:
        if not isinstance(value, bool):
            raise bad_request("Invalid %s: must be a boolean" % what)
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request("Invalid %s: must be an integer" % what)
    elif not isinstance(value, kind):
        raise bad_request("Invalid %s: must be %s" % (what, {str: "a string", list: "a list", dict: "an object"}[kind]))
    return value


def _field_name(field_body: dict, index: int) -> str:
    label = field_body.get("label")
    if isinstance(label, str) and label:
        return "field %r" % label
    return "fields[%d]" % index


def normalize_date(value: str, name: str) -> str:
    match = _DATE_RE.match(value)
    if match:
        try:
            day = datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise bad_request("Invalid DATE value for %s: %r is not a calendar date" % (name, value)) from None
        return str(calendar.timegm(day.timetuple()))
    if _UNIX_RE.match(value):
        return str(int(value))
    raise bad_request("Invalid DATE value for %s: expected YYYY-MM-DD" % name)


def normalize_month_year(value: str, name: str) -> str:
    match = _MONTH_YEAR_RE.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise bad_request("Invalid MONTH_YEAR value for %s: expected YYYYMM or YYYY/MM" % name)
    return match.group(1) + match.group(2)


def _normalize_field(body, index: int, old_fields: dict, used_ids: set, purposes_seen: dict, reserved=frozenset()) -> dict:
    if not isinstance(body, dict):
        raise bad_request("Invalid fields[%d]: must be an object" % index)
    name = _field_name(body, index)
    fid = _check_type(_opt(body, "id"), str, "id of %s" % name) or None
    purpose_raw = body.get("purpose")
    default_type = "CONCEALED" if isinstance(purpose_raw, str) and purpose_raw.upper() == "PASSWORD" else "STRING"
    ftype = _check_type(_opt(body, "type"), str, "type of %s" % name) or default_type
    ftype = ftype.upper()
    if ftype == "TOTP":
        ftype = "OTP"  # the spec says TOTP; Connect and every client use OTP
    if ftype not in FIELD_TYPES:
        raise bad_request("Invalid type %r for %s" % (body.get("type"), name))
    purpose = (_check_type(_opt(body, "purpose"), str, "purpose of %s" % name) or "").upper()
    if purpose not in PURPOSES:
        raise bad_request("Invalid purpose %r for %s (use USERNAME, PASSWORD or NOTES)" % (body.get("purpose"), name))
    if purpose in ("USERNAME", "PASSWORD"):
        if purposes_seen.get(purpose):
            raise bad_request("An item can have only one field with purpose %s" % purpose)
        purposes_seen[purpose] = True
    label = _check_type(_opt(body, "label"), str, "label of %s" % name)
    value = _check_type(_opt(body, "value"), str, "value of %s" % name)
    generate = _check_type(_opt(body, "generate"), bool, "generate of %s" % name) or False
    recipe = _check_type(_opt(body, "recipe"), dict, "recipe of %s" % name)
    section = _opt(body, "section")
    section_id = None
    if section is not None:
        _check_type(section, dict, "section of %s" % name)
        section_id = _check_type(_opt(section, "id"), str, "section.id of %s" % name) or None

    if fid is None:
        builtin = BUILTIN_IDS.get(purpose)
        if builtin and builtin not in used_ids and builtin not in reserved:
            fid = builtin
        elif ftype == "OTP":
            fid = "TOTP_" + new_id()
        else:
            fid = new_id()
    elif not fid.strip() or len(fid) > 128:
        raise bad_request("Invalid id %r for %s" % (fid[:64], name))
    if fid in used_ids:
        raise bad_request("Duplicate field id %r" % fid)
    used_ids.add(fid)
    if label is None:
        label = fid if fid in BUILTIN_IDS.values() else ""

    field = {"id": fid, "type": ftype, "purpose": purpose, "label": label, "value": value or ""}
    if section_id:
        field["section"] = {"id": section_id}
    old = old_fields.get(fid)
    generated = False
    entropy = None
    # generate: a new value when the client sent none, or sent back the stored one
    # (e.g. a PATCH of /fields/{id}/generate on an existing field).
    if generate and (not value or (old is not None and value == old.get("value"))):
        field["value"], entropy = passwords.generate(recipe)
        generated = True
    elif recipe is not None:
        passwords.check_recipe(recipe)  # a bad recipe is an error even when unused
    if not generated and old is not None and old.get("value") == field["value"]:
        generated = old.get("generated", False)
        entropy = old.get("entropy")
    if ftype == "DATE" and field["value"]:
        field["value"] = normalize_date(field["value"], name)
    elif ftype == "MONTH_YEAR" and field["value"]:
        field["value"] = normalize_month_year(field["value"], name)
    elif ftype == "OTP" and field["value"]:
        try:
            otp.parse(field["value"])
        except otp.OtpError as exc:
            raise bad_request("Invalid OTP value for %s: %s" % (name, exc)) from None
    if entropy is None and (purpose == "PASSWORD" or ftype == "CONCEALED") and field["value"]:
        entropy = passwords.estimate_entropy(field["value"])
    field["generated"] = generated
    if entropy is not None:
        field["entropy"] = entropy
    history = list(old.get("history", [])) if old else []
    if old and purpose == "PASSWORD" and old.get("value") and old.get("value") != field["value"]:
        history.append(old["value"])
    field["history"] = history
    return field


def normalize_item(body, vault_id: str, existing: dict | None = None, editor: str = "",
                   creatable_only: bool = True) -> dict:
    """Validate a client item body and build the stored item.

    existing: the stored item being replaced (PUT/PATCH) or None (POST).
    """
    if not isinstance(body, dict):
        raise bad_request("Invalid item: the request body must be a JSON object")
    limits.check_item_counts(body)
    vault = _opt(body, "vault")
    if vault is not None:
        _check_type(vault, dict, "vault")
        vid = _check_type(_opt(vault, "id"), str, "vault.id")
        if vid and vid != vault_id:
            raise bad_request("Invalid item: vault.id %r does not match the vault %s in the request path" % (vid, vault_id))
    if existing is not None:
        bid = _opt(body, "id")
        if bid is not None and bid != existing["id"]:
            raise bad_request("Invalid item: id %r in the body does not match the item %s in the request path" % (bid, existing["id"]))
    category = _check_type(_opt(body, "category"), str, "category")
    if category is None:
        category = existing["category"] if existing else None
    if not category:
        raise bad_request("Invalid item category: category is required")
    category = category.upper()
    if category not in CATEGORIES:
        raise bad_request("Invalid item category %r" % body.get("category"))
    if creatable_only and category in NOT_CREATABLE and not (existing and existing["category"] == category):
        raise bad_request("Invalid item category: %s items cannot be created or converted through Connect" % category)

    title = _check_type(_opt(body, "title"), str, "title") or ""
    favorite = _check_type(_opt(body, "favorite"), bool, "favorite") or False
    tags = _check_type(_opt(body, "tags"), list, "tags") or []
    clean_tags = []
    seen_tags = set()
    for i, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise bad_request("Invalid tags[%d]: must be a string" % i)
        if tag not in seen_tags:
            seen_tags.add(tag)
            clean_tags.append(tag)
    urls = []
    for i, url in enumerate(_check_type(_opt(body, "urls"), list, "urls") or []):
        if not isinstance(url, dict):
            raise bad_request("Invalid urls[%d]: must be an object" % i)
        href = _check_type(_opt(url, "href"), str, "urls[%d].href" % i)
        if not href:
            raise bad_request("Invalid urls[%d]: href is required" % i)
        entry = {"href": href}
        label = _check_type(_opt(url, "label"), str, "urls[%d].label" % i)
        if label:
            entry["label"] = label
        if _check_type(_opt(url, "primary"), bool, "urls[%d].primary" % i):
            entry["primary"] = True
        urls.append(entry)

    sections = []
    section_ids = set()
    for i, sec in enumerate(_check_type(_opt(body, "sections"), list, "sections") or []):
        if not isinstance(sec, dict):
            raise bad_request("Invalid sections[%d]: must be an object" % i)
        sid = _check_type(_opt(sec, "id"), str, "sections[%d].id" % i) or new_id()
        label = _check_type(_opt(sec, "label"), str, "sections[%d].label" % i) or ""
        if sid in section_ids:
            raise bad_request("Duplicate section id %r" % sid)
        section_ids.add(sid)
        sections.append({"id": sid, "label": label})

    old_fields = {f["id"]: f for f in existing.get("fields", [])} if existing else {}
    used_ids: set = set()
    purposes_seen: dict = {}
    raw_fields = _check_type(_opt(body, "fields"), list, "fields") or []
    # Fields with explicit ids claim them first, so built-in ids go to the right field.
    explicit = {raw["id"] for raw in raw_fields if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]}
    fields = []
    for i, raw in enumerate(raw_fields):
        fields.append(_normalize_field(raw, i, old_fields, used_ids, purposes_seen, explicit))
    for field in fields:
        sid = field.get("section", {}).get("id")
        if sid and sid not in section_ids:
            # Lenient: a section referenced by a field but not declared is added.
            section_ids.add(sid)
            sections.append({"id": sid, "label": ""})

    now = now_rfc3339()
    item = {
        "id": existing["id"] if existing else new_id(),
        "title": title,
        "vault_id": vault_id,
        "category": category,
        "urls": urls,
        "favorite": favorite,
        "tags": clean_tags,
        "sections": sections,
        "fields": fields,
        "version": (existing["version"] + 1) if existing else 1,
        "createdAt": existing["createdAt"] if existing else now,
        "updatedAt": now,
        "lastEditedBy": editor,
    }
    return item


def editable(item: dict) -> dict:
    """The API-shaped document a JSON Patch operates on."""
    return render_full(item, [], computed=False)


def render_summary(item: dict) -> dict:
    out = {
        "id": item["id"],
        "title": item["title"],
        "vault": {"id": item["vault_id"]},
        "category": item["category"],
        "urls": [dict(u) for u in item.get("urls", [])],
        "favorite": item.get("favorite", False),
        "tags": list(item.get("tags", [])),
        "version": item["version"],
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "lastEditedBy": item.get("lastEditedBy", ""),
    }
    if item.get("state"):
        out["state"] = item["state"]
    return out


def render_field(field: dict, computed: bool = True) -> dict:
    out = {"id": field["id"], "type": field["type"]}
    if field.get("purpose"):
        out["purpose"] = field["purpose"]
    out["label"] = field.get("label", "")
    if field.get("value"):
        out["value"] = field["value"]
    if field.get("section"):
        out["section"] = dict(field["section"])
    if not computed:
        return out
    if field.get("entropy") is not None:
        out["entropy"] = field["entropy"]
    if field["type"] == "OTP" and field.get("value"):
        try:
            out["totp"] = otp.totp(field["value"])
        except otp.OtpError:
            pass
    if field.get("purpose") == "PASSWORD" or field.get("generated") or field.get("history"):
        details = {"generated": bool(field.get("generated"))}
        if field.get("entropy") is not None:
            details["entropy"] = int(field["entropy"])
            details["strength"] = passwords.strength(field["entropy"])
        if field.get("history"):
            details["history"] = list(field["history"])
        out["passwordDetails"] = details
    return out


def render_file(f: dict, vault_id: str, item_id: str, content: bytes | None = None) -> dict:
    out = {
        "id": f["id"],
        "name": f["name"],
        "size": f["size"],
        "content_path": "/v1/vaults/%s/items/%s/files/%s/content" % (vault_id, item_id, f["id"]),
    }
    if f.get("section_id"):
        out["section"] = {"id": f["section_id"]}
    if content is not None:
        out["content"] = base64.b64encode(content).decode("ascii")
    return out


def render_full(item: dict, files: list, computed: bool = True) -> dict:
    out = render_summary(item)
    out["sections"] = [dict(s) for s in item.get("sections", [])]
    out["fields"] = [render_field(f, computed) for f in item.get("fields", [])]
    out["files"] = [render_file(f, item["vault_id"], item["id"]) for f in files]
    return out


def check_id(value: str, kind: str) -> str:
    if not is_id(value):
        raise bad_request("Invalid %s ID %r: expected 26 lowercase letters and digits" % (kind, value[:64]))
    return value
