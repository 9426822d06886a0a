# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Typed errors raised by the shared Connect client and the pure helpers.

The client never imports Ansible's plugin or module machinery, so it raises
these; the lookup glue turns them into AnsibleError and the module glue into
fail_json. Messages name what was asked for and never contain the token or a
secret value.
"""

from __future__ import annotations


class ConnectError(Exception):
    """Base class of every error the collection's shared code raises."""

    def __init__(self, message, status=None):
        super(ConnectError, self).__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


class ConnectConfigError(ConnectError):
    """The settings are missing or invalid (no host, no token, bad retries...)."""


class ConnectDependencyError(ConnectError):
    """A Python library the client needs (requests) is not installed."""


class ConnectRequestError(ConnectError):
    """Connect answered with an error status; base of the per-status errors."""


class ConnectBadRequestError(ConnectRequestError):
    """400: Connect rejected the request as invalid."""


class ConnectAuthError(ConnectRequestError):
    """401: the token is missing, invalid, expired or for another server."""


class ConnectScopeError(ConnectRequestError):
    """403: the token does not grant access to the vault (or not write access)."""


class ConnectNotFoundError(ConnectRequestError):
    """404, or a name that matched nothing. ``suggestions`` lists close names."""

    def __init__(self, message, status=404, suggestions=None):
        super(ConnectNotFoundError, self).__init__(message, status)
        self.suggestions = list(suggestions or [])


class ConnectConflictError(ConnectRequestError):
    """409: the item changed concurrently."""


class ConnectTooLargeError(ConnectRequestError):
    """413: a file too large to inline."""


class ConnectRateLimitError(ConnectRequestError):
    """429: Connect asked the client to slow down, and retries ran out."""


class ConnectServerError(ConnectRequestError):
    """5xx from Connect (or a proxy in front of it), after retries."""


class ConnectProtocolError(ConnectError):
    """The answer was not what Connect sends (HTML from a proxy, truncated JSON...)."""


class ConnectConnectionError(ConnectError):
    """The host could not be reached (refused, DNS, reset), after retries."""


class ConnectTLSError(ConnectConnectionError):
    """The TLS handshake failed (untrusted CA, hostname mismatch, expired...)."""


class ConnectTimeoutError(ConnectConnectionError):
    """No answer within the configured timeout, after retries."""


class ConnectAmbiguousError(ConnectError):
    """A name matched several objects. ``candidates`` lists them."""

    def __init__(self, message, candidates=None):
        super(ConnectAmbiguousError, self).__init__(message)
        self.candidates = list(candidates or [])


class ReferenceSyntaxError(ConnectError):
    """An ``op://`` secret reference is malformed."""


class ItemSpecError(ConnectError):
    """A task's description of an item is invalid (checked before any write)."""


class ResolveError(ConnectError):
    """A reference found its target but the attribute asked for cannot be produced."""


# Status code -> error class, used when Connect answers with an error body.
STATUS_ERRORS = {
    400: ConnectBadRequestError,
    401: ConnectAuthError,
    403: ConnectScopeError,
    404: ConnectNotFoundError,
    409: ConnectConflictError,
    413: ConnectTooLargeError,
    429: ConnectRateLimitError,
}


def error_for_status(status, message):
    """Return the typed error for an HTTP error status and message."""
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        cls = ConnectServerError if status >= 500 else ConnectRequestError
    if cls is ConnectNotFoundError:
        return ConnectNotFoundError(message, status=status)
    return cls(message, status=status)
