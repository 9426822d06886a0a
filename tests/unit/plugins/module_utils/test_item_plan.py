# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _item_plan: creating and updating items, exact, generation, sections."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_plan as item_plan
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_views as item_views
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ItemSpecError
from ansible_collections.secretops.onepassword.tests.unit.plugins.module_utils.item_samples import SECRET, VAULT, ids, login_item, server_item, spec


def test_missing_section_rejected_before_write():
    s = spec(title="x", category="LOGIN", fields=[{"label": "host", "value": "h", "section": "Nope"}])
    with pytest.raises(ItemSpecError, match='section "Nope" does not exist'):
        item_plan.plan_create(s, VAULT)
    with pytest.raises(ItemSpecError, match='section "Nope" does not exist'):
        item_plan.plan_update(s, login_item())


def test_category_required_on_create():
    with pytest.raises(ItemSpecError, match="category is required"):
        item_plan.plan_create(spec(title="x"), VAULT)


def test_category_change_rejected():
    with pytest.raises(ItemSpecError, match="cannot be changed"):
        item_plan.plan_update(spec(title="Web", category="SERVER"), login_item())


def test_create_body_shape():
    body, predicted = item_plan.plan_create(spec(
        title="Api", category="API_CREDENTIAL",
        fields=[{"label": "key", "generate": "on_create", "recipe": {"length": 40, "character_sets": ["LETTERS"]}},
                {"label": "user", "value": "bob", "section": "S"}],
        sections=["S"], notes="n"), VAULT, id_factory=ids())
    assert body["vault"] == {"id": VAULT}
    key = body["fields"][0]
    assert key["generate"] is True and key["recipe"] == {"length": 40, "characterSets": ["LETTERS"]}
    assert "value" not in key
    assert body["fields"][1]["section"] == {"id": body["sections"][0]["id"]}
    assert body["fields"][2] == {"id": "notesPlain", "label": "notesPlain", "type": "STRING", "purpose": "NOTES", "value": "n"}
    assert predicted["fields"][0]["value"] == item_spec.GENERATED


def test_password_purpose_defaults_to_concealed():
    body, dummy = item_plan.plan_create(spec(title="x", category="PASSWORD", fields=[{"label": "password", "purpose": "PASSWORD", "value": "v"}]), VAULT)
    assert body["fields"][0]["type"] == "CONCEALED"


def test_unchanged_item_gives_no_operations():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(
        title="Web", category="LOGIN",
        fields=[{"label": "password", "value": SECRET}, {"label": "host", "section": "conn", "value": "db1"}],
        tags=["web", "prod"], urls=["https://a.example"] and [{"href": "https://a.example", "primary": True}],
        notes="keep me"), current)
    assert ops == []
    assert predicted == current


def test_change_one_value_touches_only_that_field():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "password", "value": "new"}]), current)
    assert len(ops) == 1
    assert ops[0]["op"] == "replace" and ops[0]["path"] == "/fields/fld00000000000000000000001"
    assert ops[0]["value"]["value"] == "new" and ops[0]["value"]["purpose"] == "PASSWORD"
    others = [f for f in predicted["fields"] if f["id"] != "fld00000000000000000000001"]
    assert others == [f for f in current["fields"] if f["id"] != "fld00000000000000000000001"]
    assert predicted["tags"] == current["tags"] and predicted["urls"] == current["urls"]


def test_add_field_appends():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "token", "value": "t", "type": "concealed"}]), current)
    assert ops == [{"op": "add", "path": "/fields", "value": {"label": "token", "type": "CONCEALED", "purpose": "", "value": "t"}}]
    assert len(predicted["fields"]) == len(current["fields"]) + 1


def test_field_matched_in_named_section_only():
    current = login_item()
    # "host" exists in section Conn; asking for it outside a section in a new section must add.
    ops, dummy = item_plan.plan_update(spec(title="Web", sections=["Other"], fields=[{"label": "host", "value": "db1", "section": "Other"}]), current)
    # the new section is appended (add /sections/-), not the whole list replaced
    assert [(o["op"], o["path"]) for o in ops] == [("add", "/sections/-"), ("add", "/fields")]
    assert ops[0]["value"]["label"] == "Other"
    assert ops[1]["value"]["section"]["id"] == ops[0]["value"]["id"]


def test_field_without_section_found_anywhere_when_unique():
    ops, dummy = item_plan.plan_update(spec(title="Web", fields=[{"label": "port", "value": "5432"}]), login_item())
    assert ops == []


def test_move_field_to_section():
    current = login_item()
    # By label, a field is known by its section too: name it by id to move it.
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"id": current["fields"][0]["id"], "section": "Conn"}]), current)
    assert len(ops) == 1 and ops[0]["value"]["section"] == {"id": current["sections"][0]["id"]}
    assert ops[0]["value"]["value"] == "alice"


