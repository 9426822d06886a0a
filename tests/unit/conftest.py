# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the checkout importable as ansible_collections.secretops.onepassword.

A tree build/collections/ansible_collections/secretops/onepassword -> checkout
(the same link `make test-unit` creates) is put first on sys.path. When the
tests already run from inside an ansible_collections tree (ansible-test
units), that tree is used as it is.

Fixture ``fake_connect``: a scriptable local HTTP server standing in for
Connect (used by the client's tests).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    parts = REPO.split(os.sep)
    if len(parts) >= 4 and parts[-4] == "ansible_collections":
        return os.sep.join(parts[:-4]) or os.sep
    root = os.path.join(REPO, "build", "collections")
    link = os.path.join(root, "ansible_collections", "secretops", "onepassword")
    if os.path.realpath(link) != os.path.realpath(REPO):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        temporary = "%s.%d" % (link, os.getpid())
        os.symlink(REPO, temporary)
        os.replace(temporary, link)
    return root


_ROOT = _collections_root()
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


class Recorded(object):
    def __init__(self, method, path, headers, body, client_port):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.client_port = client_port


class FakeConnect(ThreadingHTTPServer):
    """Answers from a queue of scripted responses, then from routes.

    A scripted response is a dict: status, body (JSON-able, str or bytes),
    headers, and action: "reset" (drop the connection without answering),
    "truncate" (send the headers and half of the body, then hang up) or
    ("sleep", seconds) before answering.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super(FakeConnect, self).__init__(("127.0.0.1", 0), _Handler)
        self.script = []
        self.routes = {}
        self.requests = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        # Failed TLS handshakes and dropped connections are what some tests provoke.
        pass

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def then(self, status=200, body=None, headers=None, action=None):
        self.script.append({"status": status, "body": body, "headers": headers or {}, "action": action})
        return self

    def route(self, method, path, status=200, body=None, headers=None):
        self.routes[(method, path)] = {"status": status, "body": body, "headers": headers or {}, "action": None}
        return self

    def next_answer(self, method, path):
        with self.lock:
            if self.script:
                return self.script.pop(0)
        answer = self.routes.get((method, path))
        if answer is None:
            return {"status": 404, "body": {"status": 404, "message": "no route %s %s" % (method, path)},
                    "headers": {}, "action": None}
        return answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body,
                                             self.client_address[1]))
        answer = self.server.next_answer(self.command, self.path)
        action = answer.get("action")
        if action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
            return
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
        payload = answer.get("body")
        headers = dict(answer.get("headers") or {})
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(payload, str):
            data = payload.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain")
        elif payload is None:
            data = b""
        else:
            data = payload
            headers.setdefault("Content-Type", "application/octet-stream")
        self.send_response(answer["status"])
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if action == "truncate":
            # Promise the whole body, send half of it, hang up.
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


@pytest.fixture
def fake_connect():
    server = FakeConnect()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
