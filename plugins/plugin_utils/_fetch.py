# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Fetching vaults, items and files for the lookups: deduplicated, concurrent, cached.

ConnectLookupBase.item_source() (plugin_utils/_lookup.py) builds an ItemSource
for a lookup call; its clients are only built (and the Connect client only
imported) when an answer is not in the run-wide cache.

Within one lookup call each distinct vault name is resolved once and each
distinct item fetched once; distinct items are fetched concurrently by a
bounded pool of threads, each with its own ConnectClient (requests sessions
are not shared between threads). With a RunCache (see _cache.py) answers are
shared by every process of the ansible-playbook run.
"""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectError,
    ConnectNotFoundError,
    ConnectScopeError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._locate import (
    item_by_title,
    locate_item,
)

MAX_WORKERS = 8
MAX_CACHED_FILE = 1024 * 1024


class ItemSource(object):
    """Vaults, items and file contents for one lookup call.

    client_factory: a callable returning a new ConnectClient (called at most
    once per thread). namespace: the cache namespace of the host and token.
    cache: a RunCache or None.
    """

    def __init__(self, client_factory, namespace, cache=None, workers=MAX_WORKERS):
        self._factory = client_factory
        self._ns = namespace
        self._cache = cache
        self._workers = max(1, int(workers))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients = []
        self.fetches = 0  # requests-worth of work done without the cache (for tests)

    # -- clients -----------------------------------------------------------
    def client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._factory()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def close(self):
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            try:
                client.close()
            except Exception:
                pass
        if self._cache is not None:
            self._cache.close()

    # -- cache plumbing ------------------------------------------------------
    def _cached(self, key, fetch, encode=None, decode=None):
        key = (self._ns,) + tuple(key)
        generation = None
        if self._cache is not None:
            hit, value, generation = self._cache.lease(key)
            if hit:
                return decode(value) if decode else value
        try:
            with self._lock:
                self.fetches += 1
            value = fetch()
        except BaseException:
            if self._cache is not None:
                self._cache.release(key)
            raise
        if self._cache is not None:
            stored = encode(value) if encode else value
            if stored is None:
                self._cache.release(key)
            else:
                self._cache.put(key, stored, generation)
        return value

    # -- single objects --------------------------------------------------------
    def vault(self, ref):
        """The vault dict for a name or id.

        Connect shows a token only the vaults it may read, so a vault that is
        not found may exist out of the token's reach: that is an access error
        (ConnectScopeError), which on_missing never hides.
        """
        def fetch():
            try:
                return _vault_summary(self.client().resolve_vault(ref))
            except ConnectNotFoundError as exc:
                raise ConnectScopeError("%s It does not exist or this token has no access to it (an access error, "
                                        "which fails whatever on_missing says)." % exc) from None

        return self._cached(("vault", ref), fetch)

    def item(self, vault, ref):
        """The full item named or identified by ref in the vault dict (_locate rules)."""
        vault_id = vault["id"]

        def by_title(title):
            item_id = self._cached(("itemref", vault_id, title),
                                   lambda: item_by_title(vault, title, self.client().list_items)["id"])
            return self._full_item(vault_id, item_id)

        return locate_item(vault, ref, lambda item_id: self._full_item(vault_id, item_id), by_title)

    def _full_item(self, vault_id, item_id):
        return self._cached(("item", vault_id, item_id), lambda: self.client().get_item(vault_id, item_id))

    def file_bytes(self, vault_id, item_id, file_id):
        def encode(content):
            if len(content) > MAX_CACHED_FILE:
                return None
            return base64.b64encode(content).decode("ascii")
        return self._cached(("file", vault_id, item_id, file_id),
                            lambda: self.client().get_file_content(vault_id, item_id, file_id),
                            encode=encode, decode=base64.b64decode)

    # -- batches -----------------------------------------------------------------
    def run_all(self, keys, fn):
        """{key: result or ConnectError} for distinct keys, concurrently when several."""
        keys = list(dict.fromkeys(keys))
        results = {}

        def one(key):
            try:
                return fn(key)
            except ConnectError as exc:
                return exc

        if len(keys) <= 1 or self._workers == 1:
            for key in keys:
                results[key] = one(key)
            return results
        with ThreadPoolExecutor(max_workers=min(self._workers, len(keys))) as pool:
            for key, result in zip(keys, pool.map(one, keys)):
                results[key] = result
        return results

    def items(self, pairs):
        """{(vault_ref, item_ref): (vault, item) or ConnectError} for each distinct pair."""
        pairs = list(dict.fromkeys(pairs))
        vaults = self.run_all([v for v, dummy in pairs], self.vault)

        def fetch(pair):
            vault = vaults[pair[0]]
            if isinstance(vault, ConnectError):
                raise vault
            return vault, self.item(vault, pair[1])

        return self.run_all(pairs, fetch)


def _vault_summary(vault):
    """What the lookups keep of a vault."""
    return {"id": vault.get("id"), "name": vault.get("name") or ""}
