# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the lookup unit tests: a fake Connect client serving item fixtures,
and lookups instantiated with their documented options (as the plugin loader does)."""

from __future__ import annotations

import copy
import threading
import time

import pytest
import yaml

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ConnectNotFoundError
from ansible_collections.secretops.onepassword.plugins.module_utils._matching import looks_like_id, pick_one

VAULTS = [
    {"id": "prodvaultaaaaaaaaaaaaaaaaa", "name": "Prod"},
    {"id": "devvaultaaaaaaaaaaaaaaaaaa", "name": "Dev"},
]


def _item(vault_id, item_id, title, fields, files=None, sections=None):
    return {"id": item_id, "title": title, "vault": {"id": vault_id}, "category": "LOGIN", "version": 1,
            "sections": sections or [], "fields": fields, "files": files or []}


def make_items():
    prod, dev = VAULTS[0]["id"], VAULTS[1]["id"]
    items = [
        _item(prod, "dbaaaaaaaaaaaaaaaaaaaaaaaa", "db", [
            {"id": "username", "type": "STRING", "purpose": "USERNAME", "label": "username", "value": "admin"},
            {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "pw-db"},
        ], files=[{"id": "fileaaaaaaaaaaaaaaaaaaaaaa", "name": "ca.pem", "size": 4}]),
        _item(prod, "webaaaaaaaaaaaaaaaaaaaaaaa", "web", [
            {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "pw-web"},
        ]),
        _item(prod, "twin1aaaaaaaaaaaaaaaaaaaaa", "twin", []),
        _item(prod, "twin2aaaaaaaaaaaaaaaaaaaaa", "twin", []),
        _item(dev, "devdbaaaaaaaaaaaaaaaaaaaaa", "db", [
            {"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "pw-dev"},
        ]),
    ]
    for n in range(10):
        items.append(_item(prod, "bulk%02daaaaaaaaaaaaaaaaaaaa" % n, "bulk%02d" % n, [
            {"id": "password", "type": "CONCEALED", "label": "password", "value": "pw-bulk%02d" % n}]))
    return items


class FakeClient(object):
    """Answers like ConnectClient from fixtures; counts calls (shared between instances)."""

    def __init__(self, registry):
        self.registry = registry

    def _count(self, name):
        with self.registry.lock:
            self.registry.calls.append(name)
        if self.registry.delay:
            time.sleep(self.registry.delay)

    def resolve_vault(self, ref):
        self._count("resolve_vault")
        return copy.deepcopy(pick_one(VAULTS, ref, "vault"))

    def list_items(self, vault_id, title=None):
        self._count("list_items")
        items = [i for i in self.registry.items if i["vault"]["id"] == vault_id]
        if title is not None:
            items = [i for i in items if i["title"] == title]
        return copy.deepcopy(items)

    def get_item(self, vault_id, item_id):
        self._count("get_item")
        for item in self.registry.items:
            if item["vault"]["id"] == vault_id and item["id"] == item_id:
                return copy.deepcopy(item)
        raise ConnectNotFoundError("item %s not found" % item_id)

    def get_file_content(self, vault_id, item_id, file_id):
        self._count("get_file_content")
        return self.registry.files[file_id]

    def close(self):
        with self.registry.lock:
            self.registry.closed += 1


class Registry(object):
    def __init__(self):
        self.items = make_items()
        self.files = {"fileaaaaaaaaaaaaaaaaaaaaaa": b"PEM\n"}
        self.calls = []
        self.lock = threading.Lock()
        self.delay = 0
        self.closed = 0
        self.created = 0

    def factory(self):
        with self.lock:
            self.created += 1
        return FakeClient(self)

    def count(self, name):
        return self.calls.count(name)


@pytest.fixture
def registry():
    return Registry()


assert looks_like_id(VAULTS[0]["id"])


def _options_from_docs(module):
    """The option definitions the plugin loader would build: each fragment the
    plugin extends (secretops.onepassword.NAME[.PART]), then its own options."""
    import importlib

    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for reference in doc.get("extends_documentation_fragment") or []:
        parts = reference.split(".")
        assert parts[:2] == ["secretops", "onepassword"], reference
        fragment = importlib.import_module(
            "ansible_collections.secretops.onepassword.plugins.doc_fragments." + parts[2]).ModuleDocFragment
        text = getattr(fragment, (parts[3] if len(parts) > 3 else "documentation").upper())
        for name, decl in (yaml.safe_load(text)["options"] or {}).items():
            options.setdefault(name, {}).update(decl)
    for name, decl in doc["options"].items():
        options.setdefault(name, {}).update(decl)
    return options


@pytest.fixture
def make_lookup(monkeypatch, registry):
    """make_lookup(module) -> a LookupModule whose clients are FakeClients and whose cache is off."""
    from ansible import constants as C
    from ansible_collections.secretops.onepassword.plugins.module_utils import _client

    monkeypatch.setattr(_client, "ConnectClient", lambda settings, warn=None: registry.factory())

    def make(module):
        name = "secretops.onepassword." + module.__name__.rsplit(".", 1)[-1]
        C.config.initialize_plugin_configuration_definitions("lookup", name, _options_from_docs(module))
        plugin = module.LookupModule()
        plugin._load_name = name
        plugin.ansible_name = name
        return plugin

    monkeypatch.setenv("OP_CONNECT_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("OP_CONNECT_TOKEN", "unit-test-token")
    monkeypatch.setenv("OP_LOOKUP_CACHE", "false")
    monkeypatch.delenv("OP_VAULT", raising=False)
    return make
