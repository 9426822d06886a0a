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
attributes:
  check_mode:
    support: full
    details:
      - Reads only; with O(dest), check mode writes nothing and says whether the file would change.
  diff_mode:
    support: N/A
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
  dest:
    description:
      - Download the file attachment named by O(field) to this path on the target, instead of returning a field.
      - The file is written whole (through a temporary file in the same directory, then renamed) with O(mode),
        and only when its content or mode differ, so the task reports a change only then. Check mode writes nothing.
      - Without O(dest), naming a file attachment fails with a message saying how to read it.
    type: path
  mode:
    description: Permissions of the file written to O(dest), in octal.
    type: str
    default: "0600"
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

- name: Download a file attachment to the target
  secretops.onepassword.field_info:
    vault: Prod
    item: web
    field: keystore.p12
    dest: /etc/app/keystore.p12
    mode: "0400"
"""

RETURN = r"""
file:
  description: The file attachment downloaded to O(dest) (its content is not returned).
  returned: when O(dest) is set
  type: dict
  contains:
    id:
      description: The file's id.
      type: str
    name:
      description: The file's name.
      type: str
    size:
      description: Size in bytes.
      type: int
    dest:
      description: Where it was written.
      type: str
    item_id:
      description: Id of the item.
      type: str
    vault_id:
      description: Id of the vault.
      type: str
field:
  description:
    - The field. When the field is not found, or is a file attachment and O(dest) is not set, the task fails
      (with a message naming the fields, or saying how to read the file).
  returned: success, when O(dest) is not set
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
      description: The field's value (a V(DATE) field's as C(YYYY-MM-DD)).
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

import os
import tempfile

from ansible_collections.secretops.onepassword.plugins.module_utils._item_task import locate_item
from ansible_collections.secretops.onepassword.plugins.module_utils._item_views import file_not_field_message, info_field
from ansible_collections.secretops.onepassword.plugins.module_utils._module import ConnectModule
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import find_section, find_target


def _mode(module):
    try:
        mode = int(str(module.params["mode"]), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        module.fail_json(msg='mode must be octal permissions such as "0600", got "%s".' % module.params["mode"])
    return mode


def _same_file(path, content, mode):
    try:
        if os.stat(path).st_mode & 0o7777 != mode:
            return False
        with open(path, "rb") as handle:
            return handle.read() == content
    except OSError:
        return False


def download(module, client, vault, item, file_):
    """Write the file attachment to dest when it differs; exit with its metadata."""
    dest, mode = module.params["dest"], _mode(module)
    if os.path.isdir(dest):
        module.fail_json(msg='dest "%s" is a directory; give the path of the file to write.' % dest)
    content = client.get_file_content(vault["id"], item["id"], file_["id"])
    changed = not _same_file(dest, content, mode)
    if changed and not module.check_mode:
        directory = os.path.dirname(os.path.abspath(dest))
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(dest))
        except OSError as exc:
            module.fail_json(msg='Cannot write "%s": %s.' % (dest, exc.strerror))
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(temporary, mode)
            os.replace(temporary, dest)
        except OSError as exc:
            os.unlink(temporary)
            module.fail_json(msg='Cannot write "%s": %s.' % (dest, exc.strerror))
    module.exit_json(changed=changed, file=dict(id=file_.get("id"), name=file_.get("name"), size=len(content), dest=dest,
                                                item_id=item.get("id"), vault_id=vault.get("id")))


def main():
    module = ConnectModule(
        argument_spec=dict(
            item=dict(type="str", required=True, aliases=["title", "uuid"]),
            field=dict(type="str", required=True, aliases=["label"]),
            vault=dict(type="str", aliases=["vault_id"], no_log=False),
            section=dict(type="str"),
            dest=dict(type="path"),
            mode=dict(type="str", default="0600"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    with module.connect_errors(field={}):
        client = module.client()
        vault, item = locate_item(client, params["vault"], params["item"])
        section = find_section(item, params["section"], vault.get("name")) if params["section"] else None
        kind, target = find_target(item, params["field"], section=section, vault_name=vault.get("name"))
        if params["dest"]:
            if kind != "file":
                module.fail_json(msg='"%s" is a field of item "%s", not a file attachment: dest downloads file attachments.'
                                 % (params["field"], item.get("title")))
            download(module, client, vault, item, target)
        if kind != "field":
            module.fail_json(msg=file_not_field_message(params["field"], item, vault), field={})
        field = info_field(item, vault, target)  # a bad OTP URI fails here
    module.exit_json(changed=False, field=field)


if __name__ == "__main__":
    main()