def test_tags_urls_title_favorite():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web2", tags=["x"], urls=[{"href": "https://b.example", "label": "b"}], favorite=True), current)
    assert {o["path"] for o in ops} == {"/title", "/favorite", "/tags", "/urls"}
    assert predicted["title"] == "Web2" and predicted["tags"] == ["x"] and predicted["favorite"] is True
    assert predicted["urls"] == [{"href": "https://b.example", "label": "b"}]
    # Tag order is not a change.
    ops, dummy = item_plan.plan_update(spec(title="Web", tags=["web", "prod", "web"]), current)
    assert ops == []


def test_notes_update_and_exact_keeps_notes():
    current = login_item()
    ops, dummy = item_plan.plan_update(spec(title="Web", notes="changed"), current)
    assert ops == [{"op": "replace", "path": "/fields/notesPlain",
                    "value": {"id": "notesPlain", "label": "notesPlain", "type": "STRING", "purpose": "NOTES", "value": "changed"}}]


def test_purpose_match_relabels_instead_of_second_password():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "db password", "purpose": "PASSWORD", "value": SECRET}]), current)
    assert len(ops) == 1 and ops[0]["op"] == "replace"
    assert sum(1 for f in predicted["fields"] if f.get("purpose") == "PASSWORD") == 1


def test_second_password_purpose_against_server_rejected():
    current = login_item()
    with pytest.raises(ItemSpecError, match="purpose PASSWORD"):
        item_plan.plan_update(spec(title="Web", fields=[{"label": "host", "section": "Conn", "purpose": "PASSWORD"}]), current)


def test_ambiguous_field_label():
    current = login_item()
    current["fields"].append({"id": "dup" + "x" * 23, "label": "Username", "type": "STRING", "value": "z"})
    current["fields"].append({"id": "dup" + "y" * 23, "label": "Username", "type": "STRING", "value": "z"})
    with pytest.raises(ItemSpecError, match='"Username" is ambiguous'):
        item_plan.plan_update(spec(title="Web", fields=[{"label": "Username", "value": "q"}]), current)


def test_exact_removes_unnamed_fields_tags_urls_and_unused_sections():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", exact=True, fields=[{"label": "username", "value": "alice"}]), current)
    removed = sorted(o["path"] for o in ops if o["op"] == "remove")
    assert removed == ["/fields/fld00000000000000000000001", "/fields/fld00000000000000000000002",
                       "/fields/fld00000000000000000000003"]
    assert [f["label"] for f in predicted["fields"]] == ["username", "notesPlain"]
    assert predicted["tags"] == [] and predicted["urls"] == [] and predicted["sections"] == []
    ops2, dummy = item_plan.plan_update(spec(title="Web", exact=True, fields=[{"label": "username", "value": "alice"}]), predicted)
    assert ops2 == []


def test_on_create_keeps_existing_value():
    current = login_item()
    ops, dummy = item_plan.plan_update(spec(title="Web", fields=[{"label": "password", "generate": "on_create"}]), current)
    assert ops == []


def test_on_create_generates_new_field():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "api key", "generate": "on_create",
                                                                      "recipe": {"length": 12}}]), current)
    assert ops[0]["value"]["generate"] is True and ops[0]["value"]["recipe"]["length"] == 12
    assert predicted["fields"][-1]["value"] == item_spec.GENERATED


def test_always_generates_every_run():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "password", "generate": "always"}]), current)
    assert len(ops) == 1 and ops[0]["value"]["generate"] is True and "value" not in ops[0]["value"]
    pw = [f for f in predicted["fields"] if f["label"] == "password"][0]
    assert pw["value"] == item_spec.GENERATED


def test_date_and_month_year_normalised():
    assert item_spec.normalize_value("DATE", "1700006400") == "2023-11-15"
    assert item_spec.normalize_value("DATE", "2023-11-15") == "2023-11-15"
    assert item_spec.normalize_value("MONTH_YEAR", "2024/05") == item_spec.normalize_value("MONTH_YEAR", "202405")
    current = login_item()
    current["fields"].append({"id": "d" * 26, "label": "expires", "type": "DATE", "value": "1700006400"})
    ops, dummy = item_plan.plan_update(spec(title="Web", fields=[{"label": "expires", "type": "date", "value": "2023-11-15"}]), current)
    assert ops == []


def test_generic_item_policy_makes_fields_exact_and_keeps_notes_and_section_ids():
    current = login_item()
    s = item_spec.build_spec({"title": "Web", "category": "login", "fields": [
        {"label": "password", "field_type": "concealed", "generate_value": "on_create"},
        {"label": "host", "field_type": "string", "value": "db1", "section": "Conn"}]}, item_spec.GENERIC_ITEM_POLICY)
    ops, predicted = item_plan.plan_update(s, current)
    assert {f["label"] for f in predicted["fields"]} == {"password", "host", "notesPlain"}
    assert predicted["sections"] == current["sections"]
    assert predicted["tags"] == [] and predicted["favorite"] is False
    ops2, dummy = item_plan.plan_update(s, predicted)
    assert ops2 == []


