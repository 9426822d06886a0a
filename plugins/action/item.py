# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the item module.

Runs the module, then, when it wrote to an item, drops that item from the
run-wide lookup cache so later lookups in the same run read the new values.
A failed task may have written too (Connect applied an update whose answer
was lost): then the item is dropped as well, or every item of the vault when
the item's id is not known (a create).
When the result carries field values (reveal), the task output is hidden as
with no_log; the values stay available through register.
"""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.secretops.onepassword.plugins.plugin_utils._action import ConnectActionBase

from ansible_collections.secretops.onepassword.plugins.plugin_utils._cache import invalidate_item

display = Display()


class ActionModule(ConnectActionBase):

    MODULE = "secretops.onepassword.item"

    def reveals_values(self, result):
        return self.task_flag("reveal")

    def after_module(self, result):
        if self._task.check_mode or self._play_context.check_mode:
            return
        if result.get("failed") or result.get("changed"):
            self._invalidate(result.get("vault_id"), result.get("item_id") or None)

    @staticmethod
    def _invalidate(vault_id, item_id):
        """Forget the item (item_id None: every item of the vault) in the run cache."""
        if not vault_id:
            return
        try:
            invalidate_item(vault_id, item_id)
        except Exception as exc:  # a cache problem must not fail a successful write
            display.vvv("secretops.onepassword: could not refresh the lookup cache: %s" % exc)
