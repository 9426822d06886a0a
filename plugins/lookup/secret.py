# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: secret
author:
  - secretops.onepassword contributors (@secretops)
short_description: Read secrets from 1Password Connect by secret reference
version_added: 1.0.0
description:
  - Each term is a 1Password secret reference C(op://<vault>/<item>/[<section>/]<field>), optionally followed
    by C(?attribute=<attribute>) and/or C(ssh-format=openssh) (joined with C(&)).
  - Vault, item, section and field are each a name or an id. Names match as 1Password does, an id first, then
    the exact name, then the name ignoring case; an exact match beats one that differs only in case.
    When several objects match, the lookup fails and lists them.
  - The field part may name a file attachment of the item; its content is returned as text, or base64 with
    O(file_encoding=base64).
  - With a default vault (O(vault) or E(OP_VAULT)), a term may leave out C(op://<vault>/) and be written
    C(<item>/[<section>/]<field>).
  - Several terms return a list of values in the same order. Within one call each item is fetched once and
    distinct items are fetched concurrently; across the whole playbook run answers are shared through a
    memory-only cache (see O(cache)).
  - A field of type C(DATE) is returned as C(YYYY-MM-DD).
  - The values are marked unsafe, so Ansible never templates them again.
seealso:
  - plugin: secretops.onepassword.item
    plugin_type: lookup
requirements:
  - requests (Python library, on the controller)
  - cryptography (Python library, on the controller), only for C(ssh-format=openssh)
extends_documentation_fragment:
  - secretops.onepassword.connection
  - secretops.onepassword.connection.plugins
  - secretops.onepassword.lookup
options:
  _terms:
    description:
      - Secret references, for example C(op://Prod/db/password) or C(op://Prod/web/tls/cert.pem).
      - "Attributes: V(value) (the default), V(otp) or V(totp) (the current one-time code of an OTP field,
        computed from its C(otpauth://) URI), V(type), V(id), V(purpose), V(label)."
      - C(ssh-format=openssh) returns an SSH private key in the OpenSSH format.
    type: list
    elements: str
    required: true
  on_missing:
    description:
      - What to do when the item, section, field or file a reference names does not exist.
      - V(error) fails the task (the default); V(warn) shows a warning and returns C(None) for that term;
        V(ignore) returns C(None) silently.
      - Ambiguous names, malformed references and access errors always fail. A vault that is not found is an
        access error, as Connect lists a token only the vaults it may read and so cannot tell a vault that
        does not exist from one out of the token's reach.
    type: str
    choices: [error, warn, ignore]
    default: error
  file_encoding:
    description:
      - How the content of a file attachment is returned. V(text) decodes it as UTF-8 (a file that is not
        UTF-8 fails); V(base64) returns it base64-encoded, for binary files.
    type: str
    choices: [text, base64]
    default: text
notes:
  - A one-time code is computed on the controller from the field's C(otpauth://) URI at the moment the lookup
    runs, so a cached item never yields a stale code.
"""

EXAMPLES = r"""
- name: Read a password
  ansible.builtin.debug:
    msg: "{{ lookup('secretops.onepassword.secret', 'op://Prod/db/password') }}"

- name: A field inside a section, and a one-time code
  ansible.builtin.set_fact:
    db_host: "{{ lookup('secretops.onepassword.secret', 'op://Prod/db/connection/host') }}"
    vpn_code: "{{ lookup('secretops.onepassword.secret', 'op://Prod/vpn/one-time password?attribute=otp') }}"

- name: Several references at once return a list, fetched concurrently
  ansible.builtin.set_fact:
    creds: "{{ query('secretops.onepassword.secret', 'op://Prod/db/username', 'op://Prod/db/password') }}"

- name: Short references with a default vault
  ansible.builtin.debug:
    msg: "{{ lookup('secretops.onepassword.secret', 'db/password', vault='Prod') }}"

- name: An SSH key in the OpenSSH format, written to a file
  ansible.builtin.copy:
    content: "{{ lookup('secretops.onepassword.secret', 'op://Prod/deploy key/private key?ssh-format=openssh') }}"
    dest: /home/deploy/.ssh/id_ed25519
    mode: "0600"
  no_log: true

- name: A binary file attachment, base64-encoded
  ansible.builtin.copy:
    content: "{{ lookup('secretops.onepassword.secret', 'op://Prod/web/keystore.p12', file_encoding='base64') | b64decode }}"
    dest: /etc/app/keystore.p12
    mode: "0600"
  no_log: true

- name: An optional secret
  ansible.builtin.debug:
    msg: "{{ lookup('secretops.onepassword.secret', 'op://Prod/db/replica password', on_missing='ignore') | default('none', true) }}"
"""

RETURN = r"""
_raw:
  description:
    - One value per term, in the order of the terms (a string; C(None) for a missing one with
      O(on_missing=warn) or O(on_missing=ignore)).
  type: list
  elements: str
"""

from ansible.utils.display import Display

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectError
from ansible_collections.secretops.onepassword.plugins.module_utils._references import parse_reference
from ansible_collections.secretops.onepassword.plugins.module_utils._resolve import (
    field_attribute,
    file_attribute,
    file_content,
    locate,
)
from ansible_collections.secretops.onepassword.plugins.plugin_utils._lookup import ConnectLookupBase

display = Display()


class LookupModule(ConnectLookupBase):

    NAME = "secretops.onepassword.secret"

    def parse_term(self, term):
        return parse_reference(term, default_vault=self.get_option("vault"))

    def results(self, source, terms, refs):
        on_missing = self.get_option("on_missing")
        values = self._resolve(source, refs, self.get_option("file_encoding"))
        display.vvv("%s: %d reference(s) over %d item(s), %d fetched from Connect"
                    % (self.NAME, len(refs), len(set((r.vault, r.item) for r in refs)), source.fetches))
        results = []
        for ref, value in zip(refs, values):
            if isinstance(value, ConnectError):
                value = self.term_failure(ref, value, on_missing)
            results.append(value)
        return results

    @staticmethod
    def _resolve(source, refs, encoding):
        """One value (or ConnectError) per reference."""
        items = source.items([(r.vault, r.item) for r in refs])
        values = []
        pending = {}
        for index, ref in enumerate(refs):
            got = items[(ref.vault, ref.item)]
            if isinstance(got, ConnectError):
                values.append(got)
                continue
            vault, item = got
            try:
                kind, target = locate(item, ref.section, ref.field, vault_name=vault.get("name"))
                if kind == "field":
                    values.append(field_attribute(target, ref.attribute, ref.ssh_format))
                    continue
                value = file_attribute(target, ref.attribute, ref.ssh_format)
                if value is not None:
                    values.append(value)
                    continue
                key = (vault["id"], item["id"], target["id"])
                pending.setdefault(key, []).append((index, target, ref))
                values.append(None)
            except ConnectError as exc:
                values.append(exc)

        if pending:
            contents = source.run_all(list(pending), lambda key: source.file_bytes(*key))
            for key, uses in pending.items():
                for index, target, ref in uses:
                    content = contents[key]
                    if isinstance(content, ConnectError):
                        values[index] = content
                        continue
                    try:
                        values[index] = file_content(target, content, encoding=encoding, ssh_format=ref.ssh_format)
                    except ConnectError as exc:
                        values[index] = exc
        return values
