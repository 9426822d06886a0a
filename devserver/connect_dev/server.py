"""The HTTP server: routing, auth, the Connect endpoints, access log and metrics."""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import CONNECT_VERSION, filters, items, limits, patch, tokens
from .limits import MAX_BODY_BYTES
from .util import ApiError, bad_request, now_rfc3339

# A body over MAX_BODY_BYTES but under this is read and discarded, so the
# client sees the 400; a larger one closes the connection unread.
_DRAIN_LIMIT = 16 * 1024 * 1024
_CHUNK_SIZE_RE = re.compile(rb"^([0-9A-Fa-f]{1,8})(?:;[^\r\n]*)?\r?\n$")
_MAX_TRAILER_LINES = 32

# Connection limits (seconds, connections); see docs/devserver.md.
IDLE_TIMEOUT = 30.0  # waiting for the request line of a new or kept-alive connection
HEADER_TIMEOUT = 10.0  # from the request line to the end of the headers
BODY_TIMEOUT = 30.0  # reading the whole request body
SOCKET_TIMEOUT = 30.0  # any single read or write on a connection
MAX_CONNECTIONS = 128
LOG_LEVELS = {"error": 1, "warn": 2, "warning": 2, "info": 3, "debug": 4, "trace": 5}
TOO_LARGE = (
    "File is too large to inline in request. Use the "
    "/v1/vaults/{vaultUUID}/items/{itemUUID}/files/{fileUUID}/content endpoint instead."
)

_SEG = r"([^/]+)"
ROUTES = [
    (re.compile(r"^/v1/vaults$"), "vaults"),
    (re.compile(r"^/v1/vaults/%s$" % _SEG), "vault"),
    (re.compile(r"^/v1/vaults/%s/items$" % _SEG), "items"),
    (re.compile(r"^/v1/vaults/%s/items/%s$" % (_SEG, _SEG)), "item"),
    (re.compile(r"^/v1/vaults/%s/items/%s/files$" % (_SEG, _SEG)), "files"),
    (re.compile(r"^/v1/vaults/%s/items/%s/files/%s$" % (_SEG, _SEG, _SEG)), "file"),
    (re.compile(r"^/v1/vaults/%s/items/%s/files/%s/content$" % (_SEG, _SEG, _SEG)), "content"),
    (re.compile(r"^/v1/activity$"), "activity"),
]
METHODS = {
    "vaults": ("GET",), "vault": ("GET",), "items": ("GET", "POST"),
    "item": ("GET", "PUT", "PATCH", "DELETE"), "files": ("GET",), "file": ("GET",),
    "content": ("GET",), "activity": ("GET",),
}


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests = {}
        self.duration_sum = 0.0
        self.started = time.time()

    def observe(self, method: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            self.duration_sum += seconds

    def render(self, extra: dict) -> str:
        lines = [
            "# HELP connect_dev_http_requests_total HTTP requests answered, by method and status.",
            "# TYPE connect_dev_http_requests_total counter",
        ]
        with self._lock:
            for (method, status), count in sorted(self.requests.items()):
                lines.append('connect_dev_http_requests_total{method="%s",status="%s"} %d' % (method, status, count))
            total = sum(self.requests.values())
            lines += [
                "# HELP connect_dev_http_request_duration_seconds_sum Total time spent answering requests.",
                "# TYPE connect_dev_http_request_duration_seconds_sum counter",
                "connect_dev_http_request_duration_seconds_sum %.6f" % self.duration_sum,
                "# HELP connect_dev_http_request_duration_seconds_count Requests timed.",
                "# TYPE connect_dev_http_request_duration_seconds_count counter",
                "connect_dev_http_request_duration_seconds_count %d" % total,
            ]
        for name, (help_text, value) in extra.items():
            lines += ["# HELP %s %s" % (name, help_text), "# TYPE %s gauge" % name, "%s %s" % (name, value)]
        return "\n".join(lines) + "\n"


def _rss_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class AccessLog:
    """One JSON line per request: method, path (no query), status, duration.

    Headers (and so tokens) and bodies are never logged."""

    def __init__(self, stream=None, level: str = "info"):
        self.stream = stream or sys.stderr
        self.level = LOG_LEVELS.get((level or "info").lower(), 3)
        self._lock = threading.Lock()

    def _emit(self, level_num: int, letter: str, message: str, **extra) -> None:
        if level_num > self.level:
            return
        record = {"log_message": "(%s) %s" % (letter, message), "timestamp": now_rfc3339(), "level": level_num}
        record.update(extra)
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):
                pass

    def request(self, method: str, path: str, status: int, seconds: float) -> None:
        level_num = 1 if status >= 500 else 3
        ms = seconds * 1000.0
        self._emit(level_num, "E" if status >= 500 else "I",
                   "%s %s completed (%d) in %.1fms" % (method, path, status, ms),
                   method=method, path=path, status=status, duration_ms=round(ms, 3))

    def info(self, message: str) -> None:
        self._emit(3, "I", message)

    def error(self, message: str) -> None:
        self._emit(1, "E", message)

    def debug(self, message: str) -> None:
        self._emit(4, "D", message)


