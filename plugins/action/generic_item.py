# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the generic_item module (see the item action)."""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.action.item import ActionModule as ItemAction


class ActionModule(ItemAction):

    MODULE = "secretops.onepassword.generic_item"

    def reveals_values(self, result):
        fields = (result.get("op_item") or {}).get("fields") or {}
        return any(isinstance(f, dict) and f.get("value") for f in fields.values())
