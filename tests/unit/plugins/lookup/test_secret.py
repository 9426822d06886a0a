# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the secret and item lookups over a fake client."""

from __future__ import annotations

import time

import pytest
from ansible.errors import AnsibleLookupError
from ansible.utils.unsafe_proxy import AnsibleUnsafe

from ansible_collections.secretops.onepassword.plugins.lookup import item as item_lookup
from ansible_collections.secretops.onepassword.plugins.lookup import secret as secret_lookup
from ansible_collections.secretops.onepassword.plugins.plugin_utils import _fetch


def run(make_lookup, module, terms, **kwargs):
    return make_lookup(module).run(terms, variables={}, **kwargs)


def test_values_in_order_each_item_fetched_once(make_lookup, registry):
    terms = ["op://Prod/db/password", "op://Prod/web/password", "op://Prod/db/username",
             "op://prod/DB/Password", "op://Dev/db/password"]
    assert run(make_lookup, secret_lookup, terms) == ["pw-db", "pw-web", "admin", "pw-db", "pw-dev"]
    # "Prod" and "prod" are distinct refs; Dev one more: vaults resolved once per distinct ref.
    assert registry.count("resolve_vault") == 3
    # db (twice spelled), web, DB, dev-db: one resolve + one get per distinct (vault ref, item ref).
    assert registry.count("get_item") == 4
    assert registry.closed == registry.created


def _assert_unsafe(value):
    """Marked so that Ansible never templates it (2.19+: not trusted; older: AnsibleUnsafe)."""
    try:
        from ansible.template import is_trusted_as_template
    except ImportError:
        assert isinstance(value, AnsibleUnsafe)
    else:
        assert not is_trusted_as_template(value)


def test_results_are_unsafe(make_lookup, registry):
    try:
        from ansible.template import trust_as_template
    except ImportError:
        trust_as_template = str
    # Even a value that arrived marked as a trusted template leaves the lookup unsafe.
    registry.items[0]["fields"][1]["value"] = trust_as_template("{{ lookup('pipe', 'id') }}")
    result = run(make_lookup, secret_lookup, ["op://Prod/db/password"])
    assert result == ["{{ lookup('pipe', 'id') }}"]
    _assert_unsafe(result[0])


def test_distinct_items_are_fetched_concurrently(make_lookup, registry):
    registry.delay = 0.2
    terms = ["op://Prod/bulk%02d/password" % n for n in range(8)]
    started = time.monotonic()
    assert run(make_lookup, secret_lookup, terms) == ["pw-bulk%02d" % n for n in range(8)]
    elapsed = time.monotonic() - started
    # Sequentially: 1 vault + 8 x (resolve + get) = 17 x 0.2 s = 3.4 s.
    assert elapsed < 1.8, elapsed
    assert 1 < registry.created <= _fetch.MAX_WORKERS + 1  # the pool, plus the calling thread


def test_nested_term_lists_are_flattened(make_lookup):
    assert run(make_lookup, secret_lookup, [["op://Prod/db/username", "op://Prod/web/password"]]) == [
        "admin", "pw-web"]


def test_default_vault_and_short_references(make_lookup):
    assert run(make_lookup, secret_lookup, ["db/password", "op://Dev/db/password"], vault="Prod") == [
        "pw-db", "pw-dev"]


def test_default_vault_from_environment(make_lookup, monkeypatch):
    monkeypatch.setenv("OP_VAULT", "Dev")
    assert run(make_lookup, secret_lookup, ["db/password"]) == ["pw-dev"]


def test_attributes_and_file(make_lookup):
    terms = ["op://Prod/db/password?attribute=purpose", "op://Prod/db/password?attribute=type",
             "op://Prod/db/ca.pem", "op://Prod/db/ca.pem?attribute=id"]
    assert run(make_lookup, secret_lookup, terms) == ["PASSWORD", "CONCEALED", "PEM\n", "fileaaaaaaaaaaaaaaaaaaaaaa"]
    assert run(make_lookup, secret_lookup, ["op://Prod/db/ca.pem"], file_encoding="base64") == ["UEVNCg=="]


def test_missing_field_is_an_error_by_default(make_lookup):
    with pytest.raises(AnsibleLookupError) as info:
        run(make_lookup, secret_lookup, ["op://Prod/db/passwrd"])
    message = str(info.value)
    assert "op://Prod/db/passwrd" in message and 'No field or file named "passwrd"' in message
    assert "Did you mean" in message and "pw-db" not in message


@pytest.mark.parametrize("term", ["op://Prod/db/nope", "op://Prod/nope/password",
                                  "op://Prod/db/nosection/password"])
def test_on_missing_ignore_and_warn(make_lookup, term, monkeypatch):
    warnings = []
    monkeypatch.setattr(secret_lookup.display, "warning", warnings.append)
    assert run(make_lookup, secret_lookup, [term, "op://Prod/web/password"], on_missing="ignore") == [
        None, "pw-web"]
    assert warnings == []
    assert run(make_lookup, secret_lookup, [term, "op://Prod/web/password"], on_missing="warn") == [
        None, "pw-web"]
    assert len(warnings) == 1 and term in warnings[0]


@pytest.mark.parametrize("module, term", [(secret_lookup, "op://Nope/db/password"), (item_lookup, "op://Nope/db")])
@pytest.mark.parametrize("on_missing", ["ignore", "warn"])
def test_a_vault_not_found_is_an_access_error_whatever_on_missing(make_lookup, module, term, on_missing):
    """Connect lists only the token's vaults: one not found may exist out of the token's reach."""
    with pytest.raises(AnsibleLookupError) as info:
        run(make_lookup, module, [term], on_missing=on_missing)
    assert 'No vault named "Nope"' in str(info.value)
    assert "does not exist or this token has no access to it" in str(info.value)


