# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scriptable fault-injecting HTTP proxy for tests (standard library only).

It listens on a loopback address, reads HTTP/1.1 requests (keep-alive
supported), forwards them to an upstream HTTP server (connect-dev) and
relays the answers, except where a rule says otherwise:

    proxy = FaultProxy("http://127.0.0.1:8080").start()
    proxy.add("status", status=503, times=2)              # first 2 requests: 503 JSON
    proxy.add("delay", seconds=5, method="POST", after_upstream=True)
    ... point the client at proxy.url ...
    proxy.log  # [(method, path, action)] of every request seen

Actions (each rule applies to the next `times` requests matching `method`
and the `path` regular expression; `times=None` means every one; with
`once_per_request=True` a given request meets the rule at most once, so its
retry passes even under concurrency):

- ``refuse``: close the connection with a TCP reset before reading the request.
- ``reset``: forward the request, send the start of the answer, then reset.
- ``delay``: sleep `seconds` before forwarding (or after, with after_upstream).
- ``status``: answer `status` (429, 500, 502, 503...) with a JSON
  {status, message} body and optional `retry_after` header, without forwarding.
- ``truncate``: forward, then send the full Content-Length header but only
  half of the body and close.
- ``html``: answer `status` (default 502) with an HTML error page.
- ``raw``: answer the bytes `data` (not HTTP, or empty), without forwarding, and
  close: a wrong service or a tampering middlebox.
- ``pass``: forward normally (useful to let requests through before a fault).

Optional TLS termination (`tls=ssl.SSLContext`) lets the proxy stand in for
a TLS front end (e.g. one requiring client certificates).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import struct
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
ACTIONS = ("refuse", "reset", "delay", "status", "truncate", "html", "raw", "pass")
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
             b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>\n")


class Rule(object):
    def __init__(self, action, times=1, method=None, path=None, once_per_request=False, **params):
        if action not in ACTIONS:
            raise ValueError("unknown action %r (one of %s)" % (action, ", ".join(ACTIONS)))
        self.action = action
        self.remaining = times
        self.method = method.upper() if method else None
        self.path = re.compile(path) if path else None
        self.params = params
        # with once_per_request, a request (method and target) meets this fault at most once,
        # so its retry goes through even while the rule has uses left
        self.once_per_request = once_per_request
        self.seen = set()

    def matches(self, method, path, target=None):
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.once_per_request and (method, target) in self.seen:
            return False
        if self.method and self.method != method:
            return False
        if self.path and not self.path.search(path):
            return False
        return True


