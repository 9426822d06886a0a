# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The one HTTP client for the 1Password Connect REST API: its endpoints.

Lookups (controller) and modules (target) both build a ConnectClient from a
ConnectSettings and call the methods below. The requests session, retries and
the translation of failures into the typed errors of _errors.py are in
_transport.py; nothing here imports Ansible's plugin or module machinery.
"""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectAuthError,
    ConnectBadRequestError,
    ConnectError,
    ConnectProtocolError,
    ConnectScopeError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._locate import (
    full_item,
    item_by_title,
    locate_item,
    locate_vault,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import looks_like_id
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    COLLECTION_VERSION,
    ConnectSettings,
    default_user_agent,
    normalize_retries,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._transport import ConnectTransport


class ConnectClient(ConnectTransport):
    """The Connect endpoints, on a ConnectTransport (one requests.Session per client).

    warn: a callable taking one string, called once per retry (display.warning
    in lookups, module.warn in modules).
    """

    def __init__(self, settings, warn=None):
        super(ConnectClient, self).__init__(settings, warn=warn)
        self._vault_cache = {}
        self._names = {}

    def __repr__(self):
        return "ConnectClient(%r)" % (self.settings,)

    # -- names for messages ---------------------------------------------
    def _vault_label(self, vault_id):
        name = self._names.get(vault_id)
        return 'vault "%s" (%s)' % (name, vault_id) if name else "vault %s" % vault_id

    def _item_label(self, item_id):
        name = self._names.get(item_id)
        return 'item "%s" (%s)' % (name, item_id) if name else "item %s" % item_id

    def _remember(self, objects, name_key):
        for obj in objects or []:
            if isinstance(obj, dict) and obj.get("id") and obj.get(name_key):
                self._names[obj["id"]] = obj[name_key]

    @staticmethod
    def _check_id(value, kind):
        if not isinstance(value, str) or not looks_like_id(value):
            raise ConnectBadRequestError(
                '%r is not a valid %s id: Connect ids are 26 lowercase letters and digits.' % (value, kind))
        return value

    @staticmethod
    def _filter_value(text):
        """A string literal for a SCIM-like filter, quotes and backslashes escaped."""
        return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')

    # -- vaults ---------------------------------------------------------
    def list_vaults(self, name=None):
        """Vaults in the token's scope; with name, filtered server side."""
        query = [("filter", "name eq %s" % self._filter_value(name))] if name is not None else None
        what = 'list the vaults named "%s"' % name if name is not None else "list the vaults"
        vaults = self._request("GET", "/v1/vaults", what, query=query) or []
        if not isinstance(vaults, list):
            raise self._fail(ConnectProtocolError, "Cannot %s: Connect answered with a %s, not a list." % (what, type(vaults).__name__))
        self._remember(vaults, "name")
        return vaults

    def get_vault(self, vault_id):
        self._check_id(vault_id, "vault")
        vault = self._request("GET", "/v1/vaults/%s" % vault_id, "read %s" % self._vault_label(vault_id))
        self._remember([vault], "name")
        return vault

    def resolve_vault(self, ref):
        """Vault dict for an id or a name (_locate rules). Cached per client."""
        if isinstance(ref, dict) and ref.get("id"):
            return ref
        if isinstance(ref, str) and ref in self._vault_cache:
            return self._vault_cache[ref]
        vault = locate_vault(ref, self.get_vault, self.list_vaults)
        self._vault_cache[ref] = vault
        self._vault_cache[vault["id"]] = vault
        return vault

    # -- items ----------------------------------------------------------
    def list_items(self, vault_id, title=None, tag=None, title_contains=None):
        """Item summaries in a vault, optionally filtered server side."""
        self._check_id(vault_id, "vault")
        clauses = []
        if title is not None:
            clauses.append("title eq %s" % self._filter_value(title))
        if tag is not None:
            clauses.append("tag eq %s" % self._filter_value(tag))
        if title_contains is not None:
            clauses.append("title co %s" % self._filter_value(title_contains))
        query = [("filter", " and ".join(clauses))] if clauses else None
        what = "list the items of %s" % self._vault_label(vault_id)
        if title is not None:
            what = 'look up item "%s" in %s' % (title, self._vault_label(vault_id))
        items = self._request("GET", "/v1/vaults/%s/items" % vault_id, what, query=query) or []
        if not isinstance(items, list):
            raise self._fail(ConnectProtocolError, "Cannot %s: Connect answered with a %s, not a list." % (what, type(items).__name__))
        self._remember(items, "title")
        return items

    def get_item(self, vault_id, item_id):
        """The full item (fields, sections, files)."""
        self._check_id(vault_id, "vault")
        self._check_id(item_id, "item")
        item = self._request("GET", "/v1/vaults/%s/items/%s" % (vault_id, item_id),
                             "read %s in %s" % (self._item_label(item_id), self._vault_label(vault_id)))
        self._remember([item], "title")
        if isinstance(item, dict) and isinstance(item.get("files"), list):
            self._remember(item["files"], "name")  # so an error about a file names it
        return item

    def resolve_item(self, vault, ref):
        """Item for an id (the full item) or a title (its summary) within a vault (_locate rules).

        Errors name the vault and the title, list candidates when ambiguous.
        """
        vault = self.resolve_vault(vault)
        return locate_item(vault, ref, lambda item_id: self.get_item(vault["id"], item_id),
                           lambda title: item_by_title(vault, title, self.list_items))

    def find_item(self, vault_ref, item_ref):
        """Resolve the vault and item by id or name, return the full item."""
        vault = self.resolve_vault(vault_ref)
        return full_item(self.resolve_item(vault, item_ref), lambda item_id: self.get_item(vault["id"], item_id))

    def create_item(self, vault_id, item):
        """POST; never retried once sent. Returns the created full item."""
        self._check_id(vault_id, "vault")
        title = item.get("title") if isinstance(item, dict) else None
        what = 'create item "%s" in %s' % (title, self._vault_label(vault_id))
        created = self._request("POST", "/v1/vaults/%s/items" % vault_id, what, body=item, ok=(200, 201))
        self._remember([created], "title")
        return created

    def patch_item(self, vault_id, item_id, operations):
        """PATCH with an RFC 6902 list. Returns the updated full item."""
        self._check_id(vault_id, "vault")
        self._check_id(item_id, "item")
        if not isinstance(operations, list):
            raise ConnectBadRequestError("A patch must be a list of RFC 6902 operations.")
        what = "update %s in %s" % (self._item_label(item_id), self._vault_label(vault_id))
        updated = self._request("PATCH", "/v1/vaults/%s/items/%s" % (vault_id, item_id), what, body=operations)
        self._remember([updated], "title")
        return updated

    def delete_item(self, vault_id, item_id):
        """DELETE (204)."""
        self._check_id(vault_id, "vault")
        self._check_id(item_id, "item")
        what = "delete %s in %s" % (self._item_label(item_id), self._vault_label(vault_id))
        self._request("DELETE", "/v1/vaults/%s/items/%s" % (vault_id, item_id), what, ok=(200, 204))

    # -- files ----------------------------------------------------------
    def get_file_content(self, vault_id, item_id, file_id):
        """The file's bytes."""
        self._check_id(vault_id, "vault")
        self._check_id(item_id, "item")
        self._check_id(file_id, "file")
        what = "download file %s of %s in %s" % (self._file_label(file_id), self._item_label(item_id), self._vault_label(vault_id))
        response = self._request("GET", "/v1/vaults/%s/items/%s/files/%s/content" % (vault_id, item_id, file_id),
                                 what, expect_json=False)
        return response.content

    def _file_label(self, file_id):
        name = self._names.get(file_id)
        return '"%s" (%s)' % (name, file_id) if name else file_id


__all__ = [
    "COLLECTION_VERSION",
    "ConnectClient",
    "ConnectSettings",
    "ConnectError",
    "ConnectAmbiguousError",
    "ConnectAuthError",
    "ConnectScopeError",
    "default_user_agent",
    "normalize_retries",
]
