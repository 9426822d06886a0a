# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # The attributes and requirements every module of the collection documents.
    # A module states its own support where it differs, through INFO_MODULE or
    # ITEM_WRITES listed BEFORE this fragment (ansible-doc keeps, key by key,
    # what an earlier fragment set).
    DOCUMENTATION = r"""
requirements:
  - requests (Python library, on the target)
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
    details:
      - The module runs on the target (or on the controller with C(delegate_to=localhost)), which needs
        Python with the library C(requests) and a network path to the Connect server.
  action_group:
    description: Use C(group/secretops.onepassword.connect) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - secretops.onepassword.connect
"""

    # Modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details:
      - Reads only.
  diff_mode:
    support: N/A
    details:
      - Reads only.
"""

    # The modules that create, update and delete items.
    ITEM_WRITES = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the item before and after, every field value masked.
"""
