# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the item_info module.

With reveal=true, or with field (which returns one value), the task output
is hidden as with no_log; the values stay available through register.
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.plugin_utils._action import ConnectActionBase


class ActionModule(ConnectActionBase):

    MODULE = "secretops.onepassword.item_info"

    def reveals_values(self, result):
        return self.task_flag("reveal") or "field" in result