@pytest.mark.parametrize("module, kwargs, fragment", [
    (secret_lookup, {"vualt": "Prod"}, '"vualt" (did you mean "vault"?)'),
    (secret_lookup, {"on_mising": "ignore"}, '"on_mising" (did you mean "on_missing"?)'),
    (secret_lookup, {"fle_encoding": "base64"}, '"fle_encoding" (did you mean "file_encoding"?)'),
    (item_lookup, {"include_file": True}, '"include_file" (did you mean "include_files"?)'),
])
def test_unknown_options_are_rejected_before_any_request(make_lookup, registry, module, kwargs, fragment):
    with pytest.raises(AnsibleLookupError) as info:
        run(make_lookup, module, ["op://Prod/db/password"], **kwargs)
    assert fragment in str(info.value)
    assert registry.calls == []


def test_ambiguity_is_an_error_even_with_on_missing_ignore(make_lookup):
    with pytest.raises(AnsibleLookupError) as info:
        run(make_lookup, secret_lookup, ["op://Prod/twin/password"], on_missing="ignore")
    assert "twin1aaaaaaaaaaaaaaaaaaaaa" in str(info.value) and "twin2aaaaaaaaaaaaaaaaaaaaa" in str(info.value)


def test_malformed_reference_fails_before_any_request(make_lookup, registry):
    with pytest.raises(AnsibleLookupError) as info:
        run(make_lookup, secret_lookup, ["op://Prod/db/password", "op://Prod//password"])
    assert "the item part is empty" in str(info.value)
    assert registry.calls == []


def test_bad_option_value_is_rejected(make_lookup):
    with pytest.raises(Exception) as info:
        run(make_lookup, secret_lookup, ["op://Prod/db/password"], on_missing="explode")
    assert "on_missing" in str(info.value)


def test_no_terms(make_lookup, registry):
    assert run(make_lookup, secret_lookup, []) == []
    assert registry.calls == []


# -- item lookup --------------------------------------------------------------------

def test_item_lookup_returns_dicts(make_lookup, registry):
    result = run(make_lookup, item_lookup, ["op://Prod/db", "web"], vault="Prod")
    assert [r["title"] for r in result] == ["db", "web"]
    assert result[0]["fields"] == {"username": "admin", "password": "pw-db"}
    assert result[0]["vault"] == {"id": "prodvaultaaaaaaaaaaaaaaaaa", "name": "Prod"}
    assert "content" not in result[0]["files"][0]
    assert registry.count("get_file_content") == 0
    _assert_unsafe(result[0]["fields"]["password"])


def test_item_lookup_with_files(make_lookup):
    result = run(make_lookup, item_lookup, ["op://Prod/db"], include_files=True, file_encoding="base64")
    assert result[0]["files"][0]["content"] == "UEVNCg=="


def test_item_lookup_missing_and_ambiguous(make_lookup):
    assert run(make_lookup, item_lookup, ["op://Prod/nothing"], on_missing="ignore") == [None]
    with pytest.raises(AnsibleLookupError, match='No item named "nothing"'):
        run(make_lookup, item_lookup, ["op://Prod/nothing"])
    with pytest.raises(AnsibleLookupError, match="twin1"):
        run(make_lookup, item_lookup, ["op://Prod/twin"], on_missing="ignore")
    with pytest.raises(AnsibleLookupError, match="no default vault"):
        run(make_lookup, item_lookup, ["db"])


# -- the source with a run cache ----------------------------------------------------

class MemoryCache(object):
    """RunCache stand-in backed by a Store (same process)."""

    def __init__(self):
        from ansible_collections.secretops.onepassword.plugins.plugin_utils._cache import Store
        self.store = Store()

    def lease(self, key):
        state, value, gen = self.store.lease(key)
        return state == "hit", value, gen

    def put(self, key, value, generation=None):
        self.store.put(key, value, 60, generation)

    def release(self, key):
        self.store.release(key)

    def close(self):
        pass


def test_item_source_shares_answers_through_the_cache(registry):
    memory = MemoryCache()
    pairs = [("Prod", "db"), ("Prod", "web")]
    first = _fetch.ItemSource(registry.factory, "ns1", cache=memory)
    first.items(pairs)
    first.file_bytes("prodvaultaaaaaaaaaaaaaaaaa", "dbaaaaaaaaaaaaaaaaaaaaaaaa", "fileaaaaaaaaaaaaaaaaaaaaaa")
    calls = len(registry.calls)
    assert calls == 1 + 2 * 2 + 1
    second = _fetch.ItemSource(registry.factory, "ns1", cache=memory)
    got = second.items(pairs)
    assert got[("Prod", "db")][1]["fields"][1]["value"] == "pw-db"
    assert second.file_bytes("prodvaultaaaaaaaaaaaaaaaaa", "dbaaaaaaaaaaaaaaaaaaaaaaaa",
                             "fileaaaaaaaaaaaaaaaaaaaaaa") == b"PEM\n"
    assert len(registry.calls) == calls  # everything came from the cache
    # Another token (namespace) never sees those entries.
    third = _fetch.ItemSource(registry.factory, "ns2", cache=memory)
    third.items(pairs)
    assert len(registry.calls) == 2 * calls - 1


def test_item_source_does_not_cache_errors(registry):
    memory = MemoryCache()
    source = _fetch.ItemSource(registry.factory, "ns", cache=memory)
    assert isinstance(source.items([("Prod", "missing")])[("Prod", "missing")], Exception)
    before = registry.count("list_items")
    source.items([("Prod", "missing")])
    assert registry.count("list_items") == before + 2  # the title filter, then the whole list
