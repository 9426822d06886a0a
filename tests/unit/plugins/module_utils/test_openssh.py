# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the ssh-format=openssh conversion."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.secretops.onepassword.plugins.module_utils import _openssh as openssh
from ansible_collections.secretops.onepassword.plugins.module_utils import _resolve as resolve
from ansible_collections.secretops.onepassword.plugins.module_utils._errors import ResolveError

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402

KEYS = {
    "ed25519": ed25519.Ed25519PrivateKey.generate,
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "p521": lambda: ec.generate_private_key(ec.SECP521R1()),
}


def pem(key, fmt=serialization.PrivateFormat.PKCS8):
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def public_openssh(key):
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_pkcs8_to_openssh_loads_back_to_the_same_key(kind):
    key = KEYS[kind]()
    text = openssh.to_openssh(pem(key))
    assert text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert text.endswith("-----END OPENSSH PRIVATE KEY-----\n")
    assert all(len(line) <= 70 for line in text.splitlines())
    loaded = serialization.load_ssh_private_key(text.encode(), password=None)
    assert public_openssh(loaded) == public_openssh(key)


def test_conversion_is_deterministic_and_idempotent():
    key = KEYS["ed25519"]()
    first = openssh.to_openssh(pem(key))
    assert openssh.to_openssh(pem(key)) == first
    assert openssh.to_openssh(first) == first  # already OpenSSH: same text


def test_traditional_rsa_pem_is_accepted():
    key = KEYS["rsa"]()
    text = openssh.to_openssh(pem(key, serialization.PrivateFormat.TraditionalOpenSSL))
    assert public_openssh(serialization.load_ssh_private_key(text.encode(), None)) == public_openssh(key)


@pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="ssh-keygen not installed")
def test_ssh_keygen_reads_the_result(tmp_path):
    key = KEYS["ed25519"]()
    path = tmp_path / "id"
    path.write_text(openssh.to_openssh(pem(key)))
    path.chmod(0o600)
    out = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True, check=True).stdout
    assert out.split()[:2] == public_openssh(key).decode().split()[:2]


def test_field_attribute_with_ssh_format_and_errors_without_key_material():
    key = KEYS["ed25519"]()
    field = {"id": "private_key", "type": "SSHKEY", "label": "private key", "value": pem(key)}
    assert resolve.field_attribute(field, "value", ssh_format="openssh").startswith("-----BEGIN OPENSSH")
    bad = {"id": "x", "type": "CONCEALED", "label": "note", "value": "not-a-key-SECRETVALUE"}
    with pytest.raises(ResolveError) as info:
        resolve.field_attribute(bad, "value", ssh_format="openssh")
    assert "SECRETVALUE" not in str(info.value) and 'field "note"' in str(info.value)
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"pass")).decode()
    with pytest.raises(ResolveError, match="passphrase"):
        resolve.field_attribute(dict(field, value=encrypted), "value", ssh_format="openssh")
    with pytest.raises(ResolveError, match="empty"):
        resolve.field_attribute(dict(field, value=""), "value", ssh_format="openssh")


def test_file_content_with_ssh_format():
    key = KEYS["p256"]()
    text = resolve.file_content({"name": "id_ecdsa"}, pem(key).encode(), ssh_format="openssh")
    assert public_openssh(serialization.load_ssh_private_key(text.encode(), None)) == public_openssh(key)
