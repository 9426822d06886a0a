# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the op:// secret reference parser."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings, strategies as st

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ReferenceSyntaxError
from ansible_collections.secretops.onepassword.plugins.module_utils._references import (
    ATTRIBUTES,
    SYNTAX,
    SecretReference,
    parse_item_reference,
    parse_reference,
)

# Names as people write them: anything but the delimiters, not blank at the ends.
NAME = st.text(
    alphabet=st.characters(blacklist_characters="/?", blacklist_categories=("Cs",)),
    min_size=1, max_size=20,
).filter(lambda s: s.strip() == s and s != "")


def test_three_parts():
    ref = parse_reference("op://Prod/db/password")
    assert (ref.vault, ref.item, ref.section, ref.field) == ("Prod", "db", None, "password")
    assert ref.attribute == "value" and ref.ssh_format is None


def test_four_parts_and_spaces_in_names():
    ref = parse_reference("op://My Vault/web server/TLS keys/cert.pem")
    assert (ref.vault, ref.item, ref.section, ref.field) == ("My Vault", "web server", "TLS keys", "cert.pem")


def test_scheme_is_case_insensitive_and_term_is_stripped():
    ref = parse_reference("  OP://Prod/db/password\n")
    assert ref.vault == "Prod" and ref.field == "password"
    assert ref.raw == "OP://Prod/db/password"


@pytest.mark.parametrize("query, attribute", [
    ("attribute=otp", "otp"), ("attribute=TOTP", "otp"), ("Attribute=Type", "type"),
    ("attribute=id", "id"), ("attribute=purpose", "purpose"), ("attribute=label", "label"),
    ("attribute=value", "value"),
])
def test_attributes(query, attribute):
    assert parse_reference("op://v/i/f?" + query).attribute == attribute


def test_ssh_format_alone_and_with_value_attribute():
    assert parse_reference("op://v/i/private key?ssh-format=openssh").ssh_format == "openssh"
    ref = parse_reference("op://v/i/private key?attribute=value&ssh-format=OpenSSH")
    assert (ref.attribute, ref.ssh_format) == ("value", "openssh")


def test_short_reference_needs_default_vault():
    ref = parse_reference("db/password", default_vault="Prod")
    assert (ref.vault, ref.item, ref.section, ref.field) == ("Prod", "db", None, "password")
    assert ref.short
    ref = parse_reference("db/conn/host?attribute=type", default_vault="Prod")
    assert (ref.section, ref.field, ref.attribute) == ("conn", "host", "type")
    with pytest.raises(ReferenceSyntaxError, match="no default vault"):
        parse_reference("db/password")


def test_full_reference_ignores_default_vault():
    assert parse_reference("op://Other/db/password", default_vault="Prod").vault == "Other"


def test_item_name_with_colon_is_a_short_reference():
    ref = parse_reference("db: prod/password", default_vault="V")
    assert ref.item == "db: prod"


@pytest.mark.parametrize("term, fragment", [
    ("op://Prod/db", "2 parts"),
    ("op://a/b/c/d/e", "5 parts"),
    ("op://", 'nothing follows "op://"'),
    ("op:///db/password", "the vault part is empty"),
    ("op://Prod//password", "the item part is empty"),
    ("op://Prod/db/", "the field part is empty"),
    ("op://Prod/db//password", "the section part is empty"),
    ("op://Prod/ /password", "the item part is empty"),
    ("op://Prod/db/password?", "nothing follows the '?'"),
    ("op://Prod/db/password?attribute", 'parameter "attribute" has no value'),
    ("op://Prod/db/password?attribute=", 'parameter "attribute" has an empty value'),
    ("op://Prod/db/password?attribute=secret", 'unknown attribute "secret"'),
    ("op://Prod/db/password?format=x", 'unknown query parameter "format"'),
    ("op://Prod/db/password?attribute=otp&attribute=id", 'given twice'),
    ("op://Prod/db/password?attribute=otp&", "stray '&'"),
    ("op://Prod/db/key?ssh-format=pem", 'unknown ssh-format "pem"'),
    ("op://Prod/db/key?ssh-format=openssh&attribute=type", "cannot be combined with attribute=type"),
    ("op:/Prod/db/password", 'starts with "op:/" instead of "op://"'),
    ("https://Prod/db/password", 'starts with "https://"'),
    ("op:Prod/db/password", 'instead of "op://"'),
    ("", "Empty secret reference"),
    ("   ", "Empty secret reference"),
])
def test_malformed_references_name_the_bad_part(term, fragment):
    with pytest.raises(ReferenceSyntaxError) as info:
        parse_reference(term, default_vault=None)
    message = str(info.value)
    assert fragment in message
    assert "op://<vault>/<item>/[<section>/]<field>" in message