class App:
    """Everything a request handler needs: config, storage, keys, metrics, log."""

    def __init__(self, store, creds, role: str = "api", log: AccessLog | None = None,
                 max_inline_kb: int = 100):
        self.store = store
        self.creds = creds
        self.role = role
        self.log = log or AccessLog()
        self.metrics = Metrics()
        self.max_inline_bytes = max_inline_kb * 1024
        self.sync_checked = False
        self._token_cache = {}
        self._token_lock = threading.Lock()

    def verify_token(self, authorization):
        """tokens.verify with a small cache of verified signatures (expiry is
        still checked on every request)."""
        if authorization:
            with self._token_lock:
                cached = self._token_cache.get(authorization)
            if cached is not None:
                exp = cached.claims.get("exp")
                if exp is None or time.time() < exp:
                    return cached
        token = tokens.verify(self.creds, authorization)
        with self._token_lock:
            if len(self._token_cache) >= 1024:
                self._token_cache.clear()
            self._token_cache[authorization] = token
        return token


def _query_flag(query: dict, *names) -> bool:
    for name in names:
        values = query.get(name)
        if values:
            value = values[-1].strip().lower()
            if value in ("", "true", "1", "yes", "on"):
                return True
            if value in ("false", "0", "no", "off"):
                return False
            raise bad_request("Invalid %s value %r: use true or false" % (name, values[-1]))
    return False


