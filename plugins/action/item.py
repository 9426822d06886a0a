# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the item module.

Runs the module, then, when it wrote to an item, drops that item from the
run-wide lookup cache so later lookups in the same run read the new values.
When the result carries field values (reveal), the task output is hidden as
with no_log; the values stay available through register.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

try:
    from ansible_collections.secretops.onepassword.plugins.plugin_utils._cache import invalidate_item
except ImportError:  # the lookup cache is optional
    invalidate_item = None

display = Display()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    MODULE = "secretops.onepassword.item"

    def reveals_values(self, result):
        """True when the result holds field values (then the output is hidden)."""
        try:
            return boolean(self._task.args.get("reveal", False), strict=False)
        except TypeError:
            return False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        module_name = getattr(self._task, "resolved_action", None) or self.MODULE
        result.update(self._execute_module(module_name=module_name, module_args=self._task.args, task_vars=task_vars))
        if result.get("failed"):
            return result
        if result.get("changed") and not self._task.check_mode and not self._play_context.check_mode:
            self._invalidate(result.get("vault_id"), result.get("item_id"))
        if self.reveals_values(result):
            result["_ansible_no_log"] = True
        return result

    def _invalidate(self, vault_id, item_id):
        if invalidate_item is None:
            return
        if not vault_id or not item_id:
            return
        try:
            invalidate_item(vault_id, item_id)
        except Exception as exc:  # a cache problem must not fail a successful write
            display.vvv("secretops.onepassword: could not refresh the lookup cache: %s" % exc)
