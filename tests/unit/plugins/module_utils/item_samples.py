# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Items and specs shared by the item code's unit tests."""

from __future__ import annotations

import copy
import itertools

from ansible_collections.secretops.onepassword.plugins.module_utils import _item_plan as item_plan
from ansible_collections.secretops.onepassword.plugins.module_utils import _item_spec as item_spec


VAULT = "v" * 26
SECRET = "s3cr3t-Value-!"


def ids():
    counter = itertools.count(1)
    return lambda: "sec%023d" % next(counter)


def spec(**params):
    return item_spec.build_spec(params)


def server_item(body, item_id="i" * 26):
    """What a server would store for a POST body (ids assigned, values generated)."""
    item = copy.deepcopy(body)
    item["id"] = item_id
    item.setdefault("urls", [])
    item.setdefault("sections", [])
    item["version"] = 1
    for index, field in enumerate(item["fields"]):
        field.setdefault("id", "fld%023d" % index)
        if field.pop("generate", False):
            field.pop("recipe", None)
            field["value"] = "generated-%d" % index
    return item


def login_item():
    body, dummy = item_plan.plan_create(spec(
        title="Web", category="login",
        fields=[{"label": "username", "value": "alice", "purpose": "USERNAME"},
                {"label": "password", "value": SECRET, "purpose": "PASSWORD"},
                {"label": "host", "value": "db1", "section": "Conn"},
                {"label": "port", "value": "5432", "section": "Conn"}],
        sections=[{"label": "Conn"}], tags=["prod", "web"], urls=[{"href": "https://a.example", "primary": True}],
        notes="keep me"), VAULT, id_factory=ids())
    return server_item(body)
