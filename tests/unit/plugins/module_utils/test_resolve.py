# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of field/section/file resolution and attribute extraction on item JSON."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectNotFoundError,
    ResolveError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils import _resolve as resolve

VAULT_ID = "vvvvvvvvvvvvvvvvvvvvvvvvvv"
ITEM_ID = "iiiiiiiiiiiiiiiiiiiiiiiiii"
OTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # RFC 6238 SHA1 test key "12345678901234567890"

# A full item as GET /v1/vaults/{v}/items/{i} returns it.
ITEM = {
    "id": ITEM_ID,
    "title": "db",
    "vault": {"id": VAULT_ID},
    "category": "DATABASE",
    "version": 3,
    "tags": ["prod"],
    "urls": [{"href": "https://db.example.com", "primary": True}],
    "favorite": False,
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-02T00:00:00Z",
    "lastEditedBy": "USER1",
    "sections": [
        {"id": "linked items", "label": "Related Items"},
        {"id": "sec1aaaaaaaaaaaaaaaaaaaaaa", "label": "primary"},
        {"id": "sec2aaaaaaaaaaaaaaaaaaaaaa", "label": "replica"},
        {"id": "sec3aaaaaaaaaaaaaaaaaaaaaa", "label": ""},
    ],
    "fields": [
        {"id": "username", "type": "STRING", "purpose": "USERNAME", "label": "username", "value": "admin"},
        {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "pw-top"},
        {"id": "notesPlain", "type": "STRING", "purpose": "NOTES", "label": "notesPlain", "value": ""},
        {"id": "h1aaaaaaaaaaaaaaaaaaaaaaaa", "section": {"id": "sec1aaaaaaaaaaaaaaaaaaaaaa"}, "type": "STRING",
         "label": "host", "value": "db1.example.com"},
        {"id": "h2aaaaaaaaaaaaaaaaaaaaaaaa", "section": {"id": "sec2aaaaaaaaaaaaaaaaaaaaaa"}, "type": "STRING",
         "label": "host", "value": "db2.example.com"},
        {"id": "p1aaaaaaaaaaaaaaaaaaaaaaaa", "section": {"id": "sec1aaaaaaaaaaaaaaaaaaaaaa"}, "type": "CONCEALED",
         "label": "Port", "value": "5432"},
        {"id": "p2aaaaaaaaaaaaaaaaaaaaaaaa", "section": {"id": "sec2aaaaaaaaaaaaaaaaaaaaaa"}, "type": "CONCEALED",
         "label": "port", "value": "5433"},
        {"id": "TOTP_aaaaaaaaaaaaaaaaaaaaa", "section": {"id": "sec3aaaaaaaaaaaaaaaaaaaaaa"}, "type": "OTP",
         "label": "one-time password", "value": "otpauth://totp/db?secret=%s&issuer=x" % OTP_SECRET, "totp": "000000"},
        {"id": "emptyaaaaaaaaaaaaaaaaaaaaa", "type": "STRING", "label": "empty"},
    ],
    "files": [
        {"id": "f1aaaaaaaaaaaaaaaaaaaaaaaa", "name": "ca.pem", "size": 10,
         "content_path": "/v1/vaults/%s/items/%s/files/f1aaaaaaaaaaaaaaaaaaaaaaaa/content" % (VAULT_ID, ITEM_ID),
         "section": {"id": "sec1aaaaaaaaaaaaaaaaaaaaaa"}},
        {"id": "f2aaaaaaaaaaaaaaaaaaaaaaaa", "name": "Password", "size": 3,
         "content_path": "/v1/vaults/%s/items/%s/files/f2aaaaaaaaaaaaaaaaaaaaaaaa/content" % (VAULT_ID, ITEM_ID)},
    ],
}


def item():
    return copy.deepcopy(ITEM)


# -- sections and fields ----------------------------------------------------------

def test_field_by_label_id_and_case():
    assert resolve.locate(item(), None, "username")[1]["value"] == "admin"
    assert resolve.locate(item(), None, "h2aaaaaaaaaaaaaaaaaaaaaaaa")[1]["value"] == "db2.example.com"
    assert resolve.locate(item(), None, "USERNAME")[1]["id"] == "username"