def _reset(sock):
    """Close with RST instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class FaultProxy(object):
    def __init__(self, upstream, host="127.0.0.1", port=0, tls=None, upstream_timeout=60):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the fault proxy only listens on loopback addresses")
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme != "http":
            raise ValueError("the upstream must be plain http://")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_timeout = upstream_timeout
        self.tls = tls
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self.port = self._listener.getsockname()[1]
        self.url = "%s://%s:%d" % ("https" if tls else "http", host, self.port)
        self._lock = threading.Lock()
        self._rules = []
        self.log = []
        self.stamps = []
        self.connections = 0
        self.tls_failures = []
        self._stopping = False
        self._thread = None
        self._clients = set()

    # -- control --------------------------------------------------------
    def add(self, action, times=1, method=None, path=None, once_per_request=False, **params):
        """Append a rule; rules are tried in order, the first match applies."""
        with self._lock:
            self._rules.append(Rule(action, times=times, method=method, path=path,
                                    once_per_request=once_per_request, **params))
        return self

    def clear(self):
        with self._lock:
            self._rules = []
            self.log = []
            self.stamps = []

    def requests(self, method=None, path=None, action=None):
        """Requests seen (method, path, action), optionally filtered."""
        pattern = re.compile(path) if path else None
        with self._lock:
            return [entry for entry in self.log
                    if (method is None or entry[0] == method) and (pattern is None or pattern.search(entry[1]))
                    and (action is None or entry[2] == action)]

    def start(self):
        self._listener.listen(256)
        self._listener.settimeout(0.2)  # so stop() is noticed quickly
        self._thread = threading.Thread(target=self._serve, name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping = True
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            try:
                client.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- serving --------------------------------------------------------
    def _serve(self):
        while not self._stopping:
            try:
                client, _addr = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle_connection, args=(client,), daemon=True).start()

    def _next_rule(self, method, path, target=None):
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path, target):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    rule.seen.add((method, target))
                    self.log.append((method, path, rule.action))
                    self.stamps.append(time.monotonic())
                    return rule
            self.log.append((method, path, "pass"))
            self.stamps.append(time.monotonic())
            return None

    def span(self):
        """Seconds between the first and the last request seen (0 when fewer than two)."""
        with self._lock:
            return self.stamps[-1] - self.stamps[0] if len(self.stamps) > 1 else 0.0

    def gaps_after(self, action):
        """Seconds between each request answered by `action` and the request after it."""
        with self._lock:
            return [self.stamps[i + 1] - self.stamps[i] for i, entry in enumerate(self.log[:-1]) if entry[2] == action]

    def _handle_connection(self, client):
        with self._lock:
            self._clients.add(client)
        try:
            if self.tls is not None:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except (OSError, ValueError) as exc:
                    with self._lock:
                        self.tls_failures.append(str(exc))
                    _reset(client)
                    return
            reader = client.makefile("rb")
            while not self._stopping:
                request = self._read_request(reader)
                if request is None:
                    break
                if not self._answer(client, request):
                    break
        except OSError:
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
            try:
                client.close()
            except OSError:
                pass

    @staticmethod
    def _read_request(reader):
        line = reader.readline(65537)
        if not line or not line.strip():
            return None
        try:
            method, target, version = line.decode("latin-1").strip().split(" ", 2)
        except ValueError:
            return None
        headers = []
        while True:
            header = reader.readline(65537)
            if not header or header in (b"\r\n", b"\n"):
                break
            name, _sep, value = header.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        body = reader.read(length) if length else b""
        close = any(n.lower() == "connection" and v.lower() == "close" for n, v in headers)
        return {"method": method.upper(), "target": target, "version": version, "headers": headers, "body": body,
                "close": close}

    def _forward(self, request):
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=self.upstream_timeout)
        try:
            headers = dict((n, v) for n, v in request["headers"] if n.lower() not in HOP_BY_HOP and n.lower() != "host")
            headers["Host"] = "%s:%d" % (self.upstream_host, self.upstream_port)
            connection.request(request["method"], request["target"], body=request["body"] or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            out_headers = [(n, v) for n, v in response.getheaders()
                           if n.lower() not in HOP_BY_HOP and n.lower() != "content-length"]
            return response.status, response.reason, out_headers, body
        finally:
            connection.close()

    @staticmethod
    def _head(status, reason, headers, length, close):
        lines = ["HTTP/1.1 %d %s" % (status, reason or http.client.responses.get(status, ""))]
        lines += ["%s: %s" % (n, v) for n, v in headers]
        lines.append("Content-Length: %d" % length)
        lines.append("Connection: %s" % ("close" if close else "keep-alive"))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _answer(self, client, request):
        """Serve one request; False when the connection must end."""
        path = urllib.parse.urlsplit(request["target"]).path
        rule = self._next_rule(request["method"], path, request["target"])
        action = rule.action if rule else "pass"
        params = rule.params if rule else {}
        close = request["close"]
        if action == "refuse":
            _reset(client)
            return False
        if action == "delay" and not params.get("after_upstream"):
            time.sleep(float(params.get("seconds", 1)))
        if action == "status":
            status = int(params.get("status", 503))
            message = params.get("message") or http.client.responses.get(status, "Error")
            body = json.dumps({"status": status, "message": message}).encode("utf-8")
            headers = [("Content-Type", "application/json")]
            if params.get("retry_after") is not None:
                headers.append(("Retry-After", str(params["retry_after"])))
            client.sendall(self._head(status, None, headers, len(body), close) + body)
            return not close
        if action == "raw":
            data = params.get("data") or b""
            if data:
                client.sendall(data.encode("latin-1") if isinstance(data, str) else data)
            client.shutdown(socket.SHUT_WR)
            return False
        if action == "html":
            status = int(params.get("status", 502))
            client.sendall(self._head(status, None, [("Content-Type", "text/html; charset=utf-8")], len(HTML_PAGE),
                                      close) + HTML_PAGE)
            return not close
        try:
            status, reason, headers, body = self._forward(request)
        except OSError as exc:
            body = json.dumps({"status": 502, "message": "fault proxy: upstream failed: %s" % exc}).encode("utf-8")
            client.sendall(self._head(502, None, [("Content-Type", "application/json")], len(body), True) + body)
            return False
        if action == "delay" and params.get("after_upstream"):
            time.sleep(float(params.get("seconds", 1)))
        if action == "reset":
            head = self._head(status, reason, headers, len(body), close)
            client.sendall(head[: max(1, len(head) // 2)] if params.get("in_headers") else head + body[: len(body) // 3])
            _reset(client)
            return False
        if action == "truncate":
            client.sendall(self._head(status, reason, headers, len(body), True) + body[: len(body) // 2])
            client.shutdown(socket.SHUT_WR)
            return False
        try:
            client.sendall(self._head(status, reason, headers, len(body), close) + body)
        except OSError:
            return False
        return not close


def main(argv=None):
    """`python faultproxy.py UPSTREAM [PORT] [RULE ...]`, rules as action:times[:param=value,...]."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(main.__doc__)
        return 2
    upstream = argv.pop(0)
    port = int(argv.pop(0)) if argv and argv[0].isdigit() else 0
    proxy = FaultProxy(upstream, port=port)
    for spec in argv:
        action, _sep, rest = spec.partition(":")
        times, _sep, options = rest.partition(":")
        params = dict(item.split("=", 1) for item in options.split(",") if item)
        proxy.add(action, times=int(times) if times else 1, **params)
    proxy.start()
    print(proxy.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        proxy.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
