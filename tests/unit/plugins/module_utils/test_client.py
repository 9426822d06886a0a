# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Connect endpoints (vaults, items, files) against a scripted local HTTP server."""

from __future__ import annotations

import json
import platform
import re
from urllib.parse import unquote

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils._client import (
    ConnectClient,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import (
    ConnectAmbiguousError,
    ConnectBadRequestError,
    ConnectNotFoundError,
)
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import (
    COLLECTION_VERSION,
    ConnectSettings,
)
from ansible_collections.secretops.onepassword.tests.unit.plugins.module_utils.client_samples import (
    F1, I1, I2, TOKEN, V1, V2, err, make_client,
)


def test_repr_hides_the_token():
    settings = ConnectSettings("http://127.0.0.1:8080", TOKEN)
    assert TOKEN not in repr(settings)
    client = ConnectClient(settings)
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client._session.auth)
    client.close()


# -- identity --------------------------------------------------------------
def test_user_agent_names_collection_python_and_ansible(fake_connect):
    fake_connect.route("GET", "/v1/vaults", body=[])
    client = make_client(fake_connect, user_agent="extra/1")
    client.list_vaults()
    agent = fake_connect.requests[0].headers["User-Agent"]
    from ansible.module_utils.ansible_release import __version__ as core

    assert agent == "secretops.onepassword/%s Python/%s ansible-core/%s extra/1" % (
        COLLECTION_VERSION, platform.python_version(), core)
    assert fake_connect.requests[0].headers["Authorization"] == "Bearer " + TOKEN


@pytest.mark.parametrize("call", [
    lambda c: c.get_vault("Prod"),
    lambda c: c.get_item(V1, "../../etc"),
    lambda c: c.list_items("x"),
    lambda c: c.get_file_content(V1, I1, "F1"),
])
def test_malformed_ids_are_refused_before_any_request(fake_connect, call):
    with pytest.raises(ConnectBadRequestError) as info:
        call(make_client(fake_connect))
    assert "is not a valid" in str(info.value)
    assert fake_connect.requests == []


# -- resolution -----------------------------------------------------------------
def _filter_of(recorded):
    match = re.search(r"filter=([^&]*)", recorded.path)
    return unquote(match.group(1)) if match else None


