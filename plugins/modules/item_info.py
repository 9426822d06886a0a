#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: item_info
short_description: Read a 1Password item through Connect
version_added: 1.0.0
description:
  - Returns one item, found by title or id, in one vault or in every vault the token can see.
  - Field values are included only with O(reveal=true) (or the value of one field with O(field)).
  - Accepts the options of C(onepassword.connect.item_info) (O(field), O(flatten_fields_by_label)) and returns
    its RV(op_item) as well.
author:
  - secretops.onepassword contributors (@secretops)
seealso:
  - module: secretops.onepassword.field_info
  - module: secretops.onepassword.item
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.attributes.info_module
  - secretops.onepassword.attributes
options:
  item:
    description:
      - Title or id of the item (id, else exact title, else title ignoring case; an ambiguous title is an error).
    type: str
    required: true
    aliases: [title, id, uuid]
  vault:
    description:
      - Name or id of the vault. When not set, every vault the token can see is searched; the item must be
        found in exactly one.
    type: str
    aliases: [vault_id]
  field:
    description:
      - Return only the value of this field (by label or id) in RV(field), as C(onepassword.connect.item_info) did.
        M(secretops.onepassword.field_info) returns more about a field.
    type: str
  flatten_fields_by_label:
    description:
      - In RV(op_item), key the fields by label (V(true)) or keep them as a list (V(false)).
    type: bool
    default: true
  reveal:
    description:
      - Include field values (and current OTP codes) in RV(item) and RV(op_item).
      - With O(reveal=true), or with O(field), the task's output is hidden as with C(no_log) at every verbosity;
        register the result to use the values.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read an item's metadata (no values)
  secretops.onepassword.item_info:
    vault: Infrastructure
    item: orders-db
  register: info

- name: Read an item with its values
  secretops.onepassword.item_info:
    vault: Infrastructure
    item: orders-db
    reveal: true
  register: info
  no_log: true

- name: A playbook written for onepassword.connect.item_info
  secretops.onepassword.item_info:
    item: orders-db
    field: username
  register: username
"""

RETURN = r"""
item:
  description: The item; each field has C(value) with O(reveal=true), else C(has_value).
  returned: success
  type: dict
  contains:
    id:
      description: The item's id.
      type: str
    title:
      description: The title.
      type: str
    category:
      description: The category.
      type: str
    vault:
      description: Id and name of the vault.
      type: dict
    tags:
      description: The tags.
      type: list
      elements: str
    urls:
      description: The URLs.
      type: list
      elements: dict
    sections:
      description: The sections (id, label).
      type: list
      elements: dict
    fields:
      description: The fields (id, label, type, purpose, section, value or has_value).
      type: list
      elements: dict
    files:
      description: The attached files (id, name, size).
      type: list
      elements: dict
    created_at:
      description: When the item was created.
      type: str
    updated_at:
      description: When the item was last changed.
      type: str
    last_edited_by:
      description: Id of who changed the item last.
      type: str
op_item:
  description:
    - The item as C(onepassword.connect.item_info) returned it, fields keyed by label
      (see O(flatten_fields_by_label)), with C(createdAt) and C(updatedAt).
    - Field values only with O(reveal=true); without it each field has C(has_value) and no C(value).
  returned: when O(field) is not set
  type: dict
field:
  description: The value of the field named by O(field) (a V(DATE) value as V(YYYY-MM-DD)).
  returned: when O(field) is set
  type: str
"""

from ansible_collections.secretops.onepassword.plugins.module_utils._fieldvalues import field_value
from ansible_collections.secretops.onepassword.plugins.module_utils._item_task import locate_item
from ansible_collections.secretops.onepassword.plugins.module_utils._item_views import (
    connect_item,
    file_not_field_message,
    public_item,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import find_target


def main():
    module = ConnectModule(
        argument_spec=dict(
            item=dict(type="str", required=True, aliases=["title", "id", "uuid"]),
            vault=dict(type="str", aliases=["vault_id"], no_log=False),
            field=dict(type="str"),
            flatten_fields_by_label=dict(type="bool", default=True),
            reveal=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False)
    with module.connect_errors():
        client = module.client()
        vault, item = locate_item(client, params["vault"], params["item"])
        vault_ref = {"id": vault.get("id"), "name": vault.get("name")}
        if params["field"]:
            kind, target = find_target(item, params["field"], vault_name=vault.get("name"))
            if kind != "field":
                module.fail_json(msg=file_not_field_message(params["field"], item, vault))
            result["field"] = field_value(target)
        else:
            result["item"] = public_item(item, reveal=params["reveal"], vault=vault_ref)
            result["op_item"] = connect_item(item, vault=vault_ref, reveal=params["reveal"],
                                             by_label=params["flatten_fields_by_label"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
