# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The words of a failure: bounded and quick whatever the server sent."""

from __future__ import annotations

import time

from ansible_collections.secretops.onepassword.plugins.module_utils import _reasons


# -- reasons: what the server sent is bounded before any parsing ------------------------------
def _wrapped(inner):
    import requests
    from urllib3.exceptions import MaxRetryError, ProtocolError

    return requests.exceptions.ConnectionError(MaxRetryError(None, "/v1/vaults", ProtocolError("Connection aborted.", inner)))


def test_a_long_garbage_status_line_is_reported_quickly_and_briefly():
    import http.client

    started = time.monotonic()
    reason = _reasons._short_reason(_wrapped(http.client.BadStatusLine("<Pool" * 12000 + "\r\n")))
    assert time.monotonic() - started < 0.5
    assert reason.startswith("the server's answer is not HTTP") and len(reason) < 100


def test_unbounded_text_in_any_reason_is_cut_before_parsing():
    started = time.monotonic()
    reason = _reasons._short_reason(_wrapped(ValueError("<Pool" * 12000 + " " * 5000 + "(_ssl.c:1)")))
    assert time.monotonic() - started < 0.5 and len(reason) <= _reasons._REASON_MAX


def test_a_closed_connection_is_said_in_words():
    import http.client

    reason = _reasons._short_reason(_wrapped(http.client.RemoteDisconnected("Remote end closed connection without response")))
    assert reason == "the server closed the connection without answering"


def test_an_html_title_is_found_in_linear_time():
    started = time.monotonic()
    assert _reasons._html_title("<title" * 800) == ""
    assert time.monotonic() - started < 0.5
    assert _reasons._html_title("<html><TITLE lang=en>502\n  Bad Gateway</TITLE>") == "502 Bad Gateway"
    assert _reasons._html_title("<p>\u0130\u0130</p><title>Sign in</title>") == "Sign in"
