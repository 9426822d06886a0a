# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # The options every lookup of the collection shares besides the connection:
    # the default vault and the run-wide cache (plugins/plugin_utils/_cache.py),
    # and what every lookup does with its options (plugins/plugin_utils/_lookup.py).
    DOCUMENTATION = r"""
notes:
  - "The connection comes from the lookup's own options, else the C(op_connect_*) variables, else the
    E(OP_CONNECT_*) environment variables of the controller, else the C([secretops_onepassword]) section of
    C(ansible.cfg) (which never holds the token). A lookup never reads C(module_defaults)."
  - "The C(op_connect_*), C(op_vault) and C(op_lookup_*) variables may be templates, also of vaulted variables,
    for example C(op_connect_token: \"{{ vault_op_token }}\"): the lookup templates them with the variables
    of the task. A failing template is reported by the variable's name, never by its value."
  - An unknown option (a typo such as C(vualt=)) fails the lookup, naming the nearest valid option.
options:
  vault:
    description:
      - Default vault (name or id) for terms written without C(op://<vault>/).
    type: str
    env:
      - name: OP_VAULT
    ini:
      - section: secretops_onepassword
        key: vault
    vars:
      - name: op_vault
  cache:
    description:
      - Share answers between all lookups of one ansible-playbook run (all tasks, hosts and worker processes),
        so each distinct item is fetched about once per run.
      - The cache lives in the memory of a helper process that only the same user can reach and that ends with
        the run; nothing is written to disk. Entries are kept for O(cache_ttl) seconds and are dropped when a
        module of this collection changes the item.
      - V(false) fetches on every call.
    type: bool
    default: true
    env:
      - name: OP_LOOKUP_CACHE
    ini:
      - section: secretops_onepassword
        key: lookup_cache
    vars:
      - name: op_lookup_cache
  cache_ttl:
    description:
      - Seconds an answer stays in the run-wide cache. V(0) disables the cache.
    type: int
    default: 300
    env:
      - name: OP_LOOKUP_CACHE_TTL
    ini:
      - section: secretops_onepassword
        key: lookup_cache_ttl
    vars:
      - name: op_lookup_cache_ttl
"""
