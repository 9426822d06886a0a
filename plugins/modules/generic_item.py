#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: generic_item
short_description: Create, update or delete an item the way onepassword.connect.generic_item did
version_added: 1.0.0
description:
  - A drop-in replacement for C(onepassword.connect.generic_item), served by the same code as
    M(secretops.onepassword.item), for playbooks moving from the C(onepassword.connect) collection.
  - Keeps that module's documented behaviour, where it differs from M(secretops.onepassword.item).
    An update makes the item's fields exactly those the task lists (the notes are kept), its tags and
    URLs exactly O(tags) and O(urls), and O(favorite) defaults to V(false).
    Sections named by fields are created when missing.
    The field named C(password) (type V(concealed)) of a C(login) or C(password) item gets the PASSWORD purpose,
    the field C(username) (type V(string)) of a C(login) item the USERNAME purpose.
    The result is RV(op_item), with fields keyed by label and their values.
  - Without that module's bugs. A run that changes nothing reports V(changed=false) and makes no write,
    section ids are kept, the update is sent as a JSON Patch, and check and diff modes work.
  - Because RV(op_item) holds field values, the task output is hidden as if the task had C(no_log); the values
    are available through C(register).
  - New playbooks should use M(secretops.onepassword.item).
author:
  - secretops.onepassword contributors (@secretops)
seealso:
  - module: secretops.onepassword.item
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.attributes.item_writes
  - secretops.onepassword.attributes
options:
  state:
    description:
      - V(present) finds the item by O(uuid) or O(name) and creates it when not found; otherwise updates it.
      - V(absent) deletes the item when it exists.
    type: str
    choices: [present, absent]
    default: present
  vault_id:
    description:
      - Id (or name) of the vault.
      - When not set, E(OP_VAULT_ID) is used, then E(OP_VAULT).
    type: str
    aliases: [vault]
  name:
    description:
      - Title of the item. Required with O(state=present).
      - With O(uuid), an existing item is renamed to this title.
    type: str
    aliases: [title]
  uuid:
    description:
      - Id of the item. When it is not found, the item is looked up by O(name).
    type: str
    aliases: [id]
  category:
    description:
      - Category of a new item (V(login), V(password), V(server), V(database), V(api_credential), V(software_license),
        V(secure_note), V(wireless_router), V(bank_account), V(email_account), V(credit_card), V(membership),
        V(passport), V(outdoor_license), V(driver_license), V(identity), V(reward_program),
        V(social_security_number) and the other creatable Connect categories, any case).
      - Ignored for an existing item (a category cannot be changed).
    type: str
    default: api_credential
  urls:
    description: URLs of the item (strings, or dictionaries with C(href), C(label), C(primary)).
    type: list
    elements: raw
  favorite:
    description: Whether the item is a favorite.
    type: bool
    default: false
  tags:
    description: Tags of the item.
    type: list
    elements: str
  fields:
    description:
      - The item's fields. Fields not listed are removed from an existing item (the notes are kept).
      - A field is found by its label within its section, ignoring case.
    type: list
    elements: dict
    suboptions:
      label:
        description: The field's label.
        type: str
        required: true
      id:
        description: The field's id, to tell apart fields with the same label.
        type: str
      value:
        description:
          - The value, as text (ignored when a value is generated). An integer is stored as its digits; a YAML boolean
            or float is refused (quote it). A V(date) value is V(YYYY-MM-DD) (or unix seconds).
          - Hidden in every output in its own place only.
        type: raw
      section:
        description: Label of the section holding the field; created when missing.
        type: str
      purpose:
        description: V(USERNAME), V(PASSWORD) or V(NOTES); by default derived from the label as described above.
        type: str
      field_type:
        description:
          - V(string), V(email), V(concealed), V(url), V(otp), V(date), V(month_year) and the other Connect field types,
            any case.
        type: str
        default: string
        aliases: [type]
      generate_value:
        description:
          - V(never) uses O(fields[].value); V(on_create) generates a value when the field is created and keeps it
            (and its type) afterwards; V(always) generates a new value on every run.
        type: str
        choices: [never, on_create, always]
        default: never
        aliases: [generate]
      generator_recipe:
        description: How values are generated.
        type: dict
        aliases: [recipe]
        suboptions:
          length:
            description: Number of characters, 1 to 64.
            type: int
            default: 32
          include_digits:
            description: Include digits (true when not set).
            type: bool
          include_letters:
            description: Include letters (true when not set).
            type: bool
          include_symbols:
            description: Include symbols (true when not set).
            type: bool
          character_sets:
            description: Alternative to the C(include_*) options, any of V(LETTERS), V(DIGITS), V(SYMBOLS).
            type: list
            elements: str
          exclude_characters:
            description: Characters the generated value must not contain.
            type: str
