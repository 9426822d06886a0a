# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: item
author:
  - secretops.onepassword contributors (@secretops)
short_description: Read whole items from 1Password Connect
version_added: 1.0.0
description:
  - Each term names an item, as C(op://<vault>/<item>), or as the item's title or id alone in the default
    vault (O(vault) or E(OP_VAULT)); a title given alone may contain C(/).
  - Returns one dictionary per item with its metadata, its fields by label, its fields by section, the
    complete list of fields (nothing is lost when labels repeat) and its file attachments.
  - Names match as 1Password does (id, exact name, then name ignoring case); when several items match,
    the lookup fails and lists them.
  - Items are fetched concurrently and shared through the run-wide cache like the
    P(secretops.onepassword.secret#lookup) lookup.
  - The keys of the result are snake_case (C(created_at), C(updated_at), C(last_edited_by), C(field_list),
    C(section_id), ...), the same in every release.
  - A field of type C(DATE) has its value as C(YYYY-MM-DD).
  - The values are marked unsafe, so Ansible never templates them again.
seealso:
  - plugin: secretops.onepassword.secret
    plugin_type: lookup
requirements:
  - requests (Python library, on the controller)
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.connection.plugins
  - secretops.onepassword.lookup
options:
  _terms:
    description:
      - Item references, C(op://<vault>/<item>) or an item title or id in the default vault.
    type: list
    elements: str
    required: true
  on_missing:
    description:
      - What to do when the item does not exist.
      - V(error) fails the task (the default); V(warn) shows a warning and returns C(None) for that term;
        V(ignore) returns C(None) silently.
      - Ambiguous names, malformed references and access errors always fail. A vault that is not found is an
        access error, as Connect lists a token only the vaults it may read and so cannot tell a vault that
        does not exist from one out of the token's reach.
    type: str
    choices: [error, warn, ignore]
    default: error
  include_files:
    description:
      - Also download the content of every file attachment (into C(files[].content)).
    type: bool
    default: false
  file_encoding:
    description:
      - How file contents are returned with O(include_files=true). V(text) decodes them as UTF-8 (a file that
        is not UTF-8 fails); V(base64) returns them base64-encoded.
    type: str
    choices: [text, base64]
    default: text
"""

EXAMPLES = r"""
- name: Read a whole item
  ansible.builtin.set_fact:
    db: "{{ lookup('secretops.onepassword.item', 'op://Prod/db') }}"

- name: Use its fields by label, or by section when labels repeat
  ansible.builtin.debug:
    msg: "{{ db.fields.username }}@{{ db.sections['replica'].host }}"

- name: Every field, lossless
  ansible.builtin.debug:
    msg: "{{ db.field_list | selectattr('type', 'equalto', 'CONCEALED') | map(attribute='label') | list }}"

- name: An item of the default vault, with its files (base64, so binary files work too)
  ansible.builtin.set_fact:
    web: "{{ lookup('secretops.onepassword.item', 'web', vault='Prod', include_files=true, file_encoding='base64') }}"
"""

RETURN = r"""
_raw:
  description: One dictionary per term, in order (C(None) for a missing one with O(on_missing=warn) or V(ignore)).
  type: list
  elements: dict
  contains:
    id:
      description: Item id.
      type: str
    title:
      description: Item title.
      type: str
    category:
      description: Item category, for example C(LOGIN) or C(DATABASE).
      type: str
    vault:
      description: The vault, as C(id) and C(name).
      type: dict
    version:
      description: Item version.
      type: int
    state:
      description: C(ARCHIVED), C(DELETED) or empty.
      type: str
    favorite:
      description: Whether the item is a favorite.
      type: bool
    tags:
      description: Tags.
      type: list
      elements: str
    urls:
      description: URLs, each with C(href) and optionally C(label) and C(primary).
      type: list
      elements: dict
    created_at:
      description: Creation time (RFC 3339).
      type: str
    updated_at:
      description: Last update time (RFC 3339).
      type: str
    last_edited_by:
      description: Who edited the item last.
      type: str
    fields:
      description:
        - Field values by label, for each label that occurs once in the item (a field without a label is keyed
          by its id). Labels that occur several times are listed in RV(_raw.duplicate_labels) instead.
      type: dict
    duplicate_labels:
      description: Labels left out of RV(_raw.fields) because several fields carry them.
      type: list
      elements: str
    sections:
      description:
        - Field values by label within each section, keyed by section label (by section id when the section
          has no label or shares its label with another).
      type: dict
    field_list:
      description:
        - Every field in item order with C(id), C(label), C(type), C(purpose), C(value), C(section) (label),
          C(section_id) and, for one-time password fields, C(otp) (the current code).
      type: list
      elements: dict
    files:
      description:
        - File attachments with C(id), C(name), C(size), C(section), C(section_id) and, with
          O(include_files=true), C(content).
      type: list
      elements: dict
"""

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError
from ansible_collections.secretops.onepassword.plugins.module_utils._references import parse_item_reference
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import file_content, item_to_dict
from ansible_collections.secretops.onepassword.plugins.plugin_utils._lookup import ConnectLookupBase


class LookupModule(ConnectLookupBase):

    NAME = "secretops.onepassword.item"

    def parse_term(self, term):
        return parse_item_reference(term, default_vault=self.get_option("vault"))

    def results(self, source, terms, refs):
        on_missing = self.get_option("on_missing")
        include_files = self.get_option("include_files")
        encoding = self.get_option("file_encoding")
        got = source.items(refs)
        contents = {}
        if include_files:
            keys = []
            for found in got.values():
                if not isinstance(found, ConnectError):
                    vault, item = found
                    keys.extend((vault["id"], item["id"], f.get("id")) for f in item.get("files") or [])
            contents = source.run_all(keys, lambda key: source.file_bytes(*key))

        results = []
        for term, ref in zip(terms, refs):
            found = got[ref]
            if isinstance(found, ConnectError):
                results.append(self.term_failure(term, found, on_missing))
                continue
            vault, item = found
            files = None
            if include_files:
                files = {}
                for file_ in item.get("files") or []:
                    content = contents.get((vault["id"], item["id"], file_.get("id")))
                    if isinstance(content, ConnectError):
                        raise self.lookup_error(content, term)
                    files[file_.get("id")] = file_content(file_, content, encoding=encoding)
            results.append(item_to_dict(item, vault=vault, files=files))
        return results
