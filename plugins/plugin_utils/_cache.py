# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the collection: its interface may change without notice.

"""Run-wide, memory-only cache of Connect answers for the lookups.

A lookup is evaluated in many processes of one ansible-playbook run (the main
process and a forked worker per host and task). To fetch each distinct item
about once per run, the first lookup that needs the cache starts a small
broker process that keeps answers in memory; every process of the run talks
to it over a Unix socket.

- Memory only: nothing is ever written to disk.
- Private: the socket lives in a 0700 directory inside the run's own temp
  directory (ansible's DEFAULT_LOCAL_TMP, removed when the run ends), or is
  an abstract Linux socket when that path is too long; both ends check the
  peer's uid (SO_PEERCRED).
- Bounded: every entry has a TTL; the broker exits when the ansible process
  that owns the run exits, when its socket disappears, or after being idle.
- Keyed by a hash of Connect host + token (never the token itself), so other
  hosts or tokens never share entries.
- Single flight: when several processes miss the same key at once, one
  fetches and the others wait for its answer.
- Cheap in a loop: a process keeps its connection and the answers it already
  had between lookup calls; the first request of a call brings the broker's
  generation, and only when nothing was invalidated since are those answers
  used again (RunCache, _Memo).

Public functions for other plugins of the collection (stable names):

    invalidate_item(vault_id, item_id)  forget an item (and title lookups in
                                        its vault, and its files) after a write;
                                        item_id None: every item of the vault
    invalidate_all()                    forget everything

Both are safe to call from any controller process of the run (action
plugins included); they do nothing when no broker runs. The item action
plugin calls invalidate_item() after each write so that later lookups see
the change.

This file is also the broker's program: `python _cache.py serve ...`. It
imports only the standard library at module level for that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

DEFAULT_TTL = 300
IDLE_EXIT = 900
LEASE_SECONDS = 60
MAX_ENTRIES = 20000
MAX_VALUE_CHARS = 8 * 1024 * 1024
_MAX_LINE = 64 * 1024 * 1024
_SOCKET_PATH_MAX = 100
_PROTOCOL = 1


def namespace(host, token):
    """Cache namespace for one Connect host and token: a hash, never the token."""
    digest = hashlib.sha256()
    digest.update(b"secretops.onepassword/cache/v1\0")
    digest.update((host or "").rstrip("/").encode("utf-8"))
    digest.update(b"\0")
    digest.update((token or "").encode("utf-8"))
    return digest.hexdigest()


# -- the store (used by the broker, and in-process by the tests) ------------

class Store(object):
    """Entries with a TTL, leases for single-flight, invalidation.

    Keys are tuples: (namespace, kind, ...). kinds used by the lookups:
    ("vault", ref), ("itemref", vault_id, ref), ("item", vault_id, item_id),
    ("file", vault_id, item_id, file_id).
    """

    def __init__(self, max_entries=MAX_ENTRIES, clock=time.monotonic):
        self._data = {}
        self._pending = {}
        self._generation = 0
        self._max = max_entries
        self._clock = clock
        self._cond = threading.Condition()

    def _live(self, key, now):
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._data[key]
            return None
        return entry

    def get(self, key):
        with self._cond:
            entry = self._live(key, self._clock())
            return None if entry is None else entry[0]

    def expires_in(self, key):
        """Seconds the entry for key has left (0 when there is none)."""
        with self._cond:
            now = self._clock()
            entry = self._live(key, now)
            return 0 if entry is None else entry[1] - now

    def lease(self, key, wait=LEASE_SECONDS, owner=None):
        """("hit", value, gen) or ("fetch", None, gen): the caller must put() or release().

        While a lease is out, other callers of lease() for the same key wait
        (at most wait seconds) for the holder's put() or release().
        """
        deadline = self._clock() + wait
        with self._cond:
            while True:
                now = self._clock()
                entry = self._live(key, now)
                if entry is not None:
                    return "hit", entry[0], self._generation
                holder = self._pending.get(key)
                if holder is None or holder[0] <= now or now >= deadline:
                    self._pending[key] = (now + LEASE_SECONDS, owner)
                    return "fetch", None, self._generation
                self._cond.wait(min(holder[0], deadline) - now)

    def put(self, key, value, ttl, generation=None):
        """Store value for ttl seconds, unless an invalidation happened since generation."""
        with self._cond:
            self._pending.pop(key, None)
            self._cond.notify_all()
            if generation is not None and generation != self._generation:
                return False
            if ttl <= 0:
                return False
            now = self._clock()
            self._data.pop(key, None)
            self._data[key] = (value, now + ttl)
            if len(self._data) > self._max:
                self._evict(now)
            return True

    def release(self, key, owner=None):
        """Give a lease back without a value; with owner, only if that owner holds it."""
        with self._cond:
            holder = self._pending.get(key)
            if holder is not None and (owner is None or holder[1] == owner):
                del self._pending[key]
                self._cond.notify_all()

    def _evict(self, now):
        for key in [k for k, e in self._data.items() if e[1] <= now]:
            del self._data[key]
        while len(self._data) > self._max:
            del self._data[next(iter(self._data))]

    def purge(self):
        with self._cond:
            now = self._clock()
            for key in [k for k, e in self._data.items() if e[1] <= now]:
                del self._data[key]
            return len(self._data)

    def invalidate_item(self, vault_id, item_id):
        """Drop the item, its files, and every title lookup in its vault.

        item_id None drops every item of the vault (after a write whose item is unknown)."""
        with self._cond:
            self._generation += 1
            doomed = []
            for key in self._data:
                kind = key[1] if len(key) > 1 else None
                if kind in ("item", "file") and key[2] == vault_id and (item_id is None or key[3] == item_id):
                    doomed.append(key)
                elif kind == "itemref" and key[2] == vault_id:
                    doomed.append(key)
            for key in doomed:
                del self._data[key]
            return len(doomed)

    def invalidate_all(self):
        with self._cond:
            self._generation += 1
            count = len(self._data)
            self._data.clear()
            return count

    def __len__(self):
        with self._cond:
            return len(self._data)


# -- wire protocol: one JSON object per line --------------------------------

def _send(sock, message):
    sock.sendall(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")


def _recv(reader):
    line = reader.readline(_MAX_LINE)
    if not line:
        raise EOFError("connection closed")
    return json.loads(line.decode("utf-8"))


def peer_uid(sock):
    """The uid of the process at the other end, or None where the OS cannot tell."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


