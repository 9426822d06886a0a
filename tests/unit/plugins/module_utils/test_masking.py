# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _masking with the item modules' secret paths."""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec


def test_masking_positions_and_other_no_log_values():
    from ansible_collections.secretops.onepassword.plugins.module_utils import _masking

    params = {"token": "tok", "notes": "n0tes", "title": "a4b",
              "fields": [{"label": "x", "value": "4", "recipe": None}, {"label": "y", "value": None}]}
    paths = item_spec.SECRET_PATHS
    assert _masking.values_at(params, paths) == {"4", "n0tes"}
    hidden = _masking.masked(params, paths)
    assert [f["value"] for f in hidden["fields"]] == [_masking.INVOCATION_MASK, None]
    assert hidden["notes"] == _masking.INVOCATION_MASK and hidden["title"] == "a4b" and params["fields"][0]["value"] == "4"
    spec_ = dict(item_spec.item_argument_spec(), token=dict(type="str", no_log=True))
    # the token stays hidden by Ansible, even when a field has the same value
    assert _masking.other_no_log_values(spec_, dict(params, fields=[{"value": "tok"}]), paths) == {"tok"}


def test_server_text_scrubbed_only_where_connect_quotes_a_value():
    from ansible_collections.secretops.onepassword.plugins.module_utils._masking import scrub_server_text

    message = 'Cannot update item "a4" in vault "V": Connect answered 400: Invalid DATE value for x: \'4\' is not a date.'
    assert scrub_server_text(message, {"4"}) == (
        'Cannot update item "a4" in vault "V": Connect answered 400: Invalid DATE value for x: \'<hidden>\' is not a date.')
    assert scrub_server_text("Connect answered 400: expected DATE", {"D"}) == "Connect answered 400: expected DATE"
    assert scrub_server_text('item "x4" not found', {"x4"}) == 'item "x4" not found'