"""

EXAMPLES = r"""
- name: Create or update an item (a playbook written for onepassword.connect)
  secretops.onepassword.generic_item:
    vault_id: "{{ vault_id }}"
    title: Club Membership
    state: present
    fields:
      - label: Codeword
        value: "{{ codeword }}"
        section: Personal Info
        field_type: concealed
      - label: Random Code
        generate_value: on_create
        generator_recipe:
          length: 16
          include_symbols: false
  register: op_item

- name: Delete it by id
  secretops.onepassword.generic_item:
    vault_id: "{{ vault_id }}"
    uuid: "{{ op_item.op_item.id }}"
    state: absent
"""

RETURN = r"""
action:
  description: What the task did, V(created), V(updated), V(deleted) or V(none).
  returned: success
  type: str
  sample: created
item_id:
  description: Id of the item the task created, changed, deleted or found (empty when it does not exist yet).
  returned: success, and on failure when known
  type: str
vault_id:
  description: Id of the vault.
  returned: success, and on failure when known
  type: str
op_item:
  description:
    - The item (predicted in check mode), or an empty dictionary with O(state=absent).
    - C(fields) is a dictionary keyed by field label (the id for a field without label), each with its value.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the item.
      type: str
    title:
      description: Title of the item.
      type: str
    category:
      description: The category.
      type: str
      sample: API_CREDENTIAL
    vault:
      description: The vault (C(id)).
      type: dict
    tags:
      description: The tags.
      type: list
      elements: str
    fields:
      description: Fields keyed by label.
      type: dict
      sample: {"password": {"id": "password", "label": "password", "type": "CONCEALED", "purpose": "PASSWORD", "value": "..."}}
    sections:
      description: The sections (id, label).
      type: list
      elements: dict
    createdAt:
      description: When the item was created.
      type: str
    updatedAt:
      description: When the item was last changed.
      type: str
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError
from ansible_collections.secretops.onepassword.plugins.module_utils._item_spec import (
    GENERATE_CHOICES,
    GENERIC_ITEM_POLICY,
    RECIPE_DEFAULT_LENGTH,
    SECRET_PATHS,
    build_spec,
    field_options,
    recipe_options,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._item_task import manage_item
from ansible_collections.secretops.onepassword.plugins.module_utils._item_views import connect_item, diff_view
from ansible_collections.secretops.onepassword.plugins.module_utils._masking import MaskingModule


def argument_spec():
    """onepassword.connect's options for generic_item, with its defaults."""
    field = dict(
        field_options(),
        field_type=dict(type="str", default="string", aliases=["type"]),
        generate_value=dict(type="str", default="never", choices=list(GENERATE_CHOICES), aliases=["generate"]),
        generator_recipe=dict(type="dict", options=recipe_options(RECIPE_DEFAULT_LENGTH), aliases=["recipe"]),
    )
    field["label"]["required"] = True
    return dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        category=dict(type="str", default="api_credential"),
        fields=dict(type="list", elements="dict", options=field),
        urls=dict(type="list", elements="raw"),
        tags=dict(type="list", elements="str"),
        favorite=dict(type="bool", default=False),
        vault_id=dict(type="str", aliases=["vault"], no_log=False),
        name=dict(type="str", aliases=["title"]),
        uuid=dict(type="str", aliases=["id"]),
    )


def item_params(params):
    """generic_item's options in the item module's spelling (what build_spec reads)."""
    fields = params.get("fields")
    if fields is not None:
        fields = [dict(f, type=f.get("field_type"), generate=f.get("generate_value"), recipe=f.get("generator_recipe"))
                  for f in fields]
    return dict(params, title=params.get("name"), fields=fields)


def main():
    spec = argument_spec()
    spec["vault_id"]["fallback"] = (env_fallback, ["OP_VAULT_ID", "OP_VAULT"])
    module = MaskingModule(
        argument_spec=spec,
        secret_paths=SECRET_PATHS,
        supports_check_mode=True,
        required_if=[("state", "present", ("name",))],
        required_one_of=[("name", "uuid")],
    )
    params = module.params
    with module.connect_errors(op_item={}):
        if not params["vault_id"]:
            module.fail_json(msg="vault_id is required (or set OP_VAULT_ID).", op_item={})
        item_spec = build_spec(item_params(params), GENERIC_ITEM_POLICY)
        client = module.client()
    try:
        outcome = manage_item(client, item_spec, params["vault_id"], item_id=params["uuid"], state=params["state"],
                              check_mode=module.check_mode)
    except ConnectError as exc:
        module.fail_write(exc, op_item={})
    result = dict(changed=outcome["changed"], action=outcome["action"], op_item={})
    if params["state"] == "present":
        result["op_item"] = connect_item(outcome["after"], vault=outcome["vault"])
    if module._diff:
        result["diff"] = dict(before=diff_view(outcome["before"]),
                              after=diff_view(outcome["after"], reference=outcome["before"] or {}))
    subject = outcome["after"] or outcome["before"] or {}
    result.update(item_id=subject.get("id") or "", vault_id=outcome["vault"]["id"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
