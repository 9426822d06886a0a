# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ItemSource against a scripted local HTTP server: the requests a lookup really sends."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import ConnectSettings
from ansible_collections.secretops.onepassword.plugins.plugin_utils import _fetch

TOKEN = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2VuLWJvZHk.c2lnbmF0dXJl"
V1 = "v" * 25 + "1"
I1 = "i" * 25 + "1"
#: A title that has the shape of an id (26 lowercase letters and digits).
ID_LIKE_TITLE = "backupkey2026releasesigner"


def _source(server):
    settings = ConnectSettings(server.url, TOKEN, retries=0)
    return _fetch.ItemSource(lambda: ConnectClient(settings), "ns")


def test_a_title_that_looks_like_an_id_is_asked_for_by_id_once(fake_connect):
    by_id = "/v1/vaults/%s/items/%s" % (V1, ID_LIKE_TITLE)  # not routed: Connect answers 404
    fake_connect.route("GET", "/v1/vaults/%s/items?filter=%s" % (V1, quote('title eq "%s"' % ID_LIKE_TITLE, safe="")),
                       body=[{"id": I1, "title": ID_LIKE_TITLE, "vault": {"id": V1}}])
    fake_connect.route("GET", "/v1/vaults/%s/items/%s" % (V1, I1),
                       body={"id": I1, "title": ID_LIKE_TITLE, "vault": {"id": V1}, "fields": []})
    source = _source(fake_connect)
    try:
        item = source.item({"id": V1, "name": "Prod"}, ID_LIKE_TITLE)
    finally:
        source.close()
    assert item["id"] == I1
    assert [r.path for r in fake_connect.requests].count(by_id) == 1
    assert len(fake_connect.requests) == 3  # the 404 by id, the title filter, the full item


def test_an_id_is_read_once_and_not_searched_as_a_title(fake_connect):
    fake_connect.route("GET", "/v1/vaults/%s/items/%s" % (V1, I1),
                       body={"id": I1, "title": "db", "vault": {"id": V1}, "fields": []})
    source = _source(fake_connect)
    try:
        assert source.item({"id": V1, "name": "Prod"}, I1)["title"] == "db"
    finally:
        source.close()
    assert [r.path for r in fake_connect.requests] == ["/v1/vaults/%s/items/%s" % (V1, I1)]
