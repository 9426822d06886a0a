#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: field_info
short_description: Read one field of a 1Password item through Connect
version_added: 1.0.0
description:
  - Returns one field of an item, with its value, section and attributes, and the current code of an OTP field.
  - The field is found by id, else by exact label, else by label ignoring case, within O(section) when set;
    a label shared by several fields is an error listing them.
  - Accepts the options of C(onepassword.connect.field_info) and returns the same RV(field) keys (C(value), C(section), C(id)).
  - The result holds the value, so the task's output is hidden as with C(no_log) at every verbosity;
    register the result to use the value.
author:
  - secretops.onepassword contributors (@secretops)
seealso:
  - module: secretops.onepassword.item_info
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.attributes
requirements:
  - requests (Python library, on the target)
attributes:
  check_mode:
    support: full
    details:
      - Reads only.
  diff_mode:
    support: N/A
    details:
      - Reads only.
options:
  item:
    description: Title or id of the item.
    type: str
    required: true
    aliases: [title, uuid]
  field:
    description: Label or id of the field.
    type: str
    required: true
    aliases: [label]
  vault:
    description:
      - Name or id of the vault. When not set, every vault the token can see is searched;
        the item must be found in exactly one.
    type: str
    aliases: [vault_id]
  section:
    description: Label or id of the section to search the field in.
    type: str
"""

EXAMPLES = r"""
- name: The username of an item
  secretops.onepassword.field_info:
    vault: Infrastructure
    item: orders-db
    field: username
  register: username

- name: A field in a section, and the current code of an OTP field
  secretops.onepassword.field_info:
    vault: Infrastructure
    item: admin console
    section: Security
    field: one-time password
  register: otp
  no_log: true

- name: Use the code
  ansible.builtin.debug:
    msg: "{{ otp.field.otp }}"
  no_log: true
"""

RETURN = r"""
field:
  description: The field (an empty dictionary when it was not found).
  returned: always
  type: dict
  contains:
    id:
      description: The field's id.
      type: str
    label:
      description: The field's label.
      type: str
    type:
      description: The field's type.
      type: str
      sample: CONCEALED
    purpose:
      description: V(USERNAME), V(PASSWORD), V(NOTES) or empty.
      type: str
    value:
      description: The field's value.
      type: str
    section:
      description: Id of the field's section (empty when the field is in no section).
      type: str
    section_label:
      description: Label of the field's section (empty when the field is in no section).
      type: str
    otp:
      description: The current one-time code.
      type: str
      returned: for OTP fields
    item_id:
      description: Id of the item.
      type: str
    vault_id:
      description: Id of the vault.
      type: str
"""

from ansible_collections.secretops.onepassword.plugins.module_utils._items import locate_item
from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import (
    field_attribute,
    field_entry,
    find_section,
    find_target,
)


def main():
    module = ConnectModule(
        argument_spec=dict(
            item=dict(type="str", required=True, aliases=["title", "uuid"]),
            field=dict(type="str", required=True, aliases=["label"]),
            vault=dict(type="str", aliases=["vault_id"], no_log=False),
            section=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    with module.connect_errors(field={}):
        client = module.client()
        vault, item = locate_item(client, params["vault"], params["item"])
        section = find_section(item, params["section"], vault.get("name")) if params["section"] else None
        kind, target = find_target(item, params["field"], section=section, vault_name=vault.get("name"))
        if kind != "field":
            module.fail_json(msg='"%s" is a file attachment of item "%s", not a field.' % (params["field"], item.get("title")),
                             field={})
        entry = field_entry(item, target)
        field = dict((key, entry[key]) for key in ("id", "label", "type", "purpose", "value"))
        field.update(section=entry["section_id"] or "", section_label=entry["section"] or "",
                     item_id=item.get("id"), vault_id=vault.get("id"))
        if field["type"] in ("OTP", "TOTP"):
            field["otp"] = field_attribute(target, "otp")  # a bad OTP URI fails here
    module.exit_json(changed=False, field=field)


if __name__ == "__main__":
    main()