def _query_int(query: dict, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    values = query.get(name)
    if not values:
        return default
    raw = values[-1].strip()
    if not re.match(r"^-?\d+$", raw):
        raise bad_request("Invalid %s %r: must be an integer" % (name, values[-1][:40]))
    if len(raw.lstrip("-").lstrip("0")) > 9:
        raise bad_request("Invalid %s %s...: must be %s" % (
            name, raw[:12], ("between %d and %d" % (minimum, maximum)) if maximum is not None else "below 10^9"))
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise bad_request("Invalid %s %d: must be %s" % (
            name, value, ("between %d and %d" % (minimum, maximum)) if maximum is not None else (">= %d" % minimum)))
    return value


def _summary_matches(flt, summary: dict) -> bool:
    """Whether an item summary passes a parsed SCIM filter (title and tag attributes)."""
    return filters.matches(flt, {"title": summary["title"], "tag": summary.get("tags", [])})


class _Incomplete(Exception):
    """The request body ended (or timed out) before it was complete."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "connect-dev"
    sys_version = ""
    timeout = SOCKET_TIMEOUT
    app: App = None  # set on a subclass per server

    # -- read deadlines ------------------------------------------------------------
    def handle_one_request(self):
        self.server.watchdog.arm(self.connection, self.server.idle_timeout)
        try:
            super().handle_one_request()
        finally:
            self.server.watchdog.disarm(self.connection)

    def parse_request(self):
        """Reads the headers, within header_timeout of the request line."""
        watchdog = self.server.watchdog
        idle_expired = watchdog.disarm(self.connection)
        watchdog.arm(self.connection, self.server.header_timeout)
        ok = super().parse_request()
        headers_expired = watchdog.disarm(self.connection)
        if ok and (idle_expired or headers_expired):
            self.send_error(408, "Request headers not received within %g seconds" % self.server.header_timeout)
            return False
        return ok

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, unknown method, header
        trouble) are JSON {status, message} too, never HTML."""
        self.close_connection = True
        self._status = code
        if not hasattr(self, "_start"):
            self._start = time.perf_counter()
            self._recorded = False
            self._log_path = "-"
        text = message or self.responses.get(code, ("Error",))[0]
        body = json.dumps({"status": code, "message": text}, separators=(",", ":")).encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("1Password-Connect-Version", CONNECT_VERSION)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass
        if self.command:
            self._record()

    def version_string(self):
        return "connect-dev"

    # Silence the default stderr logging: AccessLog does it, without secrets.
    def log_message(self, format, *args):  # noqa: A002
        return

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_OPTIONS(self):
        self._handle("OPTIONS")

    # -- plumbing ----------------------------------------------------------------
    def _handle(self, method: str) -> None:
        self._start = time.perf_counter()
        self._recorded = False
        self._status = 500
        self._body_cache = None
        self._body_error = None
        self._body_pending = self._declares_body()
        self._token = None
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        log_path = self._log_path = path
        try:
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            self._dispatch(method, path, query)
        except ApiError as exc:
            self._send_error(exc.status, exc.message)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # never leak a traceback to the client
            # Only the exception class and code locations: messages may carry values.
            exc_type, _exc, tb = sys.exc_info()
            where = " <- ".join("%s:%d %s" % (os.path.basename(f.filename), f.lineno, f.name)
                                for f in reversed(traceback.extract_tb(tb, limit=8)))
            self.app.log.error("internal error on %s %s: %s at %s" % (method, log_path, exc_type.__name__, where))
            try:
                self._send_error(500, "Something went wrong")
            except OSError:
                self.close_connection = True
        finally:
            self._record()

    def _record(self) -> None:
        """Count and log the request once, before its response bytes are sent, so
        a client that reads /metrics or the log right after sees it."""
        if self._recorded:
            return
        self._recorded = True
        elapsed = time.perf_counter() - self._start
        self.app.metrics.observe(self.command, self._status, elapsed)
        self.app.log.request(self.command, self._log_path, self._status, elapsed)

    def _declares_body(self) -> bool:
        return "Transfer-Encoding" in self.headers or (self.headers.get("Content-Length") or "0").strip() != "0"

    def _read_body_now(self) -> None:
        """Read (or discard) the request body, once the token is known to be good.

        A body that is not read (an earlier error, or one too large to drain)
        closes the connection after the answer, so keep-alive stays in sync."""
        if not self._body_pending:
            self._body_cache = b""
            return
        watchdog = self.server.watchdog
        watchdog.arm(self.connection, self.server.body_timeout)
        try:
            self._read_body()
        except (_Incomplete, TimeoutError) as exc:
            self._body_pending = True
            if watchdog.disarm(self.connection) or isinstance(exc, TimeoutError):
                raise ApiError(408, "Request body not received within %g seconds" % self.server.body_timeout) from None
            raise bad_request("Incomplete request body: the connection ended before its end") from None
        finally:
            watchdog.disarm(self.connection)

    def _too_large(self) -> None:
        self._body_error = "Request body too large: the limit is %d bytes" % MAX_BODY_BYTES

    def _discard(self, count: int) -> None:
        while count > 0:
            piece = self.rfile.read(min(count, 64 * 1024))
            if not piece:
                raise _Incomplete()
            count -= len(piece)

    def _read_body(self) -> None:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is None:
            return self._read_sized()
        if encoding.strip().lower() != "chunked":
            self._body_error = "Unsupported Transfer-Encoding %r: only chunked is accepted" % encoding[:40]
            return None
        return self._read_chunked()

    def _read_sized(self) -> None:
        values = self.headers.get_all("Content-Length") or []
        text = values[0].strip() if len(values) == 1 else ""
        if not re.match(r"^[0-9]{1,12}$", text):
            self._body_error = "Invalid Content-Length header"
            return
        length = int(text)
        if length > _DRAIN_LIMIT:
            self._too_large()
            return
        if length > MAX_BODY_BYTES:
            self._discard(length)
            self._body_pending = False
            self._too_large()
            return
        body = self.rfile.read(length)
        if len(body) < length:
            raise _Incomplete()
        self._body_pending = False
        self._body_cache = body

    def _read_chunked(self) -> None:
        """Strict chunked decoding: 1-8 hex digits per size line, never an open-ended read."""
        data = bytearray()
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise _Incomplete()
            match = _CHUNK_SIZE_RE.match(line)
            if not match:
                self._body_error = "Invalid chunked request body: bad chunk size line"
                return
            size = int(match.group(1), 16)
            if size == 0:
                break
            total += size
            if total > _DRAIN_LIMIT:
                self._too_large()
                return
            if total > MAX_BODY_BYTES:
                data = bytearray()
                self._discard(size)
            else:
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise _Incomplete()
                data += chunk
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                self._body_error = "Invalid chunked request body: a chunk does not end with CRLF"
                return
        for dummy in range(_MAX_TRAILER_LINES):
            line = self.rfile.readline(1024)
            if not line:
                raise _Incomplete()
            if line in (b"\r\n", b"\n"):
                break
        else:
            self._body_error = "Invalid chunked request body: too many trailer lines"
            return
        self._body_pending = False
        if total > MAX_BODY_BYTES:
            self._too_large()
            return
        self._body_cache = bytes(data)

    def _json_body(self):
        if self._body_error:
            raise bad_request(self._body_error)
        raw = self._body_cache or b""
        if not raw.strip():
            raise bad_request("Invalid request: the request body is empty; expected JSON")
        return limits.parse_json(raw)

    def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
        self._status = status
        if self._body_pending:
            self.close_connection = True
        self._record()
        self.send_response(status)
        self.send_header("1Password-Connect-Version", CONNECT_VERSION)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        if status != 204 and self.command != "HEAD" and body and hasattr(self, "_headers_buffer"):
            # One write for headers and body: no small-segment stalls on keep-alive.
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.end_headers()
            if status != 204 and self.command != "HEAD" and body:
                self.wfile.write(body)

    def _send_json(self, status: int, payload, headers=None) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json", headers)

    def _send_error(self, status: int, message: str) -> None:
        self._send_json(status, {"status": status, "message": message})

    # -- dispatch ----------------------------------------------------------------
    def _dispatch(self, method: str, path: str, query: dict) -> None:
        app = self.app
        if path == "/heartbeat":
            return self._only(method, ("GET", "HEAD"), lambda: self._send(200, b".", "text/plain"))
        if path == "/health":
            return self._only(method, ("GET", "HEAD"), self._health)
        if path == "/metrics":
            return self._only(method, ("GET", "HEAD"), self._metrics)
        if app.role != "api":
            raise ApiError(404, "%s is not served by the sync process" % path)
        for pattern, name in ROUTES:
            match = pattern.match(path)
            if match:
                break
        else:
            raise ApiError(404, "No route for %s" % path)
        if method not in METHODS[name]:
            raise ApiError(405, "Method %s is not allowed on %s" % (method, path))
        self._token = app.verify_token(self.headers.get("Authorization"))
        self._read_body_now()
        app.sync_checked = True
        args = [urllib.parse.unquote(g) for g in match.groups()]
        getattr(self, "_r_%s_%s" % (name, method.lower()))(query, *args)

    def _only(self, method: str, allowed, fn) -> None:
        if method not in allowed:
            raise ApiError(405, "Method %s is not allowed here" % method)
        fn()

    def _health(self) -> None:
        app = self.app
        ok = app.store.ping()
        deps = [{"service": "sqlite", "status": "ACTIVE" if ok else "UNAVAILABLE",
                 "message": "Connected to ./%s" % os.path.basename(app.store.path)}]
        if app.role == "api":
            deps.append({"service": "sync", "status": "ACTIVE"})
        else:
            deps.append({"service": "account", "status": "ACTIVE"})
        name = "1Password Connect API" if app.role == "api" else "1Password Connect Sync"
        self._send_json(200, {"name": name, "version": CONNECT_VERSION, "dependencies": deps})

    def _metrics(self) -> None:
        extra = {
            "connect_dev_process_resident_memory_bytes": ("Resident memory of the server process.", _rss_bytes()),
            "connect_dev_uptime_seconds": ("Seconds since the server started.",
                                           "%.1f" % (time.time() - self.app.metrics.started)),
        }
        body = self.app.metrics.render(extra).encode("utf-8")
        self._send(200, body, "text/plain; version=0.0.4; charset=utf-8")

    # -- scope / lookup helpers ----------------------------------------------------
    def _activity(self, action: str, result: str, vault_id: str, item: dict | None = None,
                  item_id: str | None = None) -> None:
        token = self._token
        resource = {"type": "ITEM" if (item is not None or item_id) else "VAULT", "vault": {"id": vault_id}}
        if item is not None or item_id:
            resource["item"] = {"id": item["id"] if item is not None else item_id}
            if item is not None:
                resource["itemVersion"] = item["version"]
        record = {
            "requestId": str(uuid.uuid4()),
            "timestamp": now_rfc3339(),
            "action": action,
            "result": result,
            "actor": {
                "id": token.actor_id,
                "account": self.app.creds.account,
                "jti": token.jti,
                "userAgent": self.headers.get("User-Agent", "")[:256],
                "requestIp": self.client_address[0] if self.client_address else "",
            },
            "resource": resource,
        }
        self.app.store.record_activity(record)

    def _vault(self, vault_id: str, write: bool = False, action: str = "READ", item_id: str | None = None) -> dict:
        items.check_id(vault_id, "vault")
        if item_id is not None:
            items.check_id(item_id, "item")
        token = self._token
        if not self.app.store.vault_exists(vault_id):
            raise ApiError(404, "vault %s not found" % vault_id)
        allowed = token.can_write(vault_id) if write else token.can_read(vault_id)
        if not allowed:
            self._activity(action, "DENY", vault_id, item_id=item_id)
            if token.in_scope(vault_id):
                raise ApiError(403, "vault %s is not in scope: the token lacks %s access" % (
                    vault_id, "write" if write else "read"))
            raise ApiError(403, "vault %s is not in scope" % vault_id)

    def _item(self, vault_id: str, item_id: str, write: bool = False, action: str = "READ") -> dict:
        self._vault(vault_id, write, action, item_id)
        item = self.app.store.get_item(vault_id, item_id)
        if item is None:
            raise ApiError(404, "item %s not found" % item_id)
        return item

    # -- vaults ------------------------------------------------------------------------
    def _r_vaults_get(self, query: dict) -> None:
        flt = filters.parse(query.get("filter", [""])[-1], filters.VAULT_ATTRIBUTES)
        token = self._token
        out = []
        for vault in self.app.store.list_vaults():
            if token.in_scope(vault["id"]) and filters.matches(flt, {"name": vault["name"], "title": vault["name"]}):
                out.append(vault)
        self._send_json(200, out)

    def _r_vault_get(self, query: dict, vault_id: str) -> None:
        items.check_id(vault_id, "vault")
        vault = self.app.store.get_vault(vault_id)
        if vault is None:
            raise ApiError(404, "vault %s not found" % vault_id)
        if not self._token.in_scope(vault_id):
            self._activity("READ", "DENY", vault_id)
            raise ApiError(403, "vault %s is not in scope" % vault_id)
        self._activity("READ", "SUCCESS", vault_id)
        self._send_json(200, vault)

    # -- items -------------------------------------------------------------------------
    def _r_items_get(self, query: dict, vault_id: str) -> None:
        flt = filters.parse(query.get("filter", [""])[-1], filters.ITEM_ATTRIBUTES)
        self._vault(vault_id)
        summaries = self.app.store.list_summaries(vault_id)
        if flt:
            summaries = [text for text in summaries if _summary_matches(flt, json.loads(text))]
        self._activity("READ", "SUCCESS", vault_id)
        # The stored summaries are already JSON: join them instead of re-encoding.
        self._send(200, ("[" + ",".join(summaries) + "]").encode("utf-8"), "application/json")

    def _r_items_post(self, query: dict, vault_id: str) -> None:
        self._vault(vault_id, write=True, action="CREATE")
        body = self._json_body()
        item = items.normalize_item(body, vault_id, editor=self._token.sub)
        self.app.store.insert_item(item)
        self._activity("CREATE", "SUCCESS", vault_id, item)
        self._send_json(200, items.render_full(item, []))

    def _r_item_get(self, query: dict, vault_id: str, item_id: str) -> None:
        item = self._item(vault_id, item_id)
        files = self.app.store.list_files(item_id)
        self._activity("READ", "SUCCESS", vault_id, item)
        self._send_json(200, items.render_full(item, files))

    def _r_item_put(self, query: dict, vault_id: str, item_id: str) -> None:
        self._vault(vault_id, write=True, action="UPDATE", item_id=item_id)
        body = self._json_body()
        if not isinstance(body, dict):
            raise bad_request("Invalid item: the request body must be a JSON object")
        editor = self._token.sub

        def change(current):
            return items.normalize_item(body, vault_id, existing=current, editor=editor)

        result = self.app.store.update_item(vault_id, item_id, change)
        if result is None:
            raise ApiError(404, "item %s not found" % item_id)
        item = result[0]
        self._activity("UPDATE", "SUCCESS", vault_id, item)
        self._send_json(200, items.render_full(item, self.app.store.list_files(item_id)))

    def _r_item_patch(self, query: dict, vault_id: str, item_id: str) -> None:
        self._vault(vault_id, write=True, action="UPDATE", item_id=item_id)
        operations = self._json_body()
        if not isinstance(operations, list):
            raise bad_request("Invalid patch: the request body must be a JSON array of operations")
        editor = self._token.sub

        def change(current):
            if not operations:
                return None
            doc = patch.apply(items.editable(current), operations)
            return items.normalize_item(doc, vault_id, existing=current, editor=editor)

        result = self.app.store.update_item(vault_id, item_id, change)
        if result is None:
            raise ApiError(404, "item %s not found" % item_id)
        item, changed = result
        self._activity("UPDATE", "SUCCESS", vault_id, item)
        self._send_json(200, items.render_full(item, self.app.store.list_files(item_id)))

    def _r_item_delete(self, query: dict, vault_id: str, item_id: str) -> None:
        self._vault(vault_id, write=True, action="DELETE", item_id=item_id)
        item = self.app.store.get_item(vault_id, item_id)
        if item is None or not self.app.store.delete_item(vault_id, item_id):
            raise ApiError(404, "item %s not found" % item_id)
        self._activity("DELETE", "SUCCESS", vault_id, item)
        self._send(204, b"", "application/json")

    # -- files -------------------------------------------------------------------------
    def _inline(self, query: dict) -> bool:
        return _query_flag(query, "inline_files", "inline_content")

    def _r_files_get(self, query: dict, vault_id: str, item_id: str) -> None:
        inline = self._inline(query)
        item = self._item(vault_id, item_id)
        files = self.app.store.list_files(item_id, with_content=inline)
        if inline and any(f["size"] > self.app.max_inline_bytes for f in files):
            raise ApiError(413, TOO_LARGE)
        self._activity("READ", "SUCCESS", vault_id, item)
        self._send_json(200, [items.render_file(f, vault_id, item_id, f.get("content")) for f in files])

    def _file(self, vault_id: str, item_id: str, file_id: str, with_content: bool):
        item = self._item(vault_id, item_id)
        items.check_id(file_id, "file")
        for f in self.app.store.list_files(item_id, with_content=with_content):
            if f["id"] == file_id:
                return item, f
        raise ApiError(404, "file %s not found" % file_id)

    def _r_file_get(self, query: dict, vault_id: str, item_id: str, file_id: str) -> None:
        inline = self._inline(query)
        item, f = self._file(vault_id, item_id, file_id, inline)
        if inline and f["size"] > self.app.max_inline_bytes:
            raise ApiError(413, TOO_LARGE)
        self._activity("READ", "SUCCESS", vault_id, item)
        self._send_json(200, items.render_file(f, vault_id, item_id, f.get("content")))

    def _r_content_get(self, query: dict, vault_id: str, item_id: str, file_id: str) -> None:
        item, f = self._file(vault_id, item_id, file_id, True)
        name = f["name"].replace("\\", "_").replace('"', "_").replace("\r", "_").replace("\n", "_")
        headers = {"Content-Disposition": 'attachment; filename="%s"' % name}
        if name != f["name"] or not name.isascii():
            headers["Content-Disposition"] += "; filename*=UTF-8''%s" % urllib.parse.quote(f["name"])
        self._activity("READ", "SUCCESS", vault_id, item)
        self._send(200, f["content"], "application/octet-stream", headers)

    # -- activity ----------------------------------------------------------------------
    def _r_activity_get(self, query: dict) -> None:
        limit = _query_int(query, "limit", 50, 1, 1000)
        offset = _query_int(query, "offset", 0, 0)
        token = self._token
        # A token sees the requests on its own vaults, and its own requests; the
        # jti, address and user agent of other tokens are never shown.
        records, total = self.app.store.list_activity(
            limit, offset, vault_ids=[v for v in token.acls if token.in_scope(v)], jti=token.jti)
        for record in records:
            actor = record.get("actor", {})
            if actor.get("jti") != token.jti:
                actor.update({"jti": "", "userAgent": "", "requestIp": ""})
        if records:
            content_range = "%d-%d/%d" % (offset + 1, offset + len(records), total)
        else:
            content_range = "0-0/%d" % total
        self._send_json(200, records, {"Content-Range": content_range})


class Watchdog:
    """Ends read phases that overrun their deadline: the connection is shut for
    reading, so the blocked read returns at once and the handler answers 408
    (or, between requests, closes the connection)."""

    TICK = 0.1

    def __init__(self):
        self._lock = threading.Lock()
        self._deadlines = {}
        self._expired = set()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="connect-dev-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def arm(self, sock, seconds: float) -> None:
        with self._lock:
            self._deadlines[sock] = time.monotonic() + seconds
            self._expired.discard(sock)

    def disarm(self, sock) -> bool:
        """Stop watching sock; True when its deadline had passed."""
        with self._lock:
            self._deadlines.pop(sock, None)
            if sock in self._expired:
                self._expired.discard(sock)
                return True
        return False

    def _run(self) -> None:
        while not self._stopped.wait(self.TICK):
            now = time.monotonic()
            with self._lock:
                late = [sock for sock, deadline in self._deadlines.items() if deadline <= now]
                for sock in late:
                    del self._deadlines[sock]
                    self._expired.add(sock)
            for sock in late:
                # Over TLS the session cannot carry a 408 after its input ends: close both ways.
                how = socket.SHUT_RDWR if isinstance(sock, ssl.SSLSocket) else socket.SHUT_RD
                try:
                    # The plain socket call: an SSLSocket's own shutdown() would drop its TLS state.
                    socket.socket.shutdown(sock, how)
                except OSError:
                    pass


def connection_cap(requested: int) -> int:
    """requested, lowered so that every connection has room for its file
    descriptors (the socket and a pooled SQLite connection with its WAL files)
    under the process's open-file limit."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return requested
    if soft == resource.RLIM_INFINITY:
        return requested
    return min(requested, max(4, (soft - 32) // 4))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, ssl_context=None, max_connections: int = MAX_CONNECTIONS,
                 idle_timeout: float = IDLE_TIMEOUT, header_timeout: float = HEADER_TIMEOUT,
                 body_timeout: float = BODY_TIMEOUT):
        self.ssl_context = ssl_context
        self.max_connections = connection_cap(max_connections)
        self.idle_timeout = idle_timeout
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.watchdog = Watchdog()
        self._active = 0
        self._active_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, handler)
        self.watchdog.start()

    def get_request(self):
        sock, addr = super().get_request()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    # -- the cap on concurrent connections --------------------------------------------
    def process_request(self, request, client_address):
        with self._active_lock:
            admitted = self._active < self.max_connections
            if admitted:
                self._active += 1
        if not admitted:
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._active_lock:
            self._active -= 1

    def _refuse(self, sock) -> None:
        """Past the cap: a 503 written without a thread, then the connection is
        closed (over TLS, which needs a handshake first, it is just closed)."""
        try:
            if not isinstance(sock, ssl.SSLSocket):
                body = json.dumps({"status": 503, "message": (
                    "Too many connections: connect-dev serves at most %d at once; retry shortly"
                    % self.max_connections)}, separators=(",", ":")).encode("utf-8")
                head = ("HTTP/1.1 503 Service Unavailable\r\n1Password-Connect-Version: %s\r\n"
                        "Content-Type: application/json\r\nContent-Length: %d\r\nRetry-After: 1\r\n"
                        "Connection: close\r\n\r\n" % (CONNECT_VERSION, len(body))).encode("ascii")
                sock.setblocking(False)
                try:
                    sock.recv(64 * 1024)  # what the client sent already: no reset on close
                except OSError:
                    pass
                sock.send(head + body)
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            sock.close()

    def server_close(self):
        super().server_close()
        self.watchdog.stop()

    def handle_error(self, request, client_address):
        # TLS handshake failures and dropped clients are not server errors.
        pass


def make_server(app: App, host: str, port: int, cert: str | None = None, key: str | None = None,
                **connection_limits) -> Server:
    """connection_limits: max_connections, idle_timeout, header_timeout, body_timeout."""
    handler = type("BoundHandler", (Handler,), {"app": app})
    context = None
    if cert or key:
        if not (cert and key):
            raise ValueError("TLS needs both a certificate and a key file")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
    return Server((host, port), handler, context, **connection_limits)