def test_generic_item_policy_infers_purposes_and_creates_sections():
    s = item_spec.build_spec({"title": "L", "category": "login", "fields": [
        {"label": "username", "field_type": "string", "value": "u"},
        {"label": "password", "field_type": "concealed", "value": "p", "section": "New"}]}, item_spec.GENERIC_ITEM_POLICY)
    body, dummy = item_plan.plan_create(s, VAULT, id_factory=ids())
    assert [f["purpose"] for f in body["fields"]] == ["USERNAME", "PASSWORD"]
    assert body["sections"][0]["label"] == "New"


labels = st.sampled_from(["a", "b", "B", "c", "password", "user"])


# A field without a section may match a same-label field in a section, so
# section-less fields use their own labels here.
field_specs = st.lists(st.one_of(
    st.fixed_dictionaries({
        "label": st.sampled_from(["a", "b", "B", "c"]),
        "value": st.text(alphabet="xyz01", max_size=4),
        "section": st.sampled_from(["S1", "S2"]),
        "type": st.sampled_from([None, "STRING", "CONCEALED"]),
    }),
    st.fixed_dictionaries({
        "label": st.sampled_from(["password", "user", "User"]),
        "value": st.text(alphabet="xyz01", max_size=4),
        "section": st.none(),
        "type": st.sampled_from([None, "STRING", "CONCEALED"]),
    })), max_size=5, unique_by=lambda f: (f["label"].casefold(), f["section"]))


@settings(max_examples=100, deadline=None)
@given(first=field_specs, second=field_specs, exact=st.booleans(), tags=st.lists(labels, max_size=3))
def test_plan_then_replan_is_noop(first, second, exact, tags):
    make = ids()
    body, dummy = item_plan.plan_create(spec(title="P", category="SERVER", sections=["S1", "S2"], fields=first), VAULT, id_factory=make)
    current = server_item(body)
    desired = spec(title="P", sections=["S1", "S2"], fields=second, exact=exact, tags=tags)
    ops, predicted = item_plan.plan_update(desired, current, id_factory=make)
    # Give added fields ids as the server would, then plan again.
    for index, field in enumerate(predicted["fields"]):
        field.setdefault("id", "new%023d" % index)
    again, dummy = item_plan.plan_update(desired, predicted, id_factory=make)
    assert again == []
    # Fields the task did not name survive unless exact.
    named = {(f["label"].casefold(), f["section"]) for f in second}
    if not exact:
        assert len(predicted["fields"]) >= len(current["fields"])
    else:
        assert len([f for f in predicted["fields"] if f.get("purpose") != "NOTES"]) == len(named)


def test_fields_given_only_by_purpose_do_not_collide():
    built = spec(title="Web", category="login", fields=[{"purpose": "USERNAME", "value": "a"}, {"purpose": "PASSWORD", "value": "b"}])
    body, dummy = item_plan.plan_create(built, VAULT)
    assert [(f["label"], f["purpose"], f["type"]) for f in body["fields"]] == [
        ("username", "USERNAME", "STRING"), ("password", "PASSWORD", "CONCEALED")]
    with pytest.raises(ItemSpecError, match="Only one field can have purpose PASSWORD"):
        spec(fields=[{"purpose": "PASSWORD", "value": "a"}, {"purpose": "PASSWORD", "value": "b"}])


def test_date_values_sent_as_dates_compared_idempotently_and_returned_as_dates():
    built = spec(title="Card", category="login", fields=[{"label": "expires", "type": "DATE", "value": "2027-01-31"},
                                                         {"label": "renewed", "type": "date", "value": "1801353600"}])
    body, dummy = item_plan.plan_create(built, VAULT)
    assert [f["value"] for f in body["fields"]] == ["2027-01-31", "2027-01-31"]
    stored = server_item(body)
    for field in stored["fields"]:
        field["value"] = "1801353600"  # what Connect answers
    again = spec(fields=[{"label": "expires", "value": "2027-01-31"}, {"label": "renewed", "value": "1801353600"}])
    assert item_plan.plan_update(again, stored)[0] == []
    assert [f["value"] for f in item_views.public_item(stored, reveal=True)["fields"]] == ["2027-01-31", "2027-01-31"]
    changed, dummy = item_plan.plan_update(spec(fields=[{"label": "expires", "value": "2027-02-01"}]), stored)
    assert changed[0]["value"]["value"] == "2027-02-01"
    for bad in ("2027-02-30", "31/01/2027", "soon"):
        with pytest.raises(ItemSpecError, match=r"^fields\[0\]\.value: a DATE value must be") as raised:
            item_plan.plan_update(spec(fields=[{"label": "expires", "value": bad}]), stored)
        assert bad not in str(raised.value)


def test_new_sections_are_appended_renames_replace_the_list():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(sections=["One", "Two"]), current, id_factory=ids())
    assert [(o["op"], o["path"], o["value"]["label"]) for o in ops] == [
        ("add", "/sections/-", "One"), ("add", "/sections/-", "Two")]
    assert [s["label"] for s in predicted["sections"]] == ["Conn", "One", "Two"]
    section_id = current["sections"][0]["id"]
    ops, dummy = item_plan.plan_update(spec(sections=[{"id": section_id, "label": "Connection"}]), current)
    assert [(o["op"], o["path"]) for o in ops] == [("replace", "/sections")]
