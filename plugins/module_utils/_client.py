# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The one HTTP client for the 1Password Connect REST API.

INTERFACE CONTRACT (bodies to be implemented): lookups (controller) and
modules (target) both build a ConnectClient from a ConnectSettings and call
the methods below. Nothing here imports Ansible's plugin or module machinery;
failures are raised as the typed errors of _errors.py.
"""

from __future__ import annotations


class ConnectSettings(object):
    """Plain connection settings, validated on construction.

    host: base URL, e.g. "http://127.0.0.1:8080" (scheme required).
    token: the Connect bearer token.
    validate_certs: verify the server certificate (default True).
    ca_path: a CA bundle file to trust instead of the system store.
    client_cert / client_key: PEM files for a client certificate.
    timeout: seconds for connect and for each read (default 30).
    retries: None/0 (no retry), an int (attempts after the first), or a dict
        with keys total, backoff_factor, status_forcelist, backoff_max,
        respect_retry_after (full control).
    proxies: dict scheme -> proxy URL, or None for the environment's.
    user_agent: extra product token appended to the User-Agent, e.g. "ansible-core/2.19.14".

    Raises ConnectConfigError naming the bad setting.
    """

    def __init__(self, host, token, validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, timeout=30, retries=3, proxies=None, user_agent=None):
        raise NotImplementedError


class ConnectClient(object):
    """One requests.Session (keep-alive) per client.

    warn: a callable taking one string, called once per retry (display.warning
    in lookups, module.warn in modules).

    Reads (GET, and PUT/DELETE which are idempotent) are retried on connection
    errors, 429 (honouring Retry-After) and 5xx with exponential backoff and
    jitter; POST and PATCH are never retried after the request may have
    reached the server.
    """

    def __init__(self, settings, warn=None):
        raise NotImplementedError

    def close(self):
        """Close the pooled connections."""

    # -- vaults ---------------------------------------------------------
    def list_vaults(self, name=None):
        """Vaults in the token's scope; with name, filtered server side."""
        raise NotImplementedError

    def get_vault(self, vault_id):
        raise NotImplementedError

    def resolve_vault(self, ref):
        """Vault dict for an id or a name (_matching rules). Cached per client."""
        raise NotImplementedError

    # -- items ----------------------------------------------------------
    def list_items(self, vault_id, title=None, tag=None, title_contains=None):
        """Item summaries in a vault, optionally filtered server side."""
        raise NotImplementedError

    def get_item(self, vault_id, item_id):
        """The full item (fields, sections, files)."""
        raise NotImplementedError

    def resolve_item(self, vault, ref):
        """Item summary for an id or a title within a vault dict.

        Titles are matched server side first (`title eq`, quotes escaped); if
        that finds nothing, the vault's list is matched case-insensitively.
        Errors name the vault and the title, list candidates when ambiguous.
        """
        raise NotImplementedError

    def find_item(self, vault_ref, item_ref):
        """Resolve the vault and item by id or name, return the full item."""
        raise NotImplementedError

    def create_item(self, vault_id, item):
        """POST; never retried once sent. Returns the created full item."""
        raise NotImplementedError

    def replace_item(self, vault_id, item_id, item):
        """PUT the whole item. Returns the updated full item."""
        raise NotImplementedError

    def patch_item(self, vault_id, item_id, operations):
        """PATCH with an RFC 6902 list. Returns the updated full item."""
        raise NotImplementedError

    def delete_item(self, vault_id, item_id):
        """DELETE (204)."""
        raise NotImplementedError

    # -- files ----------------------------------------------------------
    def list_files(self, vault_id, item_id, inline=False):
        raise NotImplementedError

    def get_file(self, vault_id, item_id, file_id, inline=False):
        raise NotImplementedError

    def get_file_content(self, vault_id, item_id, file_id):
        """The file's bytes."""
        raise NotImplementedError

    # -- server ---------------------------------------------------------
    def heartbeat(self):
        raise NotImplementedError

    def health(self):
        raise NotImplementedError