def test_exact_match_beats_case_insensitive_file():
    # A field "password" and a file "Password": exact wins in both directions.
    assert resolve.locate(item(), None, "password") == ("field", ITEM["fields"][1])
    assert resolve.locate(item(), None, "Password")[0] == "file"


def test_case_insensitive_ties_are_ambiguous():
    with pytest.raises(ConnectAmbiguousError) as info:
        resolve.locate(item(), None, "PASSWORD")
    assert len(info.value.candidates) == 2
    assert "Password" in str(info.value) and "password" in str(info.value)


def test_duplicate_label_across_sections_is_ambiguous_and_lists_sections():
    with pytest.raises(ConnectAmbiguousError) as info:
        resolve.locate(item(), None, "host", vault_name="Prod")
    message = str(info.value)
    assert 'section "primary"' in message and 'section "replica"' in message
    assert 'in item "db" of vault "Prod"' in message
    assert "db1.example.com" not in message  # never the values


def test_section_disambiguates():
    assert resolve.locate(item(), "replica", "host")[1]["value"] == "db2.example.com"
    assert resolve.locate(item(), "PRIMARY", "host")[1]["value"] == "db1.example.com"
    assert resolve.locate(item(), "sec2aaaaaaaaaaaaaaaaaaaaaa", "host")[1]["value"] == "db2.example.com"


def test_exact_case_within_section_only():
    # "Port" exists in primary, "port" in replica: without a section the exact label wins.
    assert resolve.locate(item(), None, "Port")[1]["value"] == "5432"
    assert resolve.locate(item(), None, "port")[1]["value"] == "5433"
    with pytest.raises(ConnectAmbiguousError):
        resolve.locate(item(), None, "PORT")
    assert resolve.locate(item(), "replica", "PORT")[1]["value"] == "5433"


def test_missing_field_suggests_close_names():
    with pytest.raises(ConnectNotFoundError) as info:
        resolve.locate(item(), None, "passwrd", vault_name="Prod")
    assert 'No field or file named "passwrd" in item "db" of vault "Prod"' in str(info.value)
    assert "password" in [s.lower() for s in info.value.suggestions]


def test_missing_field_in_section_names_section():
    with pytest.raises(ConnectNotFoundError) as info:
        resolve.locate(item(), "replica", "username")
    assert 'in section "replica"' in str(info.value)


def test_missing_section_suggests():
    with pytest.raises(ConnectNotFoundError) as info:
        resolve.locate(item(), "replca", "host")
    assert 'No section named "replca"' in str(info.value)
    assert info.value.suggestions == ["replica"]


def test_file_in_field_position():
    kind, found = resolve.locate(item(), None, "ca.pem")
    assert kind == "file" and found["id"] == "f1aaaaaaaaaaaaaaaaaaaaaaaa"
    assert resolve.locate(item(), "primary", "CA.PEM")[0] == "file"
    with pytest.raises(ConnectNotFoundError):
        resolve.locate(item(), "replica", "ca.pem")


# -- attributes -------------------------------------------------------------------

@pytest.mark.parametrize("attribute, expected", [
    ("value", "pw-top"), ("type", "CONCEALED"), ("id", "password"), ("purpose", "PASSWORD"), ("label", "password"),
])
def test_field_attributes(attribute, expected):
    assert resolve.field_attribute(ITEM["fields"][1], attribute) == expected


def test_value_of_field_without_value_is_empty_string():
    assert resolve.field_attribute(ITEM["fields"][-1], "value") == ""
    assert resolve.field_attribute(ITEM["fields"][-1], "purpose") == ""


def test_otp_attribute_computes_instead_of_trusting_cached_totp():
    field = ITEM["fields"][7]
    assert resolve.field_attribute(field, "otp", now=59) == "287082"
    assert resolve.field_attribute(field, "totp", now=59) == "287082"
    assert resolve.field_attribute(field, "value") == field["value"]


def test_otp_falls_back_to_server_totp_when_uri_unusable():
    field = {"id": "TOTP_x", "type": "OTP", "label": "otp", "value": "otpauth://hotp/x?secret=AAAA", "totp": "123456"}
    assert resolve.field_attribute(field, "otp") == "123456"


