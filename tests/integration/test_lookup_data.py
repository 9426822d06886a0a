# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Data of the lookup integration tests (seeded through connect-dev, not through the lookups),
helpers shared with the benchmark, and a check of the seed itself."""

from __future__ import annotations

import json
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, "playbooks", "lookup")
OTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # RFC 6238 test key
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"
BLOB = bytes([0, 1, 2, 255, 254, 10])


def _field(label, value, ftype="STRING", purpose=None, section=None, fid=None):
    field = {"label": label, "value": value, "type": ftype}
    if purpose:
        field["purpose"] = purpose
    if section:
        field["section"] = {"id": section}
    if fid:
        field["id"] = fid
    return field


def _ssh_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)

    def check(openssh_text):
        loaded = serialization.load_ssh_private_key(openssh_text.encode(), password=None)
        return loaded.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH) == public
    return pem, check


def seed_document(ssh_pem):
    login = "LOGIN"
    return {"vaults": [
        {"name": "lookup-prod", "description": "lookup tests", "items": [
            {"title": "db", "category": "DATABASE",
             "sections": [{"id": "primary", "label": "primary"}, {"id": "replica", "label": "replica"}],
             "fields": [
                 _field("username", "admin", purpose="USERNAME", fid="username"),
                 _field("password", "pw-db", "CONCEALED", purpose="PASSWORD", fid="password"),
                 _field("host", "db1.example.com", section="primary"),
                 _field("host", "db2.example.com", section="replica"),
                 _field("Port", "5432", section="primary"),
                 _field("port", "5433", section="replica"),
             ]},
            {"title": "web", "category": "SERVER",
             "sections": [{"id": "tls", "label": "tls"}],
             "fields": [_field("password", "pw-web", "CONCEALED", purpose="PASSWORD", fid="password")],
             "files": [{"name": "ca.pem", "content": CA_PEM},
                       {"name": "blob.bin", "content_base64": __import__("base64").b64encode(BLOB).decode()},
                       {"name": "key.pem", "content": "KEY IN SECTION\n", "section": {"id": "tls"}}]},
            {"title": "vpn", "category": login, "fields": [
                _field("username", "vpnuser", purpose="USERNAME", fid="username"),
                _field("one-time password", "otpauth://totp/vpn:me?secret=%s&issuer=vpn" % OTP_SECRET, "OTP")]},
            {"title": "deploy key", "category": "SSH_KEY", "fields": [
                _field("private key", ssh_pem, "SSHKEY")]},
            {"title": "trap", "category": "PASSWORD", "fields": [
                _field("password", "{{ 7 * 6 }}", "CONCEALED", purpose="PASSWORD", fid="password")]},
            {"title": "alpha", "category": "PASSWORD", "fields": [
                _field("password", "pw-alpha-lower", "CONCEALED", purpose="PASSWORD", fid="password")]},
            {"title": "Alpha", "category": "PASSWORD", "fields": [
                _field("password", "pw-alpha-upper", "CONCEALED", purpose="PASSWORD", fid="password")]},
            {"title": "twin", "category": "PASSWORD", "fields": [
                _field("password", "pw-twin-1", "CONCEALED", purpose="PASSWORD", fid="password")]},
            {"title": "rotating", "category": "PASSWORD", "fields": [
                _field("password", "rot-1", "CONCEALED", purpose="PASSWORD", fid="password")]},
            {"title": "external", "category": "PASSWORD", "fields": [
                _field("password", "ext-1", "CONCEALED", purpose="PASSWORD", fid="password")]},
        ]},
        {"name": "lookup-dev", "items": [
            {"title": "db", "category": "DATABASE", "fields": [
                _field("password", "pw-dev", "CONCEALED", purpose="PASSWORD", fid="password")]},
        ]},
    ]}


def _get(devserver, path, token):
    status, dummy, body = devserver.api("GET", path, token=token)
    assert status == 200, (path, status, body)
    return body


def seed_lookup_data(devserver, directory):
    """Seed the lookup vaults (plus a second "twin" created through the API); return ids and material."""
    ssh_pem, ssh_check = _ssh_key()
    seed = os.path.join(str(directory), "seed.yml")
    with open(seed, "w") as handle:
        json.dump(seed_document(ssh_pem), handle)
    devserver.seed(seed)
    token = devserver.default_token()
    vaults = dict((v["name"], v["id"]) for v in _get(devserver, "/v1/vaults", token))
    prod = vaults["lookup-prod"]
    items = _get(devserver, "/v1/vaults/%s/items" % prod, token)
    if sum(1 for i in items if i["title"] == "twin") < 2:
        status, dummy, body = devserver.api("POST", "/v1/vaults/%s/items" % prod, token=token, json={
            "title": "twin", "category": "PASSWORD", "vault": {"id": prod},
            "fields": [_field("password", "pw-twin-2", "CONCEALED", purpose="PASSWORD")]})
        assert status == 200, body
        items = _get(devserver, "/v1/vaults/%s/items" % prod, token)
    by_title = dict((i["title"], i["id"]) for i in items)
    db = _get(devserver, "/v1/vaults/%s/items/%s" % (prod, by_title["db"]), token)
    web = _get(devserver, "/v1/vaults/%s/items/%s" % (prod, by_title["web"]), token)
    replica_host = next(f["id"] for f in db["fields"]
                        if f.get("label") == "host" and (f.get("section") or {}).get("id") == "replica")
    return {
        "token": token,
        "ids": {
            "vault": prod,
            "db": by_title["db"],
            "host_replica": replica_host,
            "blob": next(f["id"] for f in web["files"] if f["name"] == "blob.bin"),
            "external": by_title["external"],
        },
        "ssh_pem": ssh_pem,
        "ssh_check": ssh_check,
        "ca_pem": CA_PEM,
        "blob": BLOB,
    }


def broker_pids(collections_root=None):
    """Pids of the lookup cache brokers running on this machine (read from /proc).

    With collections_root, only those started from that collection tree (the runs of this test session).
    """
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 3 and argv[2].endswith(b"plugin_utils/_cache.py") and argv[3] == b"serve":
            if collections_root is None or argv[2].startswith(os.fsencode(str(collections_root))):
                pids.add(int(entry))
    return pids


def wait_until(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_seed_is_consistent(devserver, tmp_path):
    data = seed_lookup_data(devserver, tmp_path)
    # Seeding twice (another test module may do it) keeps exactly two items titled "twin".
    again = seed_lookup_data(devserver, tmp_path)
    for key in ("vault", "db", "external"):  # items keep their ids (fields and files get new ones)
        assert again["ids"][key] == data["ids"][key]
    items = _get(devserver, "/v1/vaults/%s/items" % data["ids"]["vault"], devserver.default_token())
    assert sum(1 for i in items if i["title"] == "twin") == 2
