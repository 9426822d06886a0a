# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""The words of a failure: short, bounded reasons read from requests/urllib3
exceptions and from what a server sent instead of Connect's JSON.

Every function here is linear in a bounded text, so no answer can make an
error message slow to build.
"""

from __future__ import annotations

import http.client
import re


def _describe_failure(entry):
    """Human words for one RequestHistory entry."""
    if entry is None:
        return "failed"
    if entry.status:
        return "got HTTP %s" % entry.status
    error = entry.error
    text = _short_reason(error)
    return "failed (%s)" % text if text else "failed"


def _is_timeout(error):
    """True when the innermost cause of a requests/urllib3 error is a timeout."""
    from urllib3 import exceptions as urllib3_exceptions

    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3_exceptions.NewConnectionError):
            return False
        if isinstance(current, (urllib3_exceptions.ReadTimeoutError, urllib3_exceptions.ConnectTimeoutError, TimeoutError)):
            return True
        inner = getattr(current, "reason", None)
        if inner is None and current.args and isinstance(current.args[0], BaseException):
            inner = current.args[0]
        current = inner if isinstance(inner, BaseException) else None
    return False


#: Exception texts hold what the server sent (a status line, a page): only this
#: many characters are ever examined, so no answer can make the parsing slow.
_REASON_MAX = 400
#: urllib3 prefixes reasons with the connection's repr; every pattern below is
#: anchored on a literal and has no nested or adjacent unbounded repeats, so
#: each runs in time linear in the (bounded) text.
_OBJECT_REPR = re.compile(r"<[\w.]*(?:Connection|Pool)\w* object at 0x[0-9a-fA-F]+>:?")
_POOL_PREFIX = re.compile(r"HTTPS?Connection(?:Pool)?\(host='[^']*', port=\d+\):")
_MAX_RETRIES = re.compile(r"Max retries exceeded with url: \S+ \(Caused by ")
_SSL_LOCATION = re.compile(r"\(_ssl\.c:\d+\)")


def _innermost(error):
    """The innermost cause of a requests/urllib3 exception (its reason, or an exception among its args)."""
    seen = set([id(error)])
    current = error
    while True:
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            # ProtocolError('Connection aborted.', RemoteDisconnected(...)) keeps the cause second
            inner = next((arg for arg in current.args[:3] if isinstance(arg, BaseException)), None)
        if inner is None or id(inner) in seen:
            return current
        seen.add(id(inner))
        current = inner


def _excerpt(text, limit=24):
    """The start of server-sent text, printable and short."""
    shown = ascii(text[:limit])[1:-1]
    return shown + ("..." if len(text) > limit else "")


def _short_reason(error):
    """The innermost useful words of a requests/urllib3 exception."""
    if error is None:
        return ""
    current = _innermost(error)
    if isinstance(current, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(current, http.client.BadStatusLine):
        line = current.args[0] if current.args and isinstance(current.args[0], str) else ""
        return "the server's answer is not HTTP (it starts with \"%s\")" % _excerpt(line[:_REASON_MAX])
    text = str(current)[:_REASON_MAX]
    text = _OBJECT_REPR.sub("", text)
    text = _POOL_PREFIX.sub("", text)
    text = _MAX_RETRIES.sub("", text)
    text = " ".join(_SSL_LOCATION.sub("", text).split())
    excess = text.count(")") - text.count("(")
    while excess > 0 and text.endswith(")"):
        text = text[:-1].rstrip()
        excess -= 1
    text = text.rstrip(".")
    if "[Errno 111]" in text or "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Temporary failure in name resolution" in text:
        return "the host name does not resolve"
    return text or type(current).__name__


_ASCII_LOWER = dict((code, code + 32) for code in range(ord("A"), ord("Z") + 1))


def _html_title(text):
    """The <title> of an HTML page, short and on one line ('' when none); linear in the text."""
    lowered = text.translate(_ASCII_LOWER)  # str.lower() may change the length, and so the positions
    start = lowered.find("<title")
    if start < 0:
        return ""
    start = lowered.find(">", start)
    end = lowered.find("</title>", start)
    if start < 0 or end < 0:
        return ""
    return " ".join(text[start + 1:end].split())[:80]


def _fmt_seconds(value):
    return ("%d" % value) if float(value).is_integer() else ("%g" % value)
