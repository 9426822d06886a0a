"""ES256 JWT access tokens with per-vault read/write scopes."""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .util import ApiError, new_id

AUDIENCE = "com.1password.connect"
ISSUER = "com.1password.b5"
VTS_CLAIM = "1password.com/vts"
# Access bits in the vts claim ("a"): read and write.
ACL_READ = 1
ACL_WRITE = 2


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def acl_bits(mode: str) -> int:
    bits = 0
    if "r" in mode:
        bits |= ACL_READ
    if "w" in mode:
        bits |= ACL_WRITE
    return bits


def issue(creds, vault_acls: dict, expires_in: int | None = None, name: str = "connect-dev") -> str:
    """vault_acls: {vault_id: "r"|"w"|"rw"}."""
    now = int(time.time())
    claims = {
        "aud": [AUDIENCE],
        "iss": ISSUER,
        "sub": creds.device_uuid,
        "jti": new_id(),
        "iat": now,
        "name": name,
        VTS_CLAIM: [{"u": vid, "a": acl_bits(mode)} for vid, mode in vault_acls.items()],
    }
    if expires_in is not None:
        claims["exp"] = now + int(expires_in)
    header = {"alg": "ES256", "kid": creds.key_id, "typ": "JWT"}
    signing_input = _b64u(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64u(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    der = creds.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + _b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Token:
    def __init__(self, claims: dict):
        self.claims = claims
        self.jti = str(claims.get("jti", ""))
        self.sub = str(claims.get("sub", ""))
        # A stable UUID for the token's subject, shown as actor.id in activity records.
        self.actor_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "connect-dev:" + self.sub))
        self.acls = {}
        for entry in claims.get(VTS_CLAIM) or []:
            if isinstance(entry, dict) and isinstance(entry.get("u"), str) and isinstance(entry.get("a"), int):
                self.acls[entry["u"]] = self.acls.get(entry["u"], 0) | entry["a"]

    def can_read(self, vault_id: str) -> bool:
        return bool(self.acls.get(vault_id, 0) & ACL_READ)

    def can_write(self, vault_id: str) -> bool:
        return bool(self.acls.get(vault_id, 0) & ACL_WRITE)

    def in_scope(self, vault_id: str) -> bool:
        return bool(self.acls.get(vault_id, 0))


def verify(creds, authorization: str | None, now: float | None = None) -> Token:
    """Check an Authorization header value; raise ApiError(401) when unusable."""
    if not authorization:
        raise ApiError(401, "Invalid bearer token: the Authorization header is missing")
    scheme, dummy, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Invalid bearer token: expected 'Authorization: Bearer <token>'")
    parts = token.split(".")
    if len(parts) != 3:
        raise ApiError(401, "Invalid bearer token: not a JWT")
    try:
        header_raw = _b64u_decode(parts[0])
        claims_raw = _b64u_decode(parts[1])
        signature = _b64u_decode(parts[2])
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise ApiError(401, "Invalid bearer token: not a JWT") from None
    # The signature is checked before the header and claims are parsed, so
    # unauthenticated JSON is never decoded. Only ES256 tokens are issued.
    if len(signature) != 64:
        raise ApiError(401, "Invalid token signature")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        creds.public_key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ApiError(401, "Invalid token signature") from None
    try:
        header = json.loads(header_raw)
        claims = json.loads(claims_raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise ApiError(401, "Invalid bearer token: not a JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ApiError(401, "Invalid bearer token: not a JWT")
    if header.get("alg") != "ES256":
        raise ApiError(401, "Invalid token signature")
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if AUDIENCE not in auds:
        raise ApiError(401, "Invalid bearer token: wrong audience")
    exp = claims.get("exp")
    if exp is not None:
        if not isinstance(exp, (int, float)):
            raise ApiError(401, "Invalid bearer token: malformed exp claim")
        if (time.time() if now is None else now) >= exp:
            raise ApiError(401, "Invalid bearer token: token has expired")
    return Token(claims)
