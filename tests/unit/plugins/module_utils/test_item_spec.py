# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _item_spec: a task's item checked and normalised."""

from __future__ import annotations

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_plan as item_plan
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError
from ansible_collections.secretops.onepassword.tests.unit.plugins.module_utils.item_samples import VAULT, spec


@pytest.mark.parametrize("category", ["CUSTOM", "DOCUMENT"])
def test_not_creatable_categories_rejected(category):
    s = spec(title="x", category=category)
    with pytest.raises(ItemSpecError, match="cannot be created"):
        item_plan.plan_create(s, VAULT)


def test_unknown_category_named():
    with pytest.raises(ItemSpecError, match='Unknown item category "wizard"'):
        spec(title="x", category="wizard")


def test_lowercase_category_accepted():
    assert spec(title="x", category="api_credential")["category"] == "API_CREDENTIAL"


def test_two_password_fields_rejected():
    with pytest.raises(ItemSpecError, match="purpose PASSWORD"):
        spec(title="x", category="LOGIN", fields=[{"label": "a", "purpose": "password"},
                                                  {"label": "b", "purpose": "PASSWORD"}])


@pytest.mark.parametrize("recipe,message", [
    ({"length": 0}, "between 1 and 64"),
    ({"length": 65}, "between 1 and 64"),
    ({"character_sets": []}, "at least one character set"),
    ({"include_letters": False, "include_digits": False, "include_symbols": False}, "at least one character set"),
    ({"character_sets": ["EMOJI"]}, 'unknown character set "EMOJI"'),
    ({"character_sets": ["DIGITS"], "exclude_characters": "0123456789"}, "removes every character"),
    ({"character_sets": ["DIGITS"], "include_digits": True}, "not both"),
])
def test_invalid_recipes(recipe, message):
    with pytest.raises(ItemSpecError, match=message):
        spec(title="x", fields=[{"label": "p", "generate": "always", "recipe": recipe}])


def test_recipe_normalized():
    assert item_spec.normalize_recipe({"length": 64, "character_sets": ["digits", "LETTERS"], "exclude_characters": "0O"}) == {
        "length": 64, "characterSets": ["LETTERS", "DIGITS"], "excludeCharacters": "0O"}
    assert item_spec.normalize_recipe({"length": 1, "include_symbols": False}) == {"length": 1, "characterSets": ["LETTERS", "DIGITS"]}


def test_value_and_generate_exclusive():
    with pytest.raises(ItemSpecError, match="exclude each other"):
        spec(title="x", fields=[{"label": "p", "value": "v", "generate": "on_create"}])


def test_unknown_field_type():
    with pytest.raises(ItemSpecError, match='fields\\[0\\]: unknown field type "number"'):
        spec(title="x", fields=[{"label": "p", "type": "number"}])


def test_duplicate_field_rejected():
    with pytest.raises(ItemSpecError, match="name the same field"):
        spec(title="x", fields=[{"label": "P"}, {"label": "p"}])


@pytest.mark.parametrize("sections, words", [
    ([1], "got int"), ([["a"]], "got list"), ([{"label": 5}], "label must be a string"),
    ([{"id": 7}], "id must be a string"), ([{}], "label is required"),
])
def test_malformed_sections_are_named_clearly(sections, words):
    with pytest.raises(ItemSpecError, match=r"^sections\[0\]: .*" + words):
        item_spec.build_spec({"title": "t", "category": "LOGIN", "sections": sections})


@pytest.mark.parametrize("value, message", [
    (True, 'fields[0].value is a YAML boolean; quote it'),
    (False, 'fields[0].value is a YAML boolean; quote it'),
    (2.718, "fields[0].value is a YAML number with a decimal point"),
    ({"a": 1}, "fields[0].value must be a string, got a dict"),
])
def test_field_value_types_refused_without_echoing_the_value(value, message):
    with pytest.raises(ItemSpecError) as raised:
        spec(fields=[{"label": "x", "value": value}])
    assert str(raised.value).startswith(message)
    assert repr(value) not in str(raised.value).replace("fields[0]", "")


def test_integer_values_become_their_digits_and_notes_are_checked_too():
    assert spec(fields=[{"label": "port", "value": 5432}])["fields"][0]["value"] == "5432"
    with pytest.raises(ItemSpecError, match="^notes is a YAML boolean"):
        spec(notes=True)