class TestResolution(object):
    def test_vault_by_name_uses_the_server_filter_and_is_cached(self, fake_connect):
        fake_connect.then(200, [{"id": V1, "name": "Prod"}])
        client = make_client(fake_connect)
        assert client.resolve_vault("Prod")["id"] == V1
        assert client.resolve_vault("Prod")["id"] == V1
        assert len(fake_connect.requests) == 1
        assert _filter_of(fake_connect.requests[0]) == 'name eq "Prod"'

    def test_vault_name_falls_back_to_case_insensitive_match(self, fake_connect):
        fake_connect.then(200, []).then(200, [{"id": V1, "name": "Prod"}, {"id": V2, "name": "Dev"}])
        assert make_client(fake_connect).resolve_vault("prod")["id"] == V1

    def test_vault_not_found_suggests_close_names(self, fake_connect):
        fake_connect.then(200, []).then(200, [{"id": V1, "name": "Production"}, {"id": V2, "name": "Dev"}])
        with pytest.raises(ConnectNotFoundError) as info:
            make_client(fake_connect).resolve_vault("Productoin")
        assert 'No vault named "Productoin"' in str(info.value)
        assert info.value.suggestions == ["Production"]

    def test_vault_name_matching_several_lists_them(self, fake_connect):
        fake_connect.then(200, [{"id": V1, "name": "Prod"}, {"id": V2, "name": "Prod"}])
        with pytest.raises(ConnectAmbiguousError) as info:
            make_client(fake_connect).resolve_vault("Prod")
        assert "Prod (%s)" % V1 in str(info.value) and "Prod (%s)" % V2 in str(info.value)

    def test_vault_by_id(self, fake_connect):
        fake_connect.route("GET", "/v1/vaults/%s" % V1, body={"id": V1, "name": "Prod"})
        assert make_client(fake_connect).resolve_vault(V1)["name"] == "Prod"
        assert fake_connect.requests[0].path == "/v1/vaults/%s" % V1

    def test_no_vault_visible(self, fake_connect):
        fake_connect.then(200, []).then(200, [])
        with pytest.raises(ConnectNotFoundError) as info:
            make_client(fake_connect).resolve_vault("Prod")
        assert "this token gives access to no vault" in str(info.value)

    def test_item_title_with_quotes_is_escaped_in_the_filter(self, fake_connect):
        title = 'DB "primary" \\ eu'
        fake_connect.then(200, [{"id": V1, "name": "Prod"}])
        fake_connect.then(200, [{"id": I1, "title": title, "vault": {"id": V1}}])
        fake_connect.route("GET", "/v1/vaults/%s/items/%s" % (V1, I1),
                           body={"id": I1, "title": title, "fields": [{"id": "password", "value": "s3"}]})
        item = make_client(fake_connect).find_item("Prod", title)
        assert item["fields"][0]["value"] == "s3"
        assert _filter_of(fake_connect.requests[1]) == 'title eq "DB \\"primary\\" \\\\ eu"'

    def test_item_falls_back_to_listing_when_the_filter_is_rejected(self, fake_connect):
        fake_connect.then(400, err(400, "invalid filter"))
        fake_connect.then(200, [{"id": I1, "title": "Web"}, {"id": I2, "title": "DB"}])
        item = make_client(fake_connect).resolve_item({"id": V1, "name": "Prod"}, "web")
        assert item["id"] == I1

    def test_item_ambiguous_names_vault_and_candidates(self, fake_connect):
        fake_connect.then(200, [{"id": I1, "title": "Web"}, {"id": I2, "title": "Web"}])
        with pytest.raises(ConnectAmbiguousError) as info:
            make_client(fake_connect).resolve_item({"id": V1, "name": "Prod"}, "Web")
        assert '2 items match "Web" in vault "Prod"' in str(info.value)
        assert info.value.candidates == ["Web (%s)" % I1, "Web (%s)" % I2]

    def test_item_not_found_names_the_vault(self, fake_connect):
        fake_connect.then(200, []).then(200, [{"id": I1, "title": "Website"}])
        with pytest.raises(ConnectNotFoundError) as info:
            make_client(fake_connect).resolve_item({"id": V1, "name": "Prod"}, "Webiste")
        assert 'No item named "Webiste" in vault "Prod"' in str(info.value)
        assert info.value.suggestions == ["Website"]

    def test_item_by_id_returns_the_full_item(self, fake_connect):
        fake_connect.route("GET", "/v1/vaults/%s/items/%s" % (V1, I1), body={"id": I1, "title": "Web", "fields": []})
        client = make_client(fake_connect)
        assert client.find_item({"id": V1, "name": "Prod"}, I1)["title"] == "Web"
        assert len(fake_connect.requests) == 1


# -- files and server ---------------------------------------------------------------
def test_file_content(fake_connect):
    item = "/v1/vaults/%s/items/%s" % (V1, I1)
    fake_connect.route("GET", item, body={"id": I1, "title": "Web", "files": [{"id": F1, "name": "cert.pem"}]})
    fake_connect.route("GET", item + "/files/" + F1 + "/content", body=b"\x00\xffabc")
    client = make_client(fake_connect)
    assert client.get_item(V1, I1)["files"][0]["name"] == "cert.pem"
    assert client.get_file_content(V1, I1, F1) == b"\x00\xffabc"
    assert fake_connect.requests[-1].headers["Accept"] == "*/*"
    assert fake_connect.requests[0].headers["Accept"] == "application/json"


def test_file_not_found_names_the_file_of_an_item_read_before(fake_connect):
    item = "/v1/vaults/%s/items/%s" % (V1, I1)
    fake_connect.route("GET", item, body={"id": I1, "title": "Web", "files": [{"id": F1, "name": "cert.pem"}]})
    fake_connect.route("GET", item + "/files/" + F1 + "/content", status=404, body=err(404, "file not found"))
    client = make_client(fake_connect)
    client.get_item(V1, I1)
    with pytest.raises(ConnectNotFoundError) as info:
        client.get_file_content(V1, I1, F1)
    assert 'download file "cert.pem" (%s)' % F1 in str(info.value)


def test_create_sends_json_and_accepts_200(fake_connect):
    fake_connect.route("POST", "/v1/vaults/%s/items" % V1, body={"id": I1, "title": "New"})
    created = make_client(fake_connect).create_item(V1, {"title": "New", "category": "LOGIN"})
    assert created["id"] == I1
    assert json.loads(fake_connect.requests[0].body) == {"title": "New", "category": "LOGIN"}
    assert fake_connect.requests[0].headers["Content-Type"] == "application/json"
