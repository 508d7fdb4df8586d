"""The PostgreSQL store: the same :class:`~summarizer.store.Store` as SQLite, on a server.

``NEWSBOT_DB=postgresql://user:password@host:5432/dbname`` selects it, so several bot
instances and poll workers share one store; the server does the coordination (row
locks, unique constraints, ``SKIP LOCKED``, advisory locks).

Driver: psycopg 3, synchronous, because the :class:`Store` interface is synchronous and
is called both from the event loop and from worker threads. One connection guarded by
one lock serves a process; every write is one transaction, every read one statement in
autocommit mode. A connection lost (the server restarted) is opened again: a read that
found it lost is tried once more; a write raises (it may or may not have been
committed, so it is never repeated behind the caller's back) and the next call
reconnects.

Schema: the migrations have the same numbering and meaning as SQLite's; the version
applied is kept in ``schema_version``. Migrating runs in one transaction under
``pg_advisory_xact_lock``, so several processes starting at once apply each migration
once. Tables are created in the first schema of ``search_path``. Times stay ISO 8601
text as on SQLite (``COLLATE "C"`` so they compare byte by byte, as SQLite's do),
except ``sources.lease_until`` (timestamptz).

Full-text search: each sentence has a ``tsvector`` (GIN-indexed) built with the
``english`` or ``russian`` configuration after its article's language, ``simple`` for
others. The text is folded in Python first, as SQLite's ``unicode61 remove_diacritics
2`` tokenizer folds it: lower case, Latin letters without their accents (Cyrillic
letters keep theirs), words split at anything that is not a letter or digit. A query
term is looked up in all three configurations, so an English question finds a Russian
article's Latin names and the reverse. The ranking is BM25 with FTS5's constants
(k1 = 1.2, b = 0.75, IDF floored at 1e-6): the document frequency of each term is
counted over the matching sentences, the sentence count and the average length come
from ``search_stats``. One difference: a term's frequency within a sentence counts as
one.

Text is stored as given, except NUL characters, which PostgreSQL text cannot hold and
which are dropped.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ..errors import BadInput
from .migrations import PG_MIGRATIONS
from .records import (
    ADMIN_SOURCE_KIND,
    SentenceHit,
    Source,
    StoredMention,
    aware,
    hit_from_row,
    mention_from_row,
    source_from_row,
)
from .sql import Dialect, Params, SQLStore, Tx

POSTGRES = Dialect(
    param="%s",
    true="TRUE",
    false="FALSE",
    row_locks=True,
    greatest="greatest",
    arrays=True,
    strip_nul=True,
    like_escape=True,
    retry_error=psycopg.errors.SerializationFailure,
)

# two int4 keys for pg_advisory_xact_lock: this constant and the schema's hash, so
# stores in different schemas of one database migrate independently
_MIGRATION_LOCK = 0x6E62  # "nb"

_CONFIGS = {"en": "english", "ru": "russian"}  # the rest: simple
_QUERY_CONFIGS = ("english", "russian", "simple")
_TOKEN = re.compile(r"[^\W_]+")

# FTS5's BM25 constants
_K1 = 1.2
_B = 0.75

Connection = psycopg.Connection[dict[str, Any]]


def _redact(url: str) -> str:
    return re.sub(r"(//[^:/@]*):[^@]*@", r"\1:***@", url)


class PostgresStore(SQLStore):
    """The shared store on a PostgreSQL server. Safe to share between threads (one lock)."""

    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.RLock()
        self._closed = False
        self._db = self._connect()
        try:
            self._migrate()
        except psycopg.Error as exc:
            self._db.close()
            raise BadInput(f"cannot prepare the store {_redact(url)}: {exc}") from exc

    # -- plumbing

    def _connect(self) -> Connection:
        try:
            db = psycopg.connect(
                self._url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=10,
                application_name="newsbot",
            )
        except psycopg.Error as exc:
            reason = " ".join(line.strip() for line in str(exc).splitlines()) or type(exc).__name__
            raise BadInput(f"cannot open the store {_redact(self._url)}: {reason}") from exc
        # "the query has only stop words" and the like: nothing to report
        db.add_notice_handler(lambda _diagnostic: None)
        # short queries only: JIT compiling one (it is on by default) costs more than it saves
        db.execute("SET jit = off")
        return db

    def _conn(self) -> Connection:
        """The connection, opened again if the server dropped it."""
        if self._db.closed and not self._closed:
            self._db = self._connect()
        return self._db

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self._lock:
            db = self._conn()
            with db.transaction():
                yield db

    def _fetch(self, sql: str, params: Params) -> list[dict[str, Any]]:
        with self._lock:
            try:
                return self._conn().execute(sql, params).fetchall()
            except psycopg.OperationalError:
                if not self._db.closed or self._closed:
                    raise
                # the connection was lost (a server restart, an idle timeout): a read
                # changes nothing, so it is safe to try once more on a new connection
                return self._conn().execute(sql, params).fetchall()

    def _many(self, db: Connection, sql: str, rows: list) -> None:
        with db.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _migrate(self) -> None:
        with self._begin() as db:
            db.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                (_MIGRATION_LOCK,),
            )
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                version = 0
                found = db.execute("SELECT to_regclass('articles') AS t").fetchone()
                if found is not None and found["t"]:
                    raise BadInput("the store's schema already has newsbot's tables, unversioned")
                db.execute("INSERT INTO schema_version (version) VALUES (0)")
            else:
                version = int(row["version"])
            if version > len(PG_MIGRATIONS):
                raise BadInput("the store was written by a newer newsbot; upgrade newsbot")
            for number, script in enumerate(PG_MIGRATIONS[version:], start=version + 1):
                db.execute(script.encode())  # several statements, no parameters
                db.execute("UPDATE schema_version SET version = %s", (number,))

    @property
    def schema_version(self) -> int:
        row = self._one("SELECT version FROM schema_version")
        return int(row["version"]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

    # -- what PostgreSQL does its own way

    def _add_sentences(
        self, tx: Tx, article_id: int, language: str | None, sentences: Sequence[str]
    ) -> int:
        config = _config(language)
        rows = []
        tokens = 0
        for position, sentence in enumerate(sentences):
            folded = search_fold(sentence)
            count = len(folded.split())
            tokens += count
            rows.append((article_id, position, self.dialect.clean(sentence), config, folded, count))
        tx.many(
            """INSERT INTO sentences (article_id, position, text, tsv, n_tokens)
               VALUES (?, ?, ?, to_tsvector(?::regconfig, ?), ?)""",
            rows,
        )
        return tokens

    def _sentences_added(self, tx: Tx, sentences: int, tokens: int) -> None:
        tx.run(
            "UPDATE search_stats SET sentences = sentences + ?, tokens = tokens + ?",
            (sentences, tokens),
        )

    def mentions_in(self, sentences: Sequence[tuple[int, int]]) -> list[StoredMention]:
        if not sentences:
            return []
        rows = self._read(
            """SELECT m.* FROM mentions m
               JOIN (SELECT DISTINCT * FROM unnest(?::bigint[], ?::int[])) AS w(a, p)
                 ON m.article_id = w.a AND m.position = w.p
               ORDER BY m.article_id, m.position, m.start""",
            ([a for a, _ in sentences], [p for _, p in sentences]),
        )
        return [mention_from_row(r) for r in rows]

    def search_sentences(
        self, terms: Sequence[str], limit: int = 20, language: str | None = None
    ) -> list[SentenceHit]:
        sources = list(dict.fromkeys(s for s in map(_query_source, terms) if s))
        if not sources:
            return []
        # each term's tsquery: the union over the three configurations
        flags = ", ".join(f"s.tsv @@ ({_tsquery_sql('%s')})" for _ in sources)
        params: list[object] = [s for s in sources for _ in _QUERY_CONFIGS]
        everything = " | ".join(f"({s})" for s in sources)
        params.extend([everything] * len(_QUERY_CONFIGS))
        filtered = ""
        if language:
            filtered = "JOIN articles a ON a.id = m.article_id AND a.language = %s"
            params.append(language)
        params.append(limit)
        # BM25 as FTS5 computes it (see the module's docstring): every match is scored,
        # the document frequencies are counted over all matches (which terms each one
        # matches is found in the one index scan), then the best few are joined
        sql = f"""
            WITH m AS MATERIALIZED (
                SELECT s.id, s.article_id, s.n_tokens, ARRAY[{flags}] AS matched
                FROM sentences s
                WHERE s.tsv @@ ({_tsquery_sql("%s")})
            ),
            hit AS MATERIALIZED (
                SELECT m.id, f.i FROM m, unnest(m.matched) WITH ORDINALITY AS f(yes, i)
                WHERE f.yes
            ),
            df AS (SELECT i, count(*)::float8 AS n FROM hit GROUP BY i),
            st AS MATERIALIZED (
                SELECT greatest(sentences, 1)::float8 AS total,
                       greatest(tokens, 1)::float8 / greatest(sentences, 1) AS avgdl
                FROM search_stats WHERE id = 1
            ),
            ranked AS (
                SELECT m.id, sum(
                    greatest(ln((st.total - df.n + 0.5) / (df.n + 0.5)), 1e-6)
                    * {_K1 + 1} / (1 + {_K1} * (1 - {_B} + {_B} * m.n_tokens / st.avgdl))
                ) AS score
                FROM m JOIN hit ON hit.id = m.id JOIN df ON df.i = hit.i CROSS JOIN st
                {filtered}
                GROUP BY m.id
                ORDER BY score DESC, m.id
                LIMIT %s
            )
            SELECT s.article_id, s.position, s.text, r.score, a.url, a.title, a.published
            FROM ranked r
            JOIN sentences s ON s.id = r.id
            JOIN articles a ON a.id = s.article_id
            ORDER BY r.score DESC, r.id"""
        return [hit_from_row(r, float(r["score"])) for r in self._fetch(sql, params)]

    def claim_sources(
        self,
        worker: str,
        *,
        min_age: float,
        lease_seconds: float,
        max_backoff: float,
        limit: int = 100,
        now: datetime | None = None,
    ) -> list[Source]:
        now = aware(now)
        with self._begin() as db:
            # SKIP LOCKED: a source another worker is claiming right now is left to it;
            # a lease it committed before is seen (and re-checked) through lease_until
            rows = db.execute(
                """SELECT * FROM sources
                   WHERE kind <> %(admin)s
                     AND (lease_until IS NULL OR lease_until <= %(now)s)
                     AND (last_polled IS NULL
                          OR last_polled::timestamptz <= %(now)s - make_interval(secs =>
                              CASE WHEN failures > 0
                                   THEN least(%(min_age)s * power(2::float8, least(failures, 62)),
                                              %(max_backoff)s)
                                   ELSE %(min_age)s END))
                   ORDER BY last_polled::timestamptz NULLS FIRST, id
                   LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED""",
                {
                    "admin": ADMIN_SOURCE_KIND,
                    "now": now,
                    "min_age": float(min_age),
                    "max_backoff": float(max_backoff),
                    "limit": max(0, limit),
                },
            ).fetchall()
            if rows:
                db.execute(
                    """UPDATE sources SET leased_by = %s, lease_until = %s
                       WHERE id = ANY(%s::bigint[])""",
                    (worker, now + timedelta(seconds=lease_seconds), [r["id"] for r in rows]),
                )
        return [source_from_row(row) for row in rows]


def search_fold(text: str) -> str:
    """Text as SQLite's ``unicode61 remove_diacritics 2`` sees it: lower case, Latin
    letters without accents, words (letters and digits) separated by single spaces."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if unicodedata.combining(ch) and out and _latin(out[-1]):
            continue
        out.append(ch)
    return " ".join(_TOKEN.findall(unicodedata.normalize("NFC", "".join(out))))


def _latin(ch: str) -> bool:
    return ch.isascii() or ("\u00c0" <= ch <= "\u024f") or ("\u1e00" <= ch <= "\u1eff")


def _config(language: str | None) -> str:
    return _CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def _query_source(term: str) -> str:
    """A search term as to_tsquery input: a prefix for one word longer than three
    letters, a phrase for several (as ``summarizer.store._fts_term`` does for FTS5)."""
    words = search_fold(term).split()
    if not words:
        return ""
    if len(words) == 1:
        return f"'{words[0]}':*" if len(words[0]) > 3 else f"'{words[0]}'"
    return " <-> ".join(f"'{w}'" for w in words)


def _tsquery_sql(param: str) -> str:
    """SQL for the union of a to_tsquery source over the query configurations."""
    return " || ".join(f"to_tsquery('{c}', {param})" for c in _QUERY_CONFIGS)