def test_short_reference_with_too_many_parts():
    with pytest.raises(ReferenceSyntaxError, match="short reference has 2 or 3 parts"):
        parse_reference("a/b/c/d", default_vault="V")
    with pytest.raises(ReferenceSyntaxError, match="short reference has 2 or 3 parts"):
        parse_reference("justone", default_vault="V")


def test_not_a_string():
    with pytest.raises(ReferenceSyntaxError, match="must be a string, got int"):
        parse_reference(42)


def test_item_references():
    assert parse_item_reference("op://Prod/db") == ("Prod", "db")
    assert parse_item_reference("web/api", default_vault="Prod") == ("Prod", "web/api")
    for term, fragment in [("op://Prod", "1 part"), ("op://Prod/db/password", "3 parts"),
                           ("op://Prod/", "the item part is empty"), ("op://Prod/db?attribute=id", "no query"),
                           ("db", "no default vault"), ("", "Empty item reference")]:
        with pytest.raises(ReferenceSyntaxError) as info:
            parse_item_reference(term)
        assert fragment in str(info.value)


# -- properties ---------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(vault=NAME, item=NAME, section=st.none() | NAME, field=NAME,
       attribute=st.sampled_from(ATTRIBUTES), ssh=st.booleans())
def test_canonical_form_round_trips(vault, item, section, field, attribute, ssh):
    ssh_format = "openssh" if ssh and attribute == "value" else None
    original = SecretReference(vault, item, field, section=section,
                               attribute="otp" if attribute == "totp" else attribute, ssh_format=ssh_format)
    parsed = parse_reference(original.canonical())
    assert parsed == original
    assert parsed.canonical() == original.canonical()
    # The same reference written short, relative to a default vault, means the same thing.
    short_text = original.canonical()[len("op://") + len(vault) + 1:]
    assume(not short_text.lower().startswith("op:"))
    assume(":/" not in short_text.split("/")[0] + "/")
    assert parse_reference(short_text, default_vault=vault) == original


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(text):
    for default in (None, "Prod"):
        try:
            ref = parse_reference(text, default_vault=default)
        except ReferenceSyntaxError as exc:
            assert SYNTAX in str(exc)
        else:
            assert ref.item and ref.field and ref.vault
            assert "/" not in ref.item + ref.field + (ref.section or "")


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(NAME, min_size=3, max_size=4), blank=st.integers(min_value=0, max_value=3))
def test_a_blank_part_is_named(parts, blank):
    assume(blank < len(parts))
    names = ["vault", "item", "field"] if len(parts) == 3 else ["vault", "item", "section", "field"]
    parts = list(parts)
    parts[blank] = ""
    with pytest.raises(ReferenceSyntaxError) as info:
        parse_reference("op://" + "/".join(parts))
    assert "the %s part is empty" % names[blank] in str(info.value)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(NAME, min_size=5, max_size=8))
def test_too_many_parts_are_counted(parts):
    with pytest.raises(ReferenceSyntaxError) as info:
        parse_reference("op://" + "/".join(parts))
    assert "%d parts" % len(parts) in str(info.value)
