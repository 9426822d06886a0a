# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""SSH private keys (PKCS#8, PKCS#1, SEC1 or OpenSSH PEM) in the OpenSSH format.

The conversion uses the Python library cryptography, imported on first use.
Error messages never contain key material.
"""

from __future__ import annotations

import base64
import hashlib
import struct

from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ResolveError


def _ssh_string(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def _ssh_mpint(number):
    if number == 0:
        return _ssh_string(b"")
    raw = number.to_bytes((number.bit_length() + 8) // 8, "big")
    return _ssh_string(raw)


_CURVES = {"secp256r1": "nistp256", "secp384r1": "nistp384", "secp521r1": "nistp521"}


def _load_private_key(pem):
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise ResolveError("ssh-format=openssh needs the Python library 'cryptography' on the controller.")
    data = pem.strip().encode("utf-8") + b"\n"
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in data:
            return serialization.load_ssh_private_key(data, password=None)
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ValueError("the key is encrypted with a passphrase")
    except Exception:  # cryptography raises ValueError or UnsupportedAlgorithm
        raise ValueError("the value is not a PEM private key")


def _key_blobs(key):
    """(public blob, private fields) of a key in the SSH wire format."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw_priv = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                     serialization.NoEncryption())
        raw_pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        public = _ssh_string("ssh-ed25519") + _ssh_string(raw_pub)
        private = _ssh_string("ssh-ed25519") + _ssh_string(raw_pub) + _ssh_string(raw_priv + raw_pub)
        return public, private
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        pub = numbers.public_numbers
        public = _ssh_string("ssh-rsa") + _ssh_mpint(pub.e) + _ssh_mpint(pub.n)
        private = b"".join((_ssh_string("ssh-rsa"), _ssh_mpint(pub.n), _ssh_mpint(pub.e), _ssh_mpint(numbers.d),
                            _ssh_mpint(numbers.iqmp), _ssh_mpint(numbers.p), _ssh_mpint(numbers.q)))
        return public, private
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curve = _CURVES.get(key.curve.name)
        if curve is None:
            raise ValueError("the elliptic curve %s has no OpenSSH form" % key.curve.name)
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        kind = "ecdsa-sha2-" + curve
        public = _ssh_string(kind) + _ssh_string(curve) + _ssh_string(point)
        private = public + _ssh_mpint(key.private_numbers().private_value)
        return public, private
    raise ValueError("the key type %s has no OpenSSH form" % type(key).__name__)


def to_openssh(pem, comment=""):
    """The private key in OpenSSH format ("-----BEGIN OPENSSH PRIVATE KEY-----").

    The check integers are derived from the public key, so the same key always
    gives the same text (a template task stays unchanged between runs).
    Raises ValueError (message free of key material).
    """
    key = _load_private_key(pem)
    public, private = _key_blobs(key)
    check = hashlib.sha256(public).digest()[:4]
    body = check + check + private + _ssh_string(comment)
    pad = (-len(body)) % 8
    body += bytes(range(1, pad + 1))
    blob = b"".join((b"openssh-key-v1\x00", _ssh_string("none"), _ssh_string("none"), _ssh_string(b""),
                     struct.pack(">I", 1), _ssh_string(public), _ssh_string(body)))
    encoded = base64.b64encode(blob).decode("ascii")
    lines = [encoded[i:i + 70] for i in range(0, len(encoded), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"
