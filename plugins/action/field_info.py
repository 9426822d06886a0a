# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the field_info module.

The result holds the field's value (and an OTP code), so the task output is
hidden as with no_log; the value stays available through register.
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.plugin_utils._action import ConnectActionBase


class ActionModule(ConnectActionBase):

    MODULE = "secretops.onepassword.field_info"

    def reveals_values(self, result):
        return bool(result.get("field"))
