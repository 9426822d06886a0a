# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Shared base of the collection's action plugins (controller side of modules).

ConnectActionBase runs the module of the same name on the target, then:
- after_module(result) lets a subclass act on the result, failed or not (the
  item action refreshes the run-wide lookup cache, also after a failed write
  whose answer may have been lost after Connect applied it);
- when reveals_values(result) is true the result is marked like a task with
  no_log, so ansible-playbook shows it as censored at every verbosity while
  a registered variable still holds the values.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ConnectActionBase(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    #: The module's fully qualified name (when the task's resolved name is unknown).
    MODULE = None

    def task_flag(self, name):
        """The task's boolean option name (False when unset or not a boolean)."""
        try:
            return boolean(self._task.args.get(name, False), strict=False)
        except TypeError:
            return False

    def reveals_values(self, result):
        """True when the result holds secret values: the output is then hidden."""
        return False

    def after_module(self, result):
        """Called with each module result (failed ones included) before it is returned."""

    def run(self, tmp=None, task_vars=None):
        result = super(ConnectActionBase, self).run(tmp, task_vars)
        del tmp
        module_name = getattr(self._task, "resolved_action", None) or self.MODULE
        result.update(self._execute_module(module_name=module_name, module_args=self._task.args, task_vars=task_vars))
        self.after_module(result)
        if result.get("failed"):
            return result
        if self.reveals_values(result):
            result["_ansible_no_log"] = True
        return result
