"""Item semantics: ids, purposes, categories, OTP, generation, history, dates, unknown properties."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import struct
import time

import pytest

from connect_dev import otp, passwords


def _create(client, vault, body):
    return client.post("/v1/vaults/%s/items" % vault, json=body)


@pytest.fixture()
def empty(server):
    return server.vault_id("Empty")


def _reference_totp(secret_b32: str, at: float, digits=6, period=30) -> str:
    # Independent RFC 6238 computation for the check.
    key = base64.b32decode(secret_b32)
    mac = hmac.new(key, struct.pack(">Q", int(at // period)), hashlib.sha1).digest()
    off = mac[-1] & 15
    return str((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** digits).zfill(digits)


def test_rfc6238_test_vectors():
    secret = base64.b32encode(b"12345678901234567890").decode()
    uri = "otpauth://totp/x?secret=%s&digits=8" % secret
    for at, code in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")):
        assert otp.totp(uri, at) == code
    sha256 = base64.b32encode(b"12345678901234567890123456789012").decode()
    assert otp.totp("otpauth://totp/x?secret=%s&digits=8&algorithm=SHA256" % sha256, 59) == "46119246"


def test_otp_field_returns_current_totp(client, empty):
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    item = _create(client, empty, {"title": "otp", "category": "LOGIN", "fields": [
        {"label": "otp", "type": "OTP", "value": "otpauth://totp/a?secret=%s" % secret}]}).body
    before = time.time()
    got = client.get("/v1/vaults/%s/items/%s" % (empty, item["id"])).body["fields"][0]
    after = time.time()
    assert got["id"].startswith("TOTP_") and got["type"] == "OTP"
    assert got["totp"] in {_reference_totp(secret, before), _reference_totp(secret, after)}


def test_bad_otp_value_is_400(client, empty):
    r = _create(client, empty, {"title": "otp", "category": "LOGIN", "fields": [
        {"label": "otp", "type": "OTP", "value": "otpauth://totp/a?secret=not*base32"}]})
    assert r.status_code == 400 and "Invalid OTP value for field 'otp'" in r.body["message"]


def test_spec_type_name_totp_is_stored_as_otp(client, empty):
    r = _create(client, empty, {"title": "otp", "category": "LOGIN", "fields": [
        {"label": "otp", "type": "TOTP", "value": "JBSWY3DPEHPK3PXP"}]})
    assert r.status_code == 200 and r.body["fields"][0]["type"] == "OTP" and len(r.body["fields"][0]["totp"]) == 6


@pytest.mark.parametrize("recipe,check", [
    (None, lambda v: len(v) == 32),
    ({"length": 1}, lambda v: len(v) == 1),
    ({"length": 64, "characterSets": ["DIGITS"]}, lambda v: len(v) == 64 and v.isdigit()),
    ({"length": 30, "characterSets": ["LETTERS"], "excludeCharacters": "abcdefghijklmnopqrstuvwxyz"},
     lambda v: v.isalpha() and v.isupper()),
    ({"length": 50, "characterSets": ["SYMBOLS"]}, lambda v: not any(c.isalnum() for c in v)),
])
def test_password_generation_recipes(client, empty, recipe, check):
    field = {"label": "pw", "purpose": "PASSWORD", "generate": True}
    if recipe is not None:
        field["recipe"] = recipe
    item = _create(client, empty, {"title": "gen", "category": "PASSWORD", "fields": [field]}).body
    pw = item["fields"][0]
    assert check(pw["value"]), pw["value"]
    assert pw["entropy"] > 0 and pw["passwordDetails"]["generated"] is True


def test_generated_entropy_matches_pool_size(client, empty):
    item = _create(client, empty, {"title": "gen", "category": "PASSWORD", "fields": [
        {"purpose": "PASSWORD", "generate": True, "recipe": {"length": 10, "characterSets": ["DIGITS"]}}]}).body
    assert item["fields"][0]["entropy"] == pytest.approx(10 * math.log2(10), abs=0.01)


def test_generation_uses_every_character_set():
    for dummy in range(20):
        value, _entropy = passwords.generate({"length": 3, "characterSets": ["LETTERS", "DIGITS", "SYMBOLS"]})
        assert any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
        assert any(not c.isalnum() for c in value)


@pytest.mark.parametrize("recipe,fragment", [
    ({"length": 0}, "between 1 and 64"),
    ({"length": 65}, "between 1 and 64"),
    ({"length": "12"}, "length must be an integer"),
    ({"characterSets": ["EMOJI"]}, "unknown character set"),
    ({"characterSets": "DIGITS"}, "characterSets must be a list"),
    ({"characterSets": ["DIGITS"], "excludeCharacters": "0123456789"}, "removes every character"),
])
def test_bad_recipes_are_400(client, empty, recipe, fragment):
    r = _create(client, empty, {"title": "gen", "category": "PASSWORD", "fields": [
        {"purpose": "PASSWORD", "generate": True, "recipe": recipe}]})
    assert r.status_code == 400 and fragment in r.body["message"]


def test_password_history_and_version(client, empty):
    item = _create(client, empty, {"title": "hist", "category": "LOGIN", "fields": [
        {"purpose": "PASSWORD", "value": "one"}]}).body
    path = "/v1/vaults/%s/items/%s" % (empty, item["id"])
    for value in ("two", "three"):
        item["fields"][0]["value"] = value
        item = client.put(path, json=item).body
    pw = item["fields"][0]
    assert pw["value"] == "three" and pw["passwordDetails"]["history"] == ["one", "two"]
    assert item["version"] == 3
    # a change elsewhere keeps the history as it is
    item["title"] = "hist2"
    item = client.put(path, json=item).body
    assert item["fields"][0]["passwordDetails"]["history"] == ["one", "two"] and item["version"] == 4


def test_at_most_one_username_and_password(client, empty):
    for purpose in ("USERNAME", "PASSWORD"):
        r = _create(client, empty, {"title": "two", "category": "LOGIN", "fields": [
            {"purpose": purpose, "value": "a"}, {"purpose": purpose, "value": "b"}]})
        assert r.status_code == 400 and "only one field with purpose %s" % purpose in r.body["message"]


def test_builtin_ids_and_custom_ids(client, empty):
    item = _create(client, empty, {"title": "ids", "category": "LOGIN", "fields": [
        {"purpose": "NOTES", "value": "note"}, {"purpose": "USERNAME", "value": "u"},
        {"label": "plain", "value": "p"}, {"id": "mine", "label": "mine", "value": "m"}]}).body
    ids = [f["id"] for f in item["fields"]]
    assert ids[:2] == ["notesPlain", "username"] and len(ids[2]) == 26 and ids[3] == "mine"
    r = _create(client, empty, {"title": "dup", "category": "LOGIN", "fields": [
        {"id": "same", "value": "1"}, {"id": "same", "value": "2"}]})
    assert r.status_code == 400 and "Duplicate field id 'same'" in r.body["message"]


@pytest.mark.parametrize("category", ["CUSTOM", "DOCUMENT"])
def test_custom_and_document_not_creatable(client, empty, category):
    r = _create(client, empty, {"title": "x", "category": category})
    assert r.status_code == 400 and r.body["message"].startswith("Invalid item category")


def test_unknown_and_missing_category(client, empty):
    assert _create(client, empty, {"title": "x", "category": "SPACESHIP"}).body["message"].startswith("Invalid item category")
    assert _create(client, empty, {"title": "x"}).body["message"].startswith("Invalid item category")
    r = _create(client, empty, {"title": "lower", "category": "secure_note"})
    assert r.status_code == 200 and r.body["category"] == "SECURE_NOTE"


def test_dates_and_month_year(client, empty):
    item = _create(client, empty, {"title": "dates", "category": "PASSPORT", "fields": [
        {"label": "issued", "type": "DATE", "value": "2024-02-29"},
        {"label": "expiry", "type": "MONTH_YEAR", "value": "2030/07"},
        {"label": "other", "type": "MONTH_YEAR", "value": "203101"}]}).body
    values = {f["label"]: f["value"] for f in item["fields"]}
    assert values == {"issued": "1709164800", "expiry": "203007", "other": "203101"}
    # a GET -> PUT round trip keeps them
    again = client.put("/v1/vaults/%s/items/%s" % (empty, item["id"]), json=item).body
    assert {f["label"]: f["value"] for f in again["fields"]} == values


@pytest.mark.parametrize("ftype,value,fragment", [
    ("DATE", "2024-02-30", "not a calendar date"),
    ("DATE", "29/02/2024", "expected YYYY-MM-DD"),
    ("MONTH_YEAR", "2030-13", "expected YYYYMM or YYYY/MM"),
    ("MONTH_YEAR", "203013", "expected YYYYMM or YYYY/MM"),
])
def test_bad_dates_are_400(client, empty, ftype, value, fragment):
    r = _create(client, empty, {"title": "d", "category": "PASSPORT", "fields": [
        {"label": "d", "type": ftype, "value": value}]})
    assert r.status_code == 400 and fragment in r.body["message"] and "field 'd'" in r.body["message"]


def test_unknown_properties_are_ignored_and_not_stored(server, client, empty):
    r = _create(client, empty, {"title": "extra", "category": "LOGIN", "sdkOnly": {"x": 1}, "id": None,
                                "state": "ARCHIVED", "version": 99,
                                "fields": [{"label": "f", "value": "v", "totp": "123", "bogus": True, "entropy": 1}],
                                "urls": [{"href": "https://a", "unknown": 1}]})
    assert r.status_code == 200
    assert "sdkOnly" not in r.body and r.body["version"] == 1 and "state" not in r.body
    assert "bogus" not in r.body["fields"][0] and "totp" not in r.body["fields"][0]
    assert r.body["urls"] == [{"href": "https://a"}]
    stored = server.store.get_item(empty, r.body["id"])
    assert "sdkOnly" not in stored and "bogus" not in stored["fields"][0]


def test_sections_referenced_by_fields(client, empty):
    r = _create(client, empty, {"title": "sec", "category": "SERVER",
                                "sections": [{"label": "No id"}],
                                "fields": [{"label": "f", "value": "v", "section": {"id": "undeclared"}}]})
    assert r.status_code == 200
    sections = r.body["sections"]
    assert len(sections[0]["id"]) == 26 and sections[0]["label"] == "No id"
    assert {"id": "undeclared", "label": ""} in sections
