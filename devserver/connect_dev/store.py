"""SQLite storage in the data directory (1password.sqlite).

Writes are serialised: one lock inside the process and BEGIN IMMEDIATE across
processes (the api and sync roles, and the CLI, may share the data directory).
A read-modify-write (PUT/PATCH) runs entirely inside one write transaction, so
concurrent writers never lose an update.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sqlite3
import threading
import time

from .items import render_summary
from .util import new_id, now_rfc3339


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


DB_NAME = "1password.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS vaults (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'USER_CREATED',
    attribute_version INTEGER NOT NULL DEFAULT 1,
    content_version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL REFERENCES vaults(id),
    title TEXT NOT NULL,
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    summary TEXT
);
CREATE INDEX IF NOT EXISTS items_vault ON items (vault_id, seq);
CREATE INDEX IF NOT EXISTS items_seq ON items (seq);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    vault_id TEXT NOT NULL,
    name TEXT NOT NULL,
    section_id TEXT,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_item ON files (item_id, seq);
CREATE INDEX IF NOT EXISTS files_seq ON files (seq);
CREATE TABLE IF NOT EXISTS activity (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL
);
"""


class Store:
    def __init__(self, data_dir: str, busy_timeout: float = 30.0):
        self.data_dir = data_dir
        os.makedirs(data_dir, mode=0o700, exist_ok=True)
        self.path = os.path.join(data_dir, DB_NAME)
        try:
            # The database holds secret values: private to the server's user,
            # and never created through a symlink someone else planted.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            pass
        self.busy_timeout = busy_timeout
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._all = []
        self._pool_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._local = threading.local()  # the thread's open write transaction, if any
        self._activity = []
        self._activity_lock = threading.Lock()
        self._activity_last_flush = time.monotonic()
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with self._write_lock:
                conn.executescript(SCHEMA)
                columns = [row[1] for row in conn.execute("PRAGMA table_info(items)")]
                if "summary" not in columns:  # databases from before the summary column
                    conn.execute("ALTER TABLE items ADD COLUMN summary TEXT")
        finally:
            self._release(conn)

    # -- connections -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            pass
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=%d" % int(self.busy_timeout * 1000))
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._pool_lock:
            self._all.append(conn)
        return conn

    def _release(self, conn) -> None:
        self._pool.put(conn)

    @contextlib.contextmanager
    def read(self):
        current = getattr(self._local, "conn", None)
        if current is not None:  # inside this thread's write transaction: see its changes
            yield current
            return
        conn = self._connect()
        try:
            yield conn
        finally:
            self._release(conn)

    @contextlib.contextmanager
    def write(self):
        """One write transaction; a write() nested in it on the same thread
        joins it, so a caller can make many changes all-or-nothing."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self._write_lock:
            conn = self._connect()
            try:
                self._begin(conn)
                self._local.conn = conn
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                finally:
                    self._local.conn = None
                conn.execute("COMMIT")
            finally:
                self._release(conn)

    def _begin(self, conn) -> None:
        deadline = time.monotonic() + self.busy_timeout * 4
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self.flush_activity()
        with self._pool_lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all = []

    # -- vaults ----------------------------------------------------------------
    @staticmethod
    def _vault_row(row, count) -> dict:
        return {
            "id": row[0], "name": row[1], "description": row[2], "type": row[3],
            "attributeVersion": row[4], "contentVersion": row[5], "items": count,
            "createdAt": row[6], "updatedAt": row[7],
        }

    _VAULT_COLS = "id, name, description, type, attribute_version, content_version, created_at, updated_at"

    def list_vaults(self) -> list:
        with self.read() as conn:
            rows = conn.execute("SELECT %s FROM vaults ORDER BY created_at, id" % self._VAULT_COLS).fetchall()
            counts = dict(conn.execute("SELECT vault_id, COUNT(*) FROM items GROUP BY vault_id").fetchall())
        return [self._vault_row(r, counts.get(r[0], 0)) for r in rows]

    def get_vault(self, vault_id: str):
        with self.read() as conn:
            row = conn.execute("SELECT %s FROM vaults WHERE id = ?" % self._VAULT_COLS, (vault_id,)).fetchone()
            if row is None:
                return None
            count = conn.execute("SELECT COUNT(*) FROM items WHERE vault_id = ?", (vault_id,)).fetchone()[0]
        return self._vault_row(row, count)

    def find_vaults(self, name: str) -> list:
        return [v for v in self.list_vaults() if v["name"] == name]

    def create_vault(self, name: str, description: str = "", vault_id: str | None = None, vtype: str = "USER_CREATED") -> dict:
        now = now_rfc3339()
        vid = vault_id or new_id()
        with self.write() as conn:
            conn.execute(
                "INSERT INTO vaults (id, name, description, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (vid, name, description, vtype, now, now),
            )
        return self.get_vault(vid)

    def update_vault(self, vault_id: str, description: str) -> None:
        with self.write() as conn:
            conn.execute(
                "UPDATE vaults SET description = ?, attribute_version = attribute_version + 1, updated_at = ? WHERE id = ?",
                (description, now_rfc3339(), vault_id),
            )

    @staticmethod
    def _touch_vault(conn, vault_id: str) -> None:
        conn.execute(
            "UPDATE vaults SET content_version = content_version + 1, updated_at = ? WHERE id = ?",
            (now_rfc3339(), vault_id),
        )

    # -- items -----------------------------------------------------------------
    def list_items(self, vault_id: str) -> list:
        with self.read() as conn:
            rows = conn.execute("SELECT doc FROM items WHERE vault_id = ? ORDER BY seq", (vault_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def list_summaries(self, vault_id: str) -> list:
        """The rendered item summaries as JSON text (no parsing of full items)."""
        with self.read() as conn:
            rows = conn.execute("SELECT id, summary, doc FROM items WHERE vault_id = ? ORDER BY seq", (vault_id,)).fetchall()
        return [r[1] if r[1] is not None else _dump(render_summary(json.loads(r[2]))) for r in rows]

    def vault_exists(self, vault_id: str) -> bool:
        with self.read() as conn:
            return conn.execute("SELECT 1 FROM vaults WHERE id = ?", (vault_id,)).fetchone() is not None

    def get_item(self, vault_id: str, item_id: str):
        with self.read() as conn:
            row = conn.execute("SELECT doc FROM items WHERE id = ? AND vault_id = ?", (item_id, vault_id)).fetchone()
        return json.loads(row[0]) if row else None

    def insert_item(self, item: dict) -> dict:
        with self.write() as conn:
            self._insert_item(conn, item)
        return item

    def insert_items(self, batch: list) -> None:
        """Insert many items in one transaction (seeding, benchmarks)."""
        with self.write() as conn:
            for item in batch:
                self._insert_item(conn, item)

    def _insert_item(self, conn, item: dict) -> None:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM items").fetchone()[0]
        conn.execute(
            "INSERT INTO items (id, vault_id, title, doc, seq, summary) VALUES (?, ?, ?, ?, ?, ?)",
            (item["id"], item["vault_id"], item["title"], _dump(item), seq, _dump(render_summary(item))),
        )
        self._touch_vault(conn, item["vault_id"])

    def update_item(self, vault_id: str, item_id: str, change):
        """Atomically replace an item: change(current) -> new item, or None to keep it.

        Returns (item, changed) or None when the item does not exist.
        """
        with self.write() as conn:
            row = conn.execute("SELECT doc FROM items WHERE id = ? AND vault_id = ?", (item_id, vault_id)).fetchone()
            if row is None:
                return None
            current = json.loads(row[0])
            new = change(current)
            if new is None:
                return current, False
            conn.execute(
                "UPDATE items SET title = ?, doc = ?, summary = ? WHERE id = ?",
                (new["title"], _dump(new), _dump(render_summary(new)), item_id),
            )
            self._touch_vault(conn, vault_id)
        return new, True

    def delete_item(self, vault_id: str, item_id: str) -> bool:
        with self.write() as conn:
            cur = conn.execute("DELETE FROM items WHERE id = ? AND vault_id = ?", (item_id, vault_id))
            if cur.rowcount == 0:
                return False
            conn.execute("DELETE FROM files WHERE item_id = ?", (item_id,))
            self._touch_vault(conn, vault_id)
        return True

    # -- files -----------------------------------------------------------------
    def list_files(self, item_id: str, with_content: bool = False) -> list:
        cols = "id, name, section_id, size" + (", content" if with_content else "")
        with self.read() as conn:
            rows = conn.execute("SELECT %s FROM files WHERE item_id = ? ORDER BY seq" % cols, (item_id,)).fetchall()
        out = []
        for r in rows:
            entry = {"id": r[0], "name": r[1], "section_id": r[2], "size": r[3]}
            if with_content:
                entry["content"] = bytes(r[4])
            out.append(entry)
        return out

    def get_file_content(self, item_id: str, file_id: str):
        with self.read() as conn:
            row = conn.execute("SELECT content FROM files WHERE id = ? AND item_id = ?", (file_id, item_id)).fetchone()
        return bytes(row[0]) if row else None

    def add_file(self, vault_id: str, item_id: str, name: str, content: bytes, section_id: str | None = None,
                 file_id: str | None = None) -> str:
        fid = file_id or new_id()
        with self.write() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM files").fetchone()[0]
            conn.execute(
                "INSERT INTO files (id, item_id, vault_id, name, section_id, size, content, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (fid, item_id, vault_id, name, section_id, len(content), content, seq),
            )
        return fid

    def replace_files(self, vault_id: str, item_id: str, files: list) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM files WHERE item_id = ?", (item_id,))
        for f in files:
            self.add_file(vault_id, item_id, f["name"], f["content"], f.get("section_id"))

    # -- activity --------------------------------------------------------------
    def record_activity(self, doc: dict) -> None:
        """Buffered: records are written in batches to keep reads cheap."""
        with self._activity_lock:
            self._activity.append(json.dumps(doc, separators=(",", ":")))
            due = len(self._activity) >= 200 or time.monotonic() - self._activity_last_flush > 1.0
        if due:
            self.flush_activity()

    def flush_activity(self) -> None:
        with self._activity_lock:
            pending, self._activity = self._activity, []
            self._activity_last_flush = time.monotonic()
        if not pending:
            return
        with self.write() as conn:
            conn.executemany("INSERT INTO activity (doc) VALUES (?)", [(p,) for p in pending])

    def list_activity(self, limit: int, offset: int, vault_ids=None, jti: str | None = None):
        """Newest first; returns (records, total).

        With vault_ids, only the records on those vaults and those made by the
        token jti."""
        self.flush_activity()
        where, params = "", ()
        if vault_ids is not None:
            where = ("WHERE json_extract(doc, '$.resource.vault.id') IN (SELECT value FROM json_each(?))"
                     " OR json_extract(doc, '$.actor.jti') = ?")
            params = (_dump(list(vault_ids)), jti or "")
        with self.read() as conn:
            total = conn.execute("SELECT COUNT(*) FROM activity " + where, params).fetchone()[0]
            rows = conn.execute(
                "SELECT doc FROM activity %s ORDER BY seq DESC LIMIT ? OFFSET ?" % where, params + (limit, offset)
            ).fetchall()
        return [json.loads(r[0]) for r in rows], total

    def ping(self) -> bool:
        try:
            with self.read() as conn:
                conn.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False