def test_otp_errors_never_echo_the_secret():
    field = {"id": "TOTP_x", "type": "OTP", "label": "otp", "value": "otpauth://totp/x?secret=!!notbase32!!"}
    with pytest.raises(ResolveError) as info:
        resolve.field_attribute(field, "otp")
    assert "notbase32" not in str(info.value) and "not valid base32" in str(info.value)
    with pytest.raises(ResolveError, match="not a one-time password"):
        resolve.field_attribute(ITEM["fields"][1], "otp")
    with pytest.raises(ResolveError, match="only time-based"):
        resolve.field_attribute({"type": "OTP", "label": "h", "value": "otpauth://hotp/x?secret=AAAA"}, "otp")


def test_file_attributes():
    found = ITEM["files"][0]
    assert resolve.file_attribute(found, "value") is None  # content is fetched by the caller
    assert resolve.file_attribute(found, "id") == found["id"]
    assert resolve.file_attribute(found, "label") == "ca.pem"
    assert resolve.file_attribute(found, "type") == "FILE"
    with pytest.raises(ResolveError, match="file attachment"):
        resolve.file_attribute(found, "otp")


def test_file_content_text_base64_and_binary():
    found = ITEM["files"][0]
    assert resolve.file_content(found, "héllo\n".encode("utf-8")) == "héllo\n"
    assert resolve.file_content(found, b"\xff\x00", encoding="base64") == "/wA="
    with pytest.raises(ResolveError, match="file_encoding=base64"):
        resolve.file_content(found, b"\xff\x00")


# -- whole item ---------------------------------------------------------------------

def test_item_to_dict_fields_sections_and_lossless_list():
    result = resolve.item_to_dict(item(), vault={"id": VAULT_ID, "name": "Prod"}, now=59)
    assert result["title"] == "db" and result["vault"] == {"id": VAULT_ID, "name": "Prod"}
    assert result["fields"]["username"] == "admin"
    assert result["fields"]["Port"] == "5432" and result["fields"]["port"] == "5433"
    assert "host" not in result["fields"]
    assert result["duplicate_labels"] == ["host"]
    assert result["sections"]["primary"] == {"host": "db1.example.com", "Port": "5432"}
    assert result["sections"]["replica"] == {"host": "db2.example.com", "port": "5433"}
    # A section without a label is keyed by its id.
    assert result["sections"]["sec3aaaaaaaaaaaaaaaaaaaaaa"]["one-time password"].startswith("otpauth://")
    assert len(result["field_list"]) == len(ITEM["fields"])
    hosts = [(f["section"], f["value"]) for f in result["field_list"] if f["label"] == "host"]
    assert hosts == [("primary", "db1.example.com"), ("replica", "db2.example.com")]
    otp = [f for f in result["field_list"] if f["type"] == "OTP"][0]
    assert otp["otp"] == "287082"
    assert [f["name"] for f in result["files"]] == ["ca.pem", "Password"]
    assert result["files"][0]["section"] == "primary"
    assert "content" not in result["files"][0]
    assert result["tags"] == ["prod"] and result["version"] == 3


def test_item_to_dict_sections_sharing_a_label_are_keyed_by_id():
    data = item()
    data["sections"][2]["label"] = "primary"
    result = resolve.item_to_dict(data)
    assert "primary" not in result["sections"]
    assert result["sections"]["sec1aaaaaaaaaaaaaaaaaaaaaa"]["host"] == "db1.example.com"
    assert result["sections"]["sec2aaaaaaaaaaaaaaaaaaaaaa"]["host"] == "db2.example.com"


def test_item_to_dict_with_file_contents():
    result = resolve.item_to_dict(item(), files={"f1aaaaaaaaaaaaaaaaaaaaaaaa": "PEM"})
    assert result["files"][0]["content"] == "PEM" and "content" not in result["files"][1]


def test_item_to_dict_minimal_item():
    result = resolve.item_to_dict({"id": ITEM_ID, "title": "t", "vault": {"id": VAULT_ID}})
    assert result["fields"] == {} and result["sections"] == {} and result["field_list"] == []
    assert result["vault"]["id"] == VAULT_ID
