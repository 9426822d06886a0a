#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_info
short_description: Read 1Password vaults through Connect
version_added: 1.0.0
description:
  - Returns one vault, found by name or id, or every vault the token gives access to.
author:
  - secretops.onepassword contributors (@secretops)
seealso:
  - module: secretops.onepassword.item_info
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.attributes.info_module
  - secretops.onepassword.attributes
options:
  vault:
    description:
      - Name or id of one vault (exact name, else ignoring case; an ambiguous name is an error).
      - When not set, every vault in the token's scope is returned.
    type: str
    aliases: [name, vault_id]
"""

EXAMPLES = r"""
- name: Every vault the token can see
  secretops.onepassword.vault_info:
  register: scope

- name: One vault by name
  secretops.onepassword.vault_info:
    vault: Infrastructure
  register: infra

- name: Use its id
  ansible.builtin.debug:
    msg: "{{ infra.vault.id }}"
"""

RETURN = r"""
vault:
  description:
    - The vault named by O(vault).
    - Keys are snake_case, as in every result of this collection (Connect's C(items) count is C(item_count)).
  returned: when O(vault) is set
  type: dict
  contains:
    id:
      description: The vault's id.
      type: str
    name:
      description: The vault's name.
      type: str
    description:
      description: The vault's description.
      type: str
    type:
      description: V(USER_CREATED), V(PERSONAL), V(EVERYONE) or V(TRANSFER).
      type: str
    item_count:
      description: Number of items in the vault.
      type: int
    content_version:
      description: Goes up whenever an item in the vault changes.
      type: int
    attribute_version:
      description: Goes up whenever the vault's own attributes change.
      type: int
    created_at:
      description: When the vault was created (RFC 3339).
      type: str
    updated_at:
      description: When the vault was last changed (RFC 3339).
      type: str
vaults:
  description: The vaults (one when O(vault) is set), sorted by name, each with the keys of RV(vault).
  returned: success
  type: list
  elements: dict
"""

from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule


#: Connect's vault keys and the names results use (snake_case, as item results).
_VAULT_KEYS = (("id", "id"), ("name", "name"), ("description", "description"), ("type", "type"),
               ("items", "item_count"), ("contentVersion", "content_version"),
               ("attributeVersion", "attribute_version"), ("createdAt", "created_at"), ("updatedAt", "updated_at"))


def public_vault(vault):
    """A vault as results show it: the keys Connect sent, renamed; nothing invented."""
    return dict((name, vault[key]) for key, name in _VAULT_KEYS if key in vault)


def main():
    module = ConnectModule(
        argument_spec=dict(vault=dict(type="str", aliases=["name", "vault_id"], no_log=False)),
        supports_check_mode=True,
    )
    result = dict(changed=False)
    with module.connect_errors():
        client = module.client()
        if module.params["vault"]:
            vault = client.resolve_vault(module.params["vault"])
            if "contentVersion" not in vault and "items" not in vault:
                vault = client.get_vault(vault["id"])
            result["vault"] = public_vault(vault)
            result["vaults"] = [result["vault"]]
        else:
            vaults = sorted(client.list_vaults(), key=lambda v: ((v.get("name") or "").casefold(), v.get("id") or ""))
            result["vaults"] = [public_vault(vault) for vault in vaults]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
