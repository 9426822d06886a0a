# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the client's unit tests share: a token, ids, fast retries, a client on the fake server."""

from __future__ import annotations

from ansible_collections.secretops.onepassword.plugins.module_utils._client import ConnectClient
from ansible_collections.secretops.onepassword.plugins.module_utils._settings import ConnectSettings

TOKEN = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2VuLWJvZHk.c2lnbmF0dXJl"
V1 = "v" * 25 + "1"
V2 = "v" * 25 + "2"
I1 = "i" * 25 + "1"
I2 = "i" * 25 + "2"
F1 = "f" * 25 + "1"
FAST = {"total": 2, "backoff_factor": 0.01, "backoff_max": 0.05}


def make_client(server, retries=0, warnings=None, **kwargs):
    settings = ConnectSettings(server.url, TOKEN, retries=retries, **kwargs)
    return ConnectClient(settings, warn=(warnings.append if warnings is not None else None))


def err(status, message):
    return {"status": status, "message": message}
