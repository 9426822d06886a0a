"""The server's credentials file: its identity and its token-signing key.

The file mimics the shape of a real ``1password-credentials.json`` (top-level
keys verifier, encCredentials, version, deviceUuid, uniqueKey).  Here
``uniqueKey`` holds the P-256 private key (as a JWK) that signs and verifies
the server's tokens, so a token only works against the server whose
credentials issued it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets

from cryptography.hazmat.primitives.asymmetric import ec

from .util import new_id

CREDENTIALS_NAME = "1password-credentials.json"


class CredentialsError(Exception):
    """The credentials are missing or unusable (message is safe to print)."""


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Credentials:
    def __init__(self, doc: dict, source: str):
        self.source = source
        try:
            key = doc["uniqueKey"]
            if key.get("kty") != "EC" or key.get("crv") != "P-256":
                raise CredentialsError("%s: uniqueKey is not a P-256 key" % source)
            d = int.from_bytes(_b64u_decode(key["d"]), "big")
            self.private_key = ec.derive_private_key(d, ec.SECP256R1())
            self.device_uuid = str(doc["deviceUuid"])
            self.account = str(doc.get("connectDev", {}).get("account", self.device_uuid))
            self.key_id = str(key.get("kid") or self.device_uuid)
        except CredentialsError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
            raise CredentialsError(
                "%s is not a valid connect-dev credentials file (%s)" % (source, type(exc).__name__)
            ) from None
        self.public_key = self.private_key.public_key()


def generate_document() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.private_numbers()
    pub = numbers.public_numbers
    device = new_id()
    kid = new_id()
    return {
        "verifier": {"salt": _b64u(secrets.token_bytes(16)), "localHash": _b64u(secrets.token_bytes(32))},
        "encCredentials": {
            "kid": kid,
            "enc": "A256GCM",
            "cty": "b5+jwk+json",
            "iv": _b64u(secrets.token_bytes(12)),
            "data": _b64u(secrets.token_bytes(64)),
        },
        "version": "2",
        "deviceUuid": device,
        "uniqueKey": {
            "alg": "ES256",
            "kid": kid,
            "kty": "EC",
            "crv": "P-256",
            "x": _b64u(pub.x.to_bytes(32, "big")),
            "y": _b64u(pub.y.to_bytes(32, "big")),
            "d": _b64u(numbers.private_value.to_bytes(32, "big")),
        },
        "connectDev": {"account": new_id().upper()},
    }


def write_new(path: str) -> None:
    doc = generate_document()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # A new temporary file (never an existing one, never through a symlink),
    # private from the start, then renamed over the credentials path.
    tmp = "%s.%s.tmp" % (path, secrets.token_hex(8))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(doc, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_file(path: str) -> Credentials:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise CredentialsError("credentials file %s not found" % path) from None
    except OSError as exc:
        raise CredentialsError("credentials file %s is not readable: %s" % (path, exc.strerror)) from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise CredentialsError("credentials file %s is not valid JSON" % path) from None
    if not isinstance(doc, dict):
        raise CredentialsError("credentials file %s is not a JSON object" % path)
    return Credentials(doc, path)


def load_session(value: str) -> Credentials:
    """OP_SESSION: a path to the credentials file, or the file's base64 content."""
    if os.path.exists(value) or value.startswith(("/", ".")):
        return load_file(value)
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), validate=False)
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise CredentialsError(
            "OP_SESSION is neither an existing file nor base64-encoded credentials"
        ) from None
    if not isinstance(doc, dict):
        raise CredentialsError("OP_SESSION does not hold a credentials JSON object")
    return Credentials(doc, "OP_SESSION")


def default_paths(data_dir: str) -> list:
    """Where serve looks for credentials when none is given: the data dir, then
    its parent (the container layout: ~/.op/1password-credentials.json beside ~/.op/data)."""
    return [
        os.path.join(data_dir, CREDENTIALS_NAME),
        os.path.join(os.path.dirname(os.path.abspath(data_dir)), CREDENTIALS_NAME),
    ]


def locate(data_dir: str, explicit: str | None = None, environ=None) -> Credentials:
    environ = os.environ if environ is None else environ
    if explicit:
        return load_file(explicit)
    session = environ.get("OP_SESSION")
    if session:
        return load_session(session)
    candidates = default_paths(data_dir)
    for candidate in candidates:
        if os.path.exists(candidate):
            return load_file(candidate)
    raise CredentialsError(
        "no credentials file: looked for %s; create one with 'connect-dev init --data %s' "
        "or point OP_SESSION at one" % (" and ".join(candidates), data_dir)
    )
