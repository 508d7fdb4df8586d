"""The embedded store: SQLite in WAL mode, sentences full-text indexed by FTS5.

One connection guarded by one lock serves a process; every write is one
``BEGIN IMMEDIATE`` transaction, which takes the database's write lock first, so
row locks are not needed. The schema version is ``PRAGMA user_version``.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import BadInput
from .dialect import Dialect, Params, Tx
from .migrations import scripts
from .records import (
    ADMIN_SOURCE_KIND,
    Due,
    Row,
    poll_delay,
)
from .sql import SQLStore

SQLITE = Dialect(retry_error=sqlite3.OperationalError)

MIGRATIONS: list[str] = scripts(
    SQLITE,
    sentences="""
        UNIQUE (article_id, position)
    );
    CREATE VIRTUAL TABLE sentences_fts USING fts5(
        text, content='sentences', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER sentences_ai AFTER INSERT ON sentences BEGIN
        INSERT INTO sentences_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER sentences_ad AFTER DELETE ON sentences BEGIN
        INSERT INTO sentences_fts(sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;""",
    not_done="done = 0",
    pending="facts_pending = 1",
)


#: SQLite's names for a file whose pages are not what it wrote (the prefix of each)
_DAMAGED = ("SQLITE_CORRUPT_", "SQLITE_NOTADB_")


@contextmanager
def _said(store: SQLiteStore) -> Iterator[None]:
    """A store that cannot be written (a read-only file, a full disk) or whose file is
    corrupt as a BadInput with a sentence for the user (a corrupt one also marks the
    store :attr:`~summarizer.store.Store.damaged`); any other database error as it is."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        name = f"{getattr(exc, 'sqlite_errorname', '')}_"  # SQLITE_READONLY_DIRECTORY_, …
        if name.startswith("SQLITE_READONLY_"):
            raise BadInput("store.read_only", reason=exc) from exc
        if name.startswith("SQLITE_FULL_"):
            raise BadInput("store.full", reason=exc) from exc
        if name.startswith(_DAMAGED):
            store.damaged = str(exc)
            raise BadInput("store.damaged", reason=exc) from exc
        raise


class SQLiteStore(SQLStore):
    """The embedded store. Safe to share between threads (one lock)."""

    dialect = SQLITE

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise BadInput("store.no_folder", folder=parent)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            # first: a process opening the same new file at this moment holds its lock
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise BadInput("store.cannot_open", path=path, reason=exc) from exc
        self._path = path
        self._lock = threading.RLock()
        self._migrate()

    # -- plumbing

    @contextmanager
    def _begin(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _said(self):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _fetch(self, sql: str, params: Params) -> list[sqlite3.Row]:
        with self._lock, _said(self):
            return self._db.execute(sql, params).fetchall()

    def _many(self, db: sqlite3.Connection, sql: str, rows: list) -> None:
        db.executemany(sql, rows)

    def _migrate(self) -> None:
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BadInput("store.not_newsbot", reason=exc) from exc
        if version > len(MIGRATIONS):
            raise BadInput("store.newer")
        while version < len(MIGRATIONS):
            # the version is read again under the write lock: another process opening the
            # same new store may have applied this migration since
            with self._begin() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version < len(MIGRATIONS):
                    for statement in _statements(MIGRATIONS[version]):
                        db.execute(statement)
                    version += 1
                    db.execute(f"PRAGMA user_version = {version}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- health

    def check(self) -> None:
        # quick_check: every page read and each b-tree walked, without matching the
        # indexes to their tables (integrity_check's slow part)
        rows = self._fetch("PRAGMA quick_check", ())
        found = [str(row[0]) for row in rows]
        if found != ["ok"]:
            self.damaged = "; ".join(found[:3])
            raise BadInput("store.damaged", reason=self.damaged)
        super().check()

    def disk_free(self) -> int | None:
        if self._path == ":memory:":
            return None
        return shutil.disk_usage(Path(self._path).expanduser().resolve().parent).free

    # -- what SQLite does its own way

    def _add_sentences(
        self, tx: Tx, article_id: int, language: str | None, sentences: Sequence[str]
    ) -> int:
        # the FTS5 index follows the table through its triggers
        tx.many(
            "INSERT INTO sentences (article_id, position, text) VALUES (?, ?, ?)",
            [(article_id, i, self.dialect.clean(s)) for i, s in enumerate(sentences)],
        )
        return 0

    def _search(self, terms: Sequence[str], limit: int, language: str | None) -> list[Row]:
        query = " OR ".join(_fts_term(t) for t in terms if _fts_term(t))
        if not query:
            return []
        # rank inside the full-text index first; join only the few best
        params: list[object] = [query]
        ranked = "SELECT rowid, rank AS score FROM sentences_fts WHERE sentences_fts MATCH ?"
        if language:
            ranked += (
                " AND rowid IN (SELECT s.id FROM sentences s JOIN articles a"
                " ON a.id = s.article_id WHERE a.language = ?)"
            )
            params.append(language)
        ranked += " ORDER BY rank LIMIT ?"
        params.append(limit)
        sql = f"""SELECT s.article_id, s.position, s.text, -m.score AS score,
                         a.url, a.title, a.published
                  FROM ({ranked}) m
                  JOIN sentences s ON s.id = m.rowid
                  JOIN articles a ON a.id = s.article_id
                  ORDER BY m.score"""
        return self._fetch(sql, params)

    def _mentions(self, sentences: Sequence[tuple[int, int]]) -> list[Row]:
        out: list[Row] = []
        for start in range(0, len(sentences), 200):
            chunk = sentences[start : start + 200]
            clause = " OR ".join("(article_id = ? AND position = ?)" for _ in chunk)
            rows = self._fetch(
                f"SELECT * FROM mentions WHERE {clause} ORDER BY article_id, position, start",
                [value for pair in chunk for value in pair],
            )
            out.extend(rows)
        return out

    def _claim(
        self, worker: str, now: datetime, lease: timedelta, due: Due, limit: int
    ) -> list[Row]:
        stamp = now.isoformat(timespec="microseconds")
        until = (now + lease).isoformat(timespec="microseconds")
        # BEGIN IMMEDIATE takes the write lock first: no other process selects the same
        # sources between this select and this update
        with self._tx() as tx:
            rows = tx.all(
                """SELECT * FROM sources WHERE kind != ?
                       AND (lease_until IS NULL OR lease_until <= ?)""",
                (ADMIN_SOURCE_KIND, stamp),
            )
            ready = [r for r in rows if _is_due(r["last_polled"], int(r["failures"]), now, due)]
            ready.sort(key=lambda row: (row["last_polled"] is not None, _when(row), row["id"]))
            ready = ready[:limit]
            tx.many(
                "UPDATE sources SET leased_by = ?, lease_until = ? WHERE id = ?",
                [(worker, until, row["id"]) for row in ready],
            )
        return ready


def _is_due(last_polled: str | None, failures: int, now: datetime, due: Due) -> bool:
    if not last_polled:
        return True
    try:
        last = datetime.fromisoformat(last_polled)
    except ValueError:
        return True  # an unreadable time: poll, and update_source writes a good one
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return (now - last).total_seconds() >= poll_delay(failures, due.min_age, due.max_backoff)


def _when(row: sqlite3.Row) -> datetime:
    """A source's last poll as a datetime, for ordering (the epoch when unreadable)."""
    try:
        last = datetime.fromisoformat(row["last_polled"] or "")
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return last.replace(tzinfo=UTC) if last.tzinfo is None else last


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out


def _fts_term(term: str) -> str:
    """Quote one search term for FTS5 so that user text is never FTS syntax."""
    words = re.findall(r"\w+", term)
    if not words:
        return ""
    phrase = " ".join(words).replace('"', "")
    return f'"{phrase}"*' if len(words) == 1 and len(words[0]) > 3 else f'"{phrase}"'
