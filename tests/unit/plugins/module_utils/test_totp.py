# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the RFC 6238 one-time password codes."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils import _totp as totp

OTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # RFC 6238 SHA1 test key "12345678901234567890"


@pytest.mark.parametrize("algorithm, secret, when, code", [
    ("SHA1", b"12345678901234567890", 59, "94287082"),
    ("SHA256", b"12345678901234567890123456789012", 59, "46119246"),
    ("SHA512", b"1234567890123456789012345678901234567890123456789012345678901234", 59, "90693936"),
    ("SHA1", b"12345678901234567890", 1111111109, "07081804"),
    ("SHA256", b"12345678901234567890123456789012", 1234567890, "91819424"),
    ("SHA512", b"1234567890123456789012345678901234567890123456789012345678901234", 2000000000, "38618901"),
    ("SHA1", b"12345678901234567890", 20000000000, "65353130"),
])
def test_totp_rfc6238_vectors(algorithm, secret, when, code):
    uri = "otpauth://totp/x?secret=%s&algorithm=%s&digits=8" % (base64.b32encode(secret).decode().rstrip("="),
                                                                algorithm)
    assert totp.totp_code(uri, now=when) == code


def test_totp_defaults_and_bare_secret():
    assert totp.totp_code("otpauth://totp/x?secret=" + OTP_SECRET, now=59) == "287082"
    assert totp.totp_code(OTP_SECRET.lower(), now=59) == "287082"
    assert totp.totp_code("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", now=59) == "287082"
    assert totp.totp_code("otpauth://totp/x?secret=%s&period=60" % OTP_SECRET, now=59) != "287082"
