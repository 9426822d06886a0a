# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""RFC 6238 time-based one-time passwords from an otpauth:// URI or a bare base32 secret.

Nothing here performs I/O; error messages never contain the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from urllib.parse import parse_qs, unquote, urlsplit

_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def _b32decode(secret):
    cleaned = "".join(secret.split()).replace("-", "").upper().rstrip("=")
    if not cleaned:
        raise ValueError("empty secret")
    cleaned += "=" * (-len(cleaned) % 8)
    return base64.b32decode(cleaned)


def parse_otp(uri_or_secret):
    """(key bytes, digest name, digits, period) from an otpauth:// URI or a bare base32 secret.

    Raises ValueError with a message free of the secret.
    """
    text = (uri_or_secret or "").strip()
    digest, digits, period = "SHA1", 6, 30
    if text.lower().startswith("otpauth://"):
        parts = urlsplit(text)
        kind = (parts.netloc or "").lower()
        if kind != "totp":
            raise ValueError("it is an otpauth://%s URI; only time-based (totp) codes are supported" % kind)
        query = parse_qs(parts.query)
        secret = unquote((query.get("secret") or [""])[0])
        if not secret:
            raise ValueError("the otpauth:// URI has no secret")
        digest = (query.get("algorithm") or ["SHA1"])[0].upper().replace("-", "")
        if digest not in _DIGESTS:
            raise ValueError('unsupported algorithm "%s" (SHA1, SHA256 or SHA512)' % digest)
        try:
            digits = int((query.get("digits") or ["6"])[0])
            period = int((query.get("period") or ["30"])[0])
        except ValueError:
            raise ValueError("digits and period must be integers")
        if not 1 <= digits <= 10:
            raise ValueError("digits must be between 1 and 10")
        if period < 1:
            raise ValueError("period must be a positive number of seconds")
    else:
        secret = text
    try:
        key = _b32decode(secret)
    except (ValueError, TypeError):
        raise ValueError("the secret is not valid base32")
    return key, digest, digits, period


def totp_code(uri_or_secret, now=None):
    """The RFC 6238 code valid at now (unix seconds, default the current time)."""
    key, digest, digits, period = parse_otp(uri_or_secret)
    counter = int((time.time() if now is None else now) // period)
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % (10 ** digits)).zfill(digits)
