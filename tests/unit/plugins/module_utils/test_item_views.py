# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _item_views: results and diffs, values hidden unless revealed."""

from __future__ import annotations

import json

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_plan as item_plan
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_views as item_views
from ansible_collections.secretops.onepassword.tests.unit.plugins.module_utils.item_samples import SECRET, login_item, spec


def test_connect_item_keyed_by_label_with_values():
    out = item_views.connect_item(login_item())
    assert out["fields"]["password"]["value"] == SECRET
    assert out["fields"]["host"]["section"]["id"]


def test_public_item_hides_values_unless_revealed():
    item = login_item()
    item["fields"][1]["passwordDetails"] = {"history": ["old-secret"]}
    hidden = item_views.public_item(item)
    assert SECRET not in json.dumps(hidden) and "old-secret" not in json.dumps(hidden)
    assert hidden["fields"][1]["has_value"] is True
    shown = item_views.public_item(item, reveal=True)
    assert shown["fields"][1]["value"] == SECRET and "old-secret" not in json.dumps(shown)


def test_diff_view_masks_and_marks_changes():
    current = login_item()
    ops, predicted = item_plan.plan_update(spec(title="Web", fields=[{"label": "password", "value": "n3w"},
                                                                     {"label": "k", "generate": "always"}]), current)
    before = item_views.diff_view(current)
    after = item_views.diff_view(predicted, reference=current)
    dumped = json.dumps([before, after])
    assert SECRET not in dumped and "n3w" not in dumped and "alice" not in dumped
    assert before["fields"]["password"]["value"] == item_spec.MASK
    assert after["fields"]["password"]["value"] == item_spec.MASK_CHANGED
    assert after["fields"]["username"]["value"] == item_spec.MASK
    assert after["fields"]["k"]["value"] == item_spec.MASK_GENERATED
    assert after["fields"]["Conn/host"]["value"] == item_spec.MASK


def test_result_keys_snake_case_and_camel_case_in_the_connect_shape():
    stored = dict(login_item(), createdAt="2026-01-01T00:00:00Z", updatedAt="2026-01-02T00:00:00Z", lastEditedBy="u")
    shown = item_views.public_item(stored)
    assert (shown["created_at"], shown["updated_at"], shown["last_edited_by"]) == (
        "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "u")
    assert "createdAt" not in shown
    shaped = item_views.connect_item(stored)
    assert shaped["createdAt"] == "2026-01-01T00:00:00Z" and "created_at" not in shaped
