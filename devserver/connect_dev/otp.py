"""RFC 6238 TOTP codes from otpauth:// URIs (or bare base32 secrets)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
import urllib.parse

_ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


class OtpError(ValueError):
    pass


def parse(value: str) -> dict:
    """Return {secret(bytes), digits, period, algorithm}; raise OtpError when unusable."""
    if not isinstance(value, str) or not value.strip():
        raise OtpError("an OTP field needs an otpauth:// URI or a base32 secret")
    text = value.strip()
    params = {}
    if text.lower().startswith("otpauth://"):
        try:
            parts = urllib.parse.urlsplit(text)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise OtpError("the otpauth:// URI is malformed") from None
        if parts.netloc.lower() != "totp":
            raise OtpError("only otpauth://totp/ URIs are supported")
        params = {k.lower(): v for k, v in urllib.parse.parse_qsl(parts.query)}
        secret_text = params.get("secret", "")
        if not secret_text:
            raise OtpError("the otpauth:// URI has no secret parameter")
    else:
        secret_text = text
    cleaned = secret_text.replace(" ", "").replace("-", "").upper()
    try:
        secret = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise OtpError("the OTP secret is not valid base32") from None
    if not secret:
        raise OtpError("the OTP secret is empty")
    try:
        digits = int(params.get("digits", 6))
        period = int(params.get("period", 30))
    except ValueError:
        raise OtpError("the otpauth:// digits and period parameters must be integers") from None
    if not 6 <= digits <= 10 or period <= 0:
        raise OtpError("the otpauth:// digits must be 6..10 and period positive")
    algorithm = params.get("algorithm", "SHA1").upper()
    if algorithm not in _ALGORITHMS:
        raise OtpError("unsupported otpauth:// algorithm %s" % algorithm)
    return {"secret": secret, "digits": digits, "period": period, "algorithm": algorithm}


def hotp(secret: bytes, counter: int, digits: int = 6, algorithm: str = "SHA1") -> str:
    digest = hmac.new(secret, struct.pack(">Q", counter), _ALGORITHMS[algorithm]).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % (10 ** digits)).zfill(digits)


def totp(value: str, at: float | None = None) -> str:
    info = parse(value)
    now = time.time() if at is None else at
    return hotp(info["secret"], int(now // info["period"]), info["digits"], info["algorithm"])