# -- the broker ------------------------------------------------------------------

class Broker(object):
    """Serves a Store on a listening Unix socket until told or made to stop."""

    def __init__(self, listener, watch_pid=None, watch_path=None, idle=IDLE_EXIT, store=None):
        self.listener = listener
        self.store = store or Store()
        self.watch_pid = watch_pid
        self.watch_path = watch_path
        self.watch_inode = os.stat(watch_path).st_ino if watch_path else None
        self.idle = idle
        self.last_used = time.monotonic()
        self.stopping = threading.Event()
        self.instance = os.urandom(8).hex()  # tells a restarted broker's generations apart

    def _handle(self, conn):
        leased = set()
        reader = None
        try:
            uid = peer_uid(conn)
            if uid is not None and uid != os.getuid():
                return
            reader = conn.makefile("rb")
            while not self.stopping.is_set():
                try:
                    request = _recv(reader)
                except (EOFError, ValueError, OSError):
                    return
                self.last_used = time.monotonic()
                try:
                    reply = self.dispatch(request, owner=id(conn), leased=leased)
                except Exception as exc:  # a bad request must not stop the broker
                    reply = {"ok": False, "error": type(exc).__name__}
                try:
                    _send(conn, reply)
                except OSError:
                    return
        finally:
            # A client that went away without answering gives its leases back.
            for key in leased:
                self.store.release(key, owner=id(conn))
            _close_conn((conn, reader) if reader is not None else (conn, conn))

    def dispatch(self, request, owner=None, leased=None):
        op = request.get("op")
        key = tuple(request["key"]) if "key" in request else None
        leased = set() if leased is None else leased
        if op == "lease":
            state, value, gen = self.store.lease(key, wait=float(request.get("wait", LEASE_SECONDS)), owner=owner)
            if state == "fetch":
                leased.add(key)
            reply = {"ok": True, "state": state, "value": value, "gen": gen, "instance": self.instance}
            if state == "hit":
                reply["ttl"] = self.store.expires_in(key)
            return reply
        if op == "put":
            value = request.get("value")
            leased.discard(key)
            if len(json.dumps(value)) > MAX_VALUE_CHARS:
                self.store.release(key)
                return {"ok": True, "stored": False}
            stored = self.store.put(key, value, float(request.get("ttl", DEFAULT_TTL)), request.get("gen"))
            return {"ok": True, "stored": stored, "instance": self.instance}
        if op == "release":
            leased.discard(key)
            self.store.release(key)
            return {"ok": True}
        if op == "invalidate_item":
            return {"ok": True, "dropped": self.store.invalidate_item(request["vault_id"], request["item_id"])}
        if op == "invalidate_all":
            return {"ok": True, "dropped": self.store.invalidate_all()}
        if op == "ping":
            return {"ok": True, "protocol": _PROTOCOL, "pid": os.getpid(), "entries": len(self.store)}
        if op == "stop":
            self.stopping.set()
            return {"ok": True}
        return {"ok": False, "error": "unknown op"}

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, dummy = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if self.stopping.is_set():
                    return
                time.sleep(0.05)
                continue
            thread = threading.Thread(target=self._handle, args=(conn,))
            thread.daemon = True
            thread.start()

    def _should_stop(self):
        if self.watch_pid:
            try:
                os.kill(self.watch_pid, 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return True  # the pid now belongs to another user: the run is gone
        if self.watch_path:
            try:
                if os.stat(self.watch_path).st_ino != self.watch_inode:
                    return True
            except OSError:
                return True
        return time.monotonic() - self.last_used > self.idle

    def serve(self, poll=0.5):
        self.listener.settimeout(poll)
        thread = threading.Thread(target=self._accept_loop)
        thread.daemon = True
        thread.start()
        purge_at = time.monotonic() + 30
        while not self.stopping.wait(poll):
            if self._should_stop():
                self.stopping.set()
            elif time.monotonic() > purge_at:
                self.store.purge()
                purge_at = time.monotonic() + 30
        try:
            self.listener.close()
        except OSError:
            pass
        if self.watch_path:
            try:
                if os.stat(self.watch_path).st_ino == self.watch_inode:
                    os.unlink(self.watch_path)
            except OSError:
                pass


def _bind(address):
    """A listening socket on address; the file socket is made owner-only."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if not address.startswith("\0"):
        old = os.umask(0o077)
        try:
            listener.bind(address)
        finally:
            os.umask(old)
    else:
        listener.bind(address)
    listener.listen(64)
    return listener


def encode_address(address):
    """The socket address as a command-line word: an abstract address starts with a NUL, which argv cannot carry."""
    if address.startswith("\0"):
        return "@" + address[1:].encode("utf-8").hex()
    return address


def decode_address(word):
    """The socket address from encode_address()'s word."""
    if word.startswith("@"):
        return "\0" + bytes.fromhex(word[1:]).decode("utf-8")
    return word


def _serve_main(argv):
    """Entry point of the broker process: serve <address> <watch_pid> <idle> [lockfile]."""
    address, watch_pid, idle = decode_address(argv[0]), int(argv[1]), float(argv[2])
    lockfile = argv[3] if len(argv) > 3 else ""
    # Detach: the parent reports readiness and exits, the child serves.
    read_end, write_end = os.pipe()
    if os.fork():
        os.close(write_end)
        status = os.read(read_end, 64).decode("ascii", "replace").strip() or "failed"
        sys.stdout.write(status + "\n")
        sys.stdout.flush()
        os._exit(0 if status in ("ready", "busy") else 1)
    os.close(read_end)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    def report(text):
        try:
            os.write(write_end, text.encode("ascii"))
            os.close(write_end)
        except OSError:
            pass

    try:
        if lockfile:
            import fcntl
            lock_fd = os.open(lockfile, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                report("busy")
                os._exit(0)
            try:
                os.unlink(address)
            except OSError:
                pass
        try:
            listener = _bind(address)
        except OSError as exc:
            import errno
            # In use: another broker of this run won the race. Anything else: no cache for this run.
            report("busy" if exc.errno == errno.EADDRINUSE else "failed")
            os._exit(0)
        broker = Broker(listener, watch_pid=watch_pid, watch_path=None if address.startswith("\0") else address,
                        idle=idle)
        report("ready")
        broker.serve()
    except Exception:
        report("failed")
    os._exit(0)


# -- the client side ---------------------------------------------------------------

def _run_identity():
    """(run directory, pid of the ansible process owning the run), or (None, None)."""
    try:
        from ansible import constants as C
        base = C.DEFAULT_LOCAL_TMP
    except Exception:
        return None, None
    if not base or not os.path.isdir(base):
        return None, None
    import multiprocessing
    parent = multiprocessing.parent_process()
    owner = parent.pid if parent is not None else os.getpid()
    return base, owner


def _private_dir(path):
    """Create path 0700 (if needed) and check it is ours and private."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    import stat
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError("cache directory %s is not private" % path)
    return path


def _close_conn(conn):
    """Close a (socket, reader) pair: the fd stays open until both are closed."""
    for part in (conn[1], conn[0]):
        try:
            part.close()
        except OSError:
            pass


#: One idle broker connection per address, kept by this process between lookup calls:
#: {address: (pid, (socket, reader))}. A forked child never uses its parent's.
_idle = {}
_idle_lock = threading.Lock()


def _take_idle(address):
    with _idle_lock:
        parked = _idle.pop(address, None)
    if parked is None:
        return None
    pid, conn = parked
    if pid != os.getpid():
        _close_conn(conn)  # the parent's: closing this process's copy leaves the parent's open
        return None
    return conn


def _park(address, conn):
    """Keep conn for the next lookup call of this process; False when one is already kept."""
    with _idle_lock:
        parked = _idle.get(address)
        if parked is not None and parked[0] == os.getpid():
            return False
        _idle[address] = (os.getpid(), conn)
    if parked is not None:
        _close_conn(parked[1])
    return True


class _Memo(object):
    """Answers this process had from the broker, usable while the broker's generation stays the same.

    A lookup runs many times in one worker process. Each RunCache asks the
    broker once (its first lease, which carries the broker's generation):
    when nothing was invalidated since, the vaults, items and files this
    process already had are served from here instead of one round trip each.
    Values are kept as JSON text, so no caller can alter them; each keeps
    the TTL it had in the broker.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._stamp = None  # (broker instance, generation) the entries are valid for
        self._entries = {}

    def sync(self, stamp):
        """Drop every entry unless stamp is the one they were valid for."""
        with self._lock:
            if self._pid != os.getpid() or self._stamp != stamp:
                self._pid, self._stamp, self._entries = os.getpid(), stamp, {}

    def get(self, key):
        """(value, generation) or None."""
        with self._lock:
            entry = self._entries.get(key) if self._pid == os.getpid() else None
            if entry is None:
                return None
            if entry[1] <= time.monotonic():
                del self._entries[key]
                return None
            return json.loads(entry[0]), self._stamp[1]

    def add(self, key, value, expires, stamp):
        with self._lock:
            if self._pid != os.getpid() or self._stamp != stamp or expires <= time.monotonic():
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[key] = (json.dumps(value, separators=(",", ":")), expires)

    def clear(self):
        with self._lock:
            self._entries = {}


_memos = {}


def _memo(address):
    with _idle_lock:
        return _memos.setdefault(address, _Memo())


class RunCache(object):
    """Client of the run's broker; each thread keeps its own connection.

    Every failure to reach the broker degrades to 'no shared cache' (the
    lookup then simply fetches); it never fails a lookup. close() keeps one
    healthy connection for the next RunCache of this process (a lookup runs
    many times in one worker: connecting each time costs more than the
    cache hit itself).
    """

    def __init__(self, address, spawn_args=None, ttl=DEFAULT_TTL, log=None):
        self.address = address
        self.spawn_args = spawn_args
        self.ttl = ttl
        self.log = log or (lambda msg: None)
        self.broken = False
        self._memo = _memo(address)
        self._synced = False  # the memo was checked against the broker by this RunCache
        self._leased = set()  # leases not yet put or released: a connection holding one is never kept
        self._local = threading.local()
        self._lock = threading.Lock()
        self._spawned = None
        self._all = []

    # connection handling
    def _connect_once(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(LEASE_SECONDS + 10)
            sock.connect(self.address)
            uid = peer_uid(sock)
            if uid is not None and uid != os.getuid():
                raise OSError("the cache socket belongs to uid %d" % uid)
        except Exception:
            sock.close()
            raise
        return sock

    def _spawn(self):
        """Start the broker; True when one should now be listening."""
        with self._lock:
            if self._spawned is not None:
                return self._spawned
            self._spawned = False
            if not self.spawn_args:
                return False
            args = [encode_address(self.spawn_args[0])] + [str(a) for a in self.spawn_args[1:]]
            cmd = [sys.executable, "-I", os.path.abspath(__file__), "serve"] + args
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, close_fds=True)
                out, dummy = proc.communicate(timeout=15)
                status = out.decode("ascii", "replace").strip()
                self.log("run cache broker: %s" % status)
                self._spawned = status in ("ready", "busy")
            except (OSError, subprocess.SubprocessError) as exc:
                self.log("run cache broker could not start: %s" % exc)
            return self._spawned

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        conn = _take_idle(self.address)
        if conn is not None:
            self._keep(conn)
            return conn
        try:
            sock = self._connect_once()
        except OSError:
            if not self._spawn():
                raise OSError("no run cache broker at this address")
            sock = None
            for delay in (0.02, 0.05, 0.1, 0.2, 0.4, 0.8):
                try:
                    sock = self._connect_once()
                    break
                except OSError:
                    time.sleep(delay)
            if sock is None:
                raise OSError("the run cache is not reachable")
        conn = (sock, sock.makefile("rb"))
        self._keep(conn)
        return conn

    def _keep(self, conn):
        self._local.conn = conn
        with self._lock:
            self._all.append(conn)

    def _call(self, message):
        if self.broken:
            return None
        for attempt in (1, 2):
            try:
                sock, reader = self._conn()
                _send(sock, message)
                reply = _recv(reader)
                return reply if reply.get("ok") else None
            except (OSError, EOFError, ValueError) as exc:
                self._drop_local()
                if attempt == 2:
                    self.log("run cache disabled for this lookup: %s" % exc)
                    self.broken = True
        return None

    def _drop_local(self):
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            _close_conn(conn)

    def close(self, keep=True):
        """Close the connections; with keep, one stays open for this process's next RunCache.

        Closing is what gives the broker back the leases of a caller that went
        away without put() or release(), so then none is kept.
        """
        with self._lock:
            conns, self._all = self._all, []
            keep = keep and not self.broken and not self._leased
        self._local = threading.local()
        for conn in conns:
            if not (keep and _park(self.address, conn)):
                _close_conn(conn)

    # operations
    def lease(self, key):
        """(hit, value, generation): hit False means the caller fetches, then put() or release()."""
        key = tuple(key)
        if self._synced:
            known = self._memo.get(key)
            if known is not None:
                return True, known[0], known[1]
        asked = time.monotonic()
        reply = self._call({"op": "lease", "key": list(key)})
        if reply is None:
            return False, None, None
        stamp = (reply.get("instance"), reply.get("gen"))
        self._memo.sync(stamp)
        self._synced = True
        hit = reply["state"] == "hit"
        if hit:
            self._memo.add(key, reply.get("value"), asked + float(reply.get("ttl") or 0), stamp)
        else:
            with self._lock:
                self._leased.add(key)
        return hit, reply.get("value"), reply.get("gen")

    def put(self, key, value, generation=None):
        with self._lock:
            self._leased.discard(tuple(key))
        asked = time.monotonic()
        reply = self._call({"op": "put", "key": list(key), "value": value, "ttl": self.ttl, "gen": generation})
        if reply and reply.get("stored"):
            self._memo.add(tuple(key), value, asked + self.ttl, (reply.get("instance"), generation))

    def release(self, key):
        with self._lock:
            self._leased.discard(tuple(key))
        self._call({"op": "release", "key": list(key)})

    def invalidate_item(self, vault_id, item_id):
        self._memo.clear()
        reply = self._call({"op": "invalidate_item", "vault_id": vault_id, "item_id": item_id})
        return reply.get("dropped", 0) if reply else 0

    def invalidate_all(self):
        self._memo.clear()
        reply = self._call({"op": "invalidate_all"})
        return reply.get("dropped", 0) if reply else 0

    def ping(self):
        return self._call({"op": "ping"})

    def stop(self):
        return self._call({"op": "stop"})


def broker_address(run_dir):
    """(socket address, lock file or '') for the run whose temp directory is run_dir."""
    directory = os.path.join(os.path.abspath(run_dir), "sop-cache")
    path = os.path.join(directory, "sock")
    if len(path.encode("utf-8")) <= _SOCKET_PATH_MAX:
        return path, os.path.join(directory, "lock"), directory
    if sys.platform.startswith("linux"):
        digest = hashlib.sha256(("%d:%s" % (os.getuid(), run_dir)).encode("utf-8")).hexdigest()[:32]
        return "\0secretops-op-cache-" + digest, "", None
    return None, None, None


def run_cache(ttl=DEFAULT_TTL, log=None, start=True):
    """The RunCache of the current ansible run, or None when it cannot be used.

    start=False returns None instead of starting a broker (used for invalidation).
    """
    run_dir, owner = _run_identity()
    if run_dir is None:
        return None
    address, lockfile, directory = broker_address(run_dir)
    if address is None:
        return None
    if directory is not None:
        if not start and not os.path.exists(address):
            return None
        try:
            _private_dir(directory)
        except OSError as exc:
            if log:
                log("run cache disabled: %s" % exc)
            return None
    spawn = [address, owner, max(IDLE_EXIT, int(ttl)), lockfile] if start else None
    return RunCache(address, spawn_args=spawn, ttl=ttl, log=log)


def invalidate_item(vault_id, item_id):
    """Forget a Connect item in the run-wide cache (call after writing it).

    Drops the item, its files, and the title-to-id lookups of its vault for
    every Connect host and token. Does nothing when no cache runs.
    Returns the number of entries dropped.
    """
    cache = run_cache(start=False)
    if cache is None:
        return 0
    try:
        return cache.invalidate_item(vault_id, item_id)
    finally:
        cache.close()


def invalidate_all():
    """Forget every entry of the run-wide cache. Returns the number dropped."""
    cache = run_cache(start=False)
    if cache is None:
        return 0
    try:
        return cache.invalidate_all()
    finally:
        cache.close()


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "serve":
        _serve_main(sys.argv[2:])
    else:
        sys.stderr.write("usage: _cache.py serve <address> <watch_pid> <idle_seconds> [lockfile]\n")
        sys.exit(2)
