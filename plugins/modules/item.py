#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: item
short_description: Create, update or delete a 1Password item through Connect
version_added: 1.0.0
description:
  - Makes one item of a 1Password vault what the task describes, through a 1Password Connect server.
  - An update changes only what the task names and is sent as a JSON Patch, so fields, URLs and tags the
    task does not name stay as they are, and a concurrent edit of another field is not lost.
    With O(exact=true) the item becomes exactly what the task says.
  - Idempotent. A run that finds nothing to change reports V(changed=false) and makes no write.
  - Check mode predicts exactly what a real run would do, without writing. Diff mode shows the change
    with every field value masked.
  - The result carries the item without field values unless O(reveal=true). When values are returned,
    the task output is hidden as if the task had C(no_log), and the values are only available through C(register).
  - Every check of the task (category, purposes, recipes, sections) happens before anything is written.
author:
  - secretops.onepassword contributors (@secretops)
seealso:
  - module: secretops.onepassword.item_info
  - module: secretops.onepassword.field_info
  - module: secretops.onepassword.generic_item
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.attributes.item_writes
  - secretops.onepassword.attributes
options:
  state:
    description:
      - V(present) creates the item when it does not exist and updates it otherwise.
      - V(absent) deletes it (permanently) when it exists.
    type: str
    choices: [present, absent]
    default: present
  vault:
    description:
      - Name or id of the vault holding the item.
      - When not set, E(OP_VAULT) is used.
    type: str
    aliases: [vault_id]
  title:
    description:
      - Title of the item. Locates the item when O(id) is not set (by the 1Password rules
        exact title, else ignoring case; an ambiguous title is an error).
      - With O(id), the item is renamed to this title.
    type: str
    aliases: [name]
  id:
    description:
      - Id of the item. One of O(title) and O(id) is required.
    type: str
    aliases: [uuid, item_id]
  category:
    description:
      - Category of a new item, for example V(LOGIN), V(PASSWORD), V(API_CREDENTIAL), V(SERVER), V(DATABASE),
        V(SECURE_NOTE), V(SSH_KEY) (any case). Every Connect category except V(CUSTOM) and V(DOCUMENT).
      - Required to create an item. The category of an existing item cannot be changed.
    type: str
  fields:
    description:
      - Fields of the item. A field is found by O(fields[].id), else by its label within its section
        (exact, else ignoring case), else by its purpose. A field not found is added.
      - Without O(exact), fields the task does not list are left as they are.
    type: list
    elements: dict
    suboptions:
      label:
        description: The field's label. Required unless O(fields[].id) or O(fields[].purpose) is set.
        type: str
      id:
        description: The field's id (for example V(username), V(password) or a 26-character id).
        type: str
      value:
        description:
          - The value, as text. Not set means the current value is kept.
          - An integer is stored as its digits; a YAML boolean or float (V(true), V(yes), V(1.10)) is refused;
            quote it to store that text.
          - A V(DATE) value is V(YYYY-MM-DD) (or unix seconds); results return it as V(YYYY-MM-DD).
          - Hidden in every output (the task's result, its invocation, the diff) in its own place only, so ids,
            titles and messages are never altered.
          - Cannot be combined with O(fields[].generate=on_create) or O(fields[].generate=always).
        type: raw
      type:
        description:
          - V(STRING), V(EMAIL), V(CONCEALED), V(URL), V(OTP) (an C(otpauth://) URI), V(DATE) (YYYY-MM-DD),
            V(MONTH_YEAR) (YYYYMM), V(MENU), V(PHONE), V(ADDRESS), V(SSHKEY) and the other Connect field types,
            in any case.
          - A new field defaults to V(CONCEALED) when its purpose is V(PASSWORD), else V(STRING).
        type: str
        aliases: [field_type]
      purpose:
        description:
          - V(USERNAME), V(PASSWORD), V(NOTES), or an empty string. An item has at most one field of each purpose.
        type: str
      section:
        description:
          - Label or id of the section holding the field. It must exist in the item or be listed under O(sections).
          - A field listed without a section is found outside sections first, then anywhere when its label is unique.
        type: str
      generate:
        description:
          - V(never) uses O(fields[].value).
          - V(on_create) lets the server generate a value when the field is created, and keeps the value afterwards.
          - V(always) generates a new value on every run (so the task always reports a change).
        type: str
        choices: [never, on_create, always]
        default: never
        aliases: [generate_value]
      recipe:
        description:
          - How values are generated. Without a recipe the server generates 32 characters of letters, digits and symbols.
        type: dict
        aliases: [generator_recipe]
        suboptions:
          length:
            description: Number of characters, 1 to 64. V(32) when not set.
            type: int
          character_sets:
            description: Any of V(LETTERS), V(DIGITS), V(SYMBOLS); at least one. All three when not set.
            type: list
            elements: str
          exclude_characters:
            description: Characters the generated value must not contain.
            type: str
          include_letters:
            description: The onepassword.connect way to choose sets; cannot be combined with O(fields[].recipe.character_sets).
            type: bool
          include_digits:
            description: See O(fields[].recipe.include_letters).
            type: bool
          include_symbols:
            description: See O(fields[].recipe.include_letters).
            type: bool
  sections:
    description:
      - Sections the item must have, each a label or a dictionary with C(label) and optionally C(id).
      - Missing sections are added; with O(exact), sections neither listed nor used by a field are removed.
    type: list
    elements: raw
  urls:
    description:
      - The item's URLs, each an C(href) string or a dictionary with C(href), C(label) and C(primary).
      - When set, the item's URLs become exactly these (order does not matter).
    type: list
    elements: raw
  tags:
    description:
      - The item's tags. When set, the item's tags become exactly these (order does not matter).
    type: list
    elements: str
  favorite:
    description: Mark the item as a favorite. Not set means unchanged.
    type: bool
  notes:
    description:
      - The item's notes (the C(notesPlain) field), as text. Not set means unchanged.
      - Hidden in every output, like O(fields[].value).
    type: raw
  exact:
    description:
      - Make the item exactly what the task says. Fields not listed in O(fields) are removed (the notes are
        changed only through O(notes)), sections neither listed nor used are removed, and O(tags) and O(urls)
        default to empty.
    type: bool
    default: false
  reveal:
    description:
      - Include field values (and current OTP codes) in RV(item). The task output is then hidden.
    type: bool
    default: false
notes:
  - The token needs write access to the vault for O(state=present) changes and deletions.
"""

EXAMPLES = r"""
- name: A database login, password generated once and kept afterwards
  secretops.onepassword.item:
    vault: Infrastructure
    title: orders-db
    category: DATABASE
    sections:
      - Connection
    fields:
      - label: username
        value: orders
      - label: password
        purpose: PASSWORD
        generate: on_create
        recipe:
          length: 40
          character_sets: [LETTERS, DIGITS]
      - label: host
        value: db1.example.com
        section: Connection
    tags: [orders, production]

- name: Change one field; every other field, URL and tag stays as it is
  secretops.onepassword.item:
    vault: Infrastructure
    title: orders-db
    fields:
      - label: host
        section: Connection
        value: db2.example.com

- name: Rotate an API key on every run and read it back
  secretops.onepassword.item:
    vault: Infrastructure
    title: deploy-key
    fields:
      - label: credential
        generate: always
    reveal: true
  register: rotated

- name: Make the item exactly this, removing anything else
  secretops.onepassword.item:
    vault: Infrastructure
    title: orders-db
    exact: true
    fields:
      - label: username
        value: orders
      - label: password
        generate: on_create

- name: Delete an item
  secretops.onepassword.item:
    vault: Infrastructure
    title: orders-db
    state: absent
"""

RETURN = r"""
item:
  description:
    - The item after the task (predicted in check mode; the deleted item with O(state=absent)).
    - Field values only with O(reveal=true); otherwise each field has C(has_value).
  returned: success
  type: dict
  contains:
    id:
      description: The item's id (not known for an item created in check mode).
      type: str
      sample: 3ea7m2mjfv7ihjvw2qrnyde4qu
    title:
      description: The title.
      type: str
    category:
      description: The category.
      type: str
      sample: LOGIN
    vault:
      description: Id and name of the vault.
      type: dict
    version:
      description: The item's version.
      type: int
    tags:
      description: The tags.
      type: list
      elements: str
    urls:
      description: The URLs (href, label, primary).
      type: list
      elements: dict
    favorite:
      description: Whether the item is a favorite.
      type: bool
    sections:
      description: The sections (id, label).
      type: list
      elements: dict
    fields:
      description: The fields (id, label, type, purpose, section, and value or has_value). A V(DATE) value is V(YYYY-MM-DD).
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
action:
  description: What the task did, V(created), V(updated), V(deleted) or V(none).
  returned: success
  type: str
  sample: updated
item_id:
  description:
    - Id of the item the task created, changed, deleted or found (empty when it does not exist yet).
    - Also returned by a failed task once the item is known (a failed write may have been applied).
  returned: success, and on failure when known
  type: str
vault_id:
  description: Id of the vault (also returned by a failed task once the vault is known).
  returned: success, and on failure when known
  type: str
operations:
  description: The JSON Patch operations sent (or that would be sent), field values masked.
  returned: success
  type: list
  elements: dict
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError
from ansible_collections.secretops.onepassword.plugins.module_utils._item_spec import SECRET_PATHS, build_spec, item_argument_spec
from ansible_collections.secretops.onepassword.plugins.module_utils._item_task import manage_item
from ansible_collections.secretops.onepassword.plugins.module_utils._item_views import diff_view, masked_operations, public_item
from ansible_collections.secretops.onepassword.plugins.module_utils._masking import MaskingModule


def main():
    spec = item_argument_spec()
    spec["vault"]["fallback"] = (env_fallback, ["OP_VAULT"])
    module = MaskingModule(
        argument_spec=spec,
        secret_paths=SECRET_PATHS,
        supports_check_mode=True,
        required_one_of=[("title", "id")],
    )
    params = module.params
    with module.connect_errors():
        if not params["vault"]:
            module.fail_json(msg="vault is required (the name or id of the vault holding the item; or set OP_VAULT).")
        item_spec = build_spec(params)
        client = module.client()
    try:
        outcome = manage_item(client, item_spec, params["vault"], item_id=params["id"], state=params["state"],
                              check_mode=module.check_mode)
    except ConnectError as exc:
        module.fail_write(exc)
    shown = outcome["after"] if outcome["after"] is not None else outcome["before"]
    result = dict(
        changed=outcome["changed"],
        action=outcome["action"],
        item=public_item(shown, reveal=params["reveal"], vault=outcome["vault"]),
        operations=masked_operations(outcome["operations"]),
    )
    if module._diff:
        result["diff"] = dict(before=diff_view(outcome["before"]),
                              after=diff_view(outcome["after"], reference=outcome["before"] or {}))
    subject = outcome["after"] or outcome["before"] or {}
    result.update(item_id=subject.get("id") or "", vault_id=outcome["vault"]["id"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
