"""The store: articles, their sentences (full-text indexed), sources and posts.

Everything outside this module speaks to :class:`Store`; only this module
speaks SQL (with :mod:`summarizer.store_pg`). :func:`open_store` picks the backend
from ``NEWSBOT_DB``: a file path or ``sqlite:///path`` gives the embedded SQLite store
(WAL mode, FTS5); a ``postgresql://`` URL the PostgreSQL store, which several
processes share.

The schema is versioned: :data:`MIGRATIONS` is a list of scripts, and the
store applies those newer than ``PRAGMA user_version`` at open, each in one
transaction. ``store_pg.PG_MIGRATIONS`` has the same numbering and meaning for
PostgreSQL; a change to the schema is a new entry at the end of both lists.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .article import Article
from .errors import BadInput
from .urls import normalize_url

if TYPE_CHECKING:
    from .facts import Analysis


@dataclass
class StoredArticle:
    id: int
    article: Article
    summary: list[str]
    ingested_at: str


@dataclass
class SentenceHit:
    article_id: int
    position: int
    text: str
    score: float
    url: str | None
    title: str | None
    published: str | None


@dataclass
class Source:
    id: int
    kind: str
    key: str
    url: str
    added_at: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_error: str | None = None
    failures: int = 0
    state: dict[str, object] = field(default_factory=dict)


@dataclass
class IngestResult:
    article_id: int
    created: bool  # False when the article was already stored (same URL or same text)


def content_hash(text: str) -> str:
    """A hash of the article text that ignores case, spacing and punctuation."""
    folded = " ".join(re.findall(r"\w+", text.casefold()))
    return hashlib.sha256(folded.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class StoredFact:
    """A fact with the sentence it rests on and where that sentence comes from."""

    id: int
    article_id: int
    position: int
    kind: str  # "role" or "rel"
    subject: str
    subject_key: str
    predicate: str
    object: str | None
    object_terms: list[str]
    detail: dict[str, Any]
    sentence: str
    url: str | None
    title: str | None
    published: str | None


@dataclass
class UnfinishedUpdate:
    """A Telegram update claimed by a process that died before answering it."""

    update_id: int
    payload: str  # the update as JSON (Update.to_json)
    progress_id: int | None  # the "Reading…" message already sent for it, if any


def _replay_window(older_than: float, max_age: float) -> tuple[str, str]:
    """``handled_at`` bounds for :meth:`Store.unfinished_updates`: (claimed before, too old)."""
    now = datetime.now(UTC)
    before = (now - timedelta(seconds=older_than)).isoformat(timespec="seconds")
    return before, (now - timedelta(seconds=max_age)).isoformat(timespec="seconds")


def sort_unfinished(
    rows: Sequence[Any], max_attempts: int, stale: str
) -> tuple[list[int], list[UnfinishedUpdate]]:
    """Unfinished update rows split into (ids to drop, updates to hand back).

    Dropped: tried ``max_attempts`` times, claimed before ``stale``, or kept no payload.
    """
    dropped: list[int] = []
    kept: list[UnfinishedUpdate] = []
    for row in rows:
        if row["attempts"] >= max_attempts or row["handled_at"] < stale or not row["payload"]:
            dropped.append(row["update_id"])
        else:
            kept.append(UnfinishedUpdate(row["update_id"], row["payload"], row["progress_id"]))
    return dropped, kept


@dataclass
class StoredMention:
    article_id: int
    position: int
    start: int
    stop: int
    text: str
    label: str
    key: str
    head: str


@dataclass
class PendingFacts:
    """An article stored before its facts were read (see :meth:`Store.pending_facts`)."""

    article_id: int
    language: str | None
    title: str | None
    sentences: list[str]


class FactStore(ABC):
    """The part of the store the answers read."""

    @abstractmethod
    def find_facts(
        self,
        *,
        kind: str | None = None,
        predicates: Sequence[str] = (),
        subject_keys: Sequence[str] = (),
        terms: Sequence[str] = (),
        limit: int = 500,
    ) -> list[StoredFact]:
        """Facts matching every given filter (``terms``: any of them among the object's)."""

    @abstractmethod
    def mentions_in(self, sentences: Sequence[tuple[int, int]]) -> list[StoredMention]:
        """The entity mentions in the given (article id, sentence position) pairs."""

    @abstractmethod
    def entity_names(self, keys: Sequence[str]) -> dict[str, str]:
        """The fullest stored name for each entity key."""

    @abstractmethod
    def find_entities(self, name: str, limit: int = 10) -> list[tuple[str, str, str]]:
        """(key, name, label) of entities whose name contains ``name`` (folded)."""

    @abstractmethod
    def sentence(self, article_id: int, position: int) -> str | None: ...


class Store(FactStore):
    """What the rest of newsbot may ask of a store (the facts part is in FactStore)."""

    @abstractmethod
    def add_article(
        self,
        article: Article,
        sentences: Sequence[str],
        summary: Sequence[str],
        analysis: Analysis | None = None,
        *,
        facts_pending: bool = False,
    ) -> IngestResult:
        """Store one article with its sentences, summary and facts, in one transaction.

        ``facts_pending``: the facts are read later (:func:`summarizer.facts.read_pending`);
        until then the article is listed by :meth:`pending_facts`.
        """

    @abstractmethod
    def pending_facts(
        self, article_ids: Sequence[int] | None = None, limit: int = 50
    ) -> list[PendingFacts]:
        """Articles whose facts are still to be read: those among ``article_ids`` (in
        that order), or when None the newest ones; at most ``limit``."""

    @abstractmethod
    def add_facts(self, article_id: int, analysis: Analysis | None) -> bool:
        """Store the facts of a pending article (None: it has none), in one transaction.

        False, storing nothing, when the article is not pending (any more): another
        process read its facts first, so they are stored exactly once.
        """

    @abstractmethod
    def count_pending_facts(self) -> int: ...

    @abstractmethod
    def find_article(self, url: str | None = None, text: str | None = None) -> int | None:
        """The id of a stored article with this (normalized) URL or this text."""

    @abstractmethod
    def get_article(self, article_id: int) -> StoredArticle | None: ...

    @abstractmethod
    def latest(self, limit: int = 10) -> list[StoredArticle]: ...

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def search_sentences(
        self, terms: Sequence[str], limit: int = 20, language: str | None = None
    ) -> list[SentenceHit]:
        """Sentences matching any of ``terms``, best (BM25) first."""

    @abstractmethod
    def add_source(self, kind: str, key: str, url: str) -> tuple[Source, bool]:
        """Watch a source; returns it and whether it is new."""

    @abstractmethod
    def remove_source(self, key: str) -> bool: ...

    @abstractmethod
    def list_sources(self) -> list[Source]: ...

    @abstractmethod
    def update_source(
        self,
        source_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        state: dict[str, object] | None = None,
    ) -> None:
        """Record one poll of a source: its validators, or the error it gave."""

    @abstractmethod
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
        """Atomically lease up to ``limit`` sources due for a poll and return them.

        Due: ``kind`` is not :data:`ADMIN_SOURCE_KIND` (their posts come as updates), the
        source is not leased (``lease_until`` NULL or past), and ``last_polled`` is NULL or
        older than ``min_age`` seconds, or, when ``failures > 0``, older than
        ``min(min_age * 2**failures, max_backoff)``. Oldest ``last_polled`` first (never
        polled first). The lease: ``leased_by = worker``, ``lease_until = now +
        lease_seconds``, so several workers never poll one source at once, and a source
        whose worker died is due again once its lease runs out.
        """

    @abstractmethod
    def release_source(self, source_id: int, worker: str) -> None:
        """Clear the lease if ``worker`` holds it (call after the poll and its update_source)."""

    @abstractmethod
    def seen_post(self, source_id: int, post_key: str) -> bool: ...

    @abstractmethod
    def mark_post(self, source_id: int, post_key: str, article_id: int | None) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- users and subscriptions

    @abstractmethod
    def upsert_user(self, user_id: int, chat_id: int, language_code: str | None) -> User:
        """Remember a user (and mark them active again); returns the stored row."""

    @abstractmethod
    def get_user(self, user_id: int) -> User | None: ...

    @abstractmethod
    def set_user_active(self, user_id: int, active: bool) -> None:
        """Mark a user inactive (they blocked the bot) or active again."""

    @abstractmethod
    def watch_source(self, user_id: int, kind: str, key: str, url: str) -> tuple[Source, bool]:
        """Add a source to a user's list (at most :data:`MAX_USER_SOURCES`).

        Returns the source and whether the user was not watching it yet.
        """

    @abstractmethod
    def unwatch_source(self, user_id: int, key: str) -> bool:
        """Take a source off a user's list; a source nobody watches any more is dropped."""

    @abstractmethod
    def user_sources(self, user_id: int) -> list[Source]: ...

    @abstractmethod
    def set_subscription(self, user_id: int, at: str | None, tz: str | None) -> None:
        """Set (or with None, clear) the time and zone of a user's daily digest."""

    @abstractmethod
    def claim_update(self, update_id: int, payload: str | None = None) -> bool:
        """True the first time a Telegram update id is claimed, False ever after.

        With ``payload`` (the update as JSON) the claim stays *unfinished* until
        :meth:`finish_update`: a process killed while handling it leaves it to
        :meth:`unfinished_updates`, so the update is handled again, not lost.
        """

    @abstractmethod
    def finish_update(self, update_id: int) -> None:
        """The update is handled (its answer sent): never handled again."""

    @abstractmethod
    def note_progress(self, update_id: int, message_id: int) -> None:
        """The "Reading…" message sent for an unfinished update: a rerun edits it."""

    @abstractmethod
    def unfinished_updates(
        self, *, older_than: float = 0.0, max_attempts: int = 3, max_age: float = 3600.0
    ) -> list[UnfinishedUpdate]:
        """Claimed updates never finished (their process died), oldest first.

        Only claims at least ``older_than`` seconds old. Each call counts an
        attempt; an update tried ``max_attempts`` times, or claimed more than
        ``max_age`` seconds ago (an answer that late helps nobody), is finished
        instead: an update that kills the process must not kill every restart.
        """

    # -- digests

    @abstractmethod
    def digest_settings(self, user_id: int) -> DigestSettings | None:
        """A user's digest settings (None for an unknown user)."""

    @abstractmethod
    def subscribers(self) -> list[DigestSettings]:
        """Every user with a digest time, active or not."""

    @abstractmethod
    def set_digest_options(
        self,
        user_id: int,
        *,
        frequency: str | None = None,
        skip_empty: bool | None = None,
        include: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> None:
        """Change the given digest settings of a user; None leaves a setting as it is."""

    @abstractmethod
    def digest_candidates(
        self, user_id: int, since: str | None, until: str, limit: int = 500
    ) -> list[DigestCandidate]:
        """Articles stored in (``since``, ``until``] from the user's sources (all, when the
        user watches none) and not yet in one of their digests; newest first."""

    @abstractmethod
    def begin_digest(
        self,
        key: str,
        user_id: int,
        slot: str,
        until: str,
        parts: Sequence[str],
        article_ids: Sequence[int],
    ) -> DigestDelivery:
        """Record the digest for ``key`` as pending, or return the one recorded before."""

    @abstractmethod
    def digest_part_sent(self, key: str, parts_sent: int) -> None:
        """Record that the first ``parts_sent`` messages of a pending digest were sent."""

    @abstractmethod
    def finish_digest(self, key: str, status: str) -> None:
        """Close a digest (``sent``, ``empty`` or ``blocked``). In the same transaction its
        articles are marked delivered to the user and the user's watermark moves on."""

    @abstractmethod
    def get_delivery(self, key: str) -> DigestDelivery | None: ...

    # -- stats

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counts for the admins' /stats: users, active users, subscribers, sources,
        failing sources, articles, posts read, pending digests, handled updates."""

    @abstractmethod
    def failing_sources(self, limit: int = 5) -> list[Source]:
        """The sources that failed most often in a row, worst first."""


MIGRATIONS: list[str] = [
    # 1: articles, sentences with FTS5, sources and posts
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT,
        url_key TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT,
        published TEXT,
        author TEXT,
        site TEXT,
        language TEXT,
        via TEXT,
        text TEXT NOT NULL,
        summary TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
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
    END;
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE posts (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        post_key TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (source_id, post_key)
    );
    """,
    # users of the bot, their watched sources, and the updates already handled
    # (channel offsets live in sources.state)
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        language_code TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        digest_time TEXT,
        digest_tz TEXT,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE user_sources (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (user_id, source_id)
    );
    CREATE INDEX user_sources_source ON user_sources(source_id);
    CREATE TABLE handled_updates (
        update_id INTEGER PRIMARY KEY,
        handled_at TEXT NOT NULL
    );
    """,
    # facts: entity mentions per sentence, canonical entity names, roles and relations
    """
    CREATE TABLE mentions (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start INTEGER NOT NULL,
        stop INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        key TEXT NOT NULL,
        head TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX mentions_key ON mentions(key);
    CREATE INDEX mentions_sentence ON mentions(article_id, position);
    CREATE TABLE entities (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        label TEXT NOT NULL,
        folded TEXT NOT NULL
    );
    CREATE TABLE facts (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object TEXT,
        object_terms TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX facts_subject ON facts(subject_key);
    CREATE INDEX facts_predicate ON facts(kind, predicate);
    CREATE TABLE fact_terms (
        fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
        term TEXT NOT NULL
    );
    CREATE INDEX fact_terms_term ON fact_terms(term);
    """,
    # digests: frequency, "skip when empty", keyword filters and the watermark per user;
    # one row per (user, slot) delivery, keyed for idempotency; the articles each user got
    """
    ALTER TABLE users ADD COLUMN digest_frequency TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE users ADD COLUMN digest_skip_empty INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN digest_filters TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE users ADD COLUMN digest_since TEXT;
    CREATE TABLE digest_deliveries (
        key TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slot TEXT NOT NULL,
        until TEXT NOT NULL,
        status TEXT NOT NULL,
        parts TEXT NOT NULL DEFAULT '[]',
        article_ids TEXT NOT NULL DEFAULT '[]',
        parts_sent INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX digest_deliveries_user ON digest_deliveries(user_id, slot);
    CREATE TABLE digest_items (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        delivery_key TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (user_id, article_id)
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    CREATE INDEX posts_article ON posts(article_id);
    """,
    # 5: shared polling: a source is leased by one worker at a time (claim_sources);
    # lease_until is an ISO 8601 UTC time with microseconds
    """
    ALTER TABLE sources ADD COLUMN lease_until TEXT;
    ALTER TABLE sources ADD COLUMN leased_by TEXT;
    """,
    # 6: updates handled at least once: an update claimed by a process killed before it
    # answered is kept (payload) until finished, and handled again after a restart
    """
    ALTER TABLE handled_updates ADD COLUMN payload TEXT;
    ALTER TABLE handled_updates ADD COLUMN done INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE handled_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE handled_updates ADD COLUMN progress_id INTEGER;
    CREATE INDEX handled_updates_unfinished ON handled_updates(done) WHERE done = 0;
    """,
    # 7: facts read after the article is stored (when first needed, or when idle):
    # articles stored before this version have theirs already
    """
    ALTER TABLE articles ADD COLUMN facts_pending INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_facts_pending ON articles(id) WHERE facts_pending = 1;
    """,
]

# summarizer.watch.ADMIN_KIND (not imported: watch imports this module): sources whose
# posts reach the bot as channel_post updates, never polled
ADMIN_SOURCE_KIND = "admin"


def _aware(now: datetime | None) -> datetime:
    """``now`` (the current time when None) as an aware UTC datetime."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def poll_delay(failures: int, min_age: float, max_backoff: float) -> float:
    """Seconds after its last poll before a source is due again (claim_sources)."""
    if failures <= 0:
        return float(min_age)
    return float(min(min_age * 2 ** min(failures, 62), max_backoff))


def _is_due(
    last_polled: str | None, failures: int, now: datetime, min_age: float, max_backoff: float
) -> bool:
    if not last_polled:
        return True
    try:
        last = datetime.fromisoformat(last_polled)
    except ValueError:
        return True  # an unreadable time: poll, and update_source writes a good one
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return (now - last).total_seconds() >= poll_delay(failures, min_age, max_backoff)


def open_store(db: str) -> Store:
    """Open the store named by ``db``: a path, ``sqlite:///path`` or ``:memory:`` for SQLite,
    a ``postgresql://`` (or ``postgres://``) URL for PostgreSQL (summarizer.store_pg)."""
    if db.startswith(("postgresql://", "postgres://")):
        try:
            from .store_pg import PostgresStore
        except ImportError as exc:  # psycopg missing: only PostgreSQL users need it
            raise BadInput("store.no_psycopg", reason=exc) from exc
        return PostgresStore(db)
    if db.startswith("sqlite:///"):
        db = db[len("sqlite:///") :]
    elif "://" in db:
        raise BadInput("store.bad_url", db=db)
    return SQLiteStore(db)


class SQLiteStore(Store):
    """The embedded store. Safe to share between threads (one lock)."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise BadInput("store.no_folder", folder=parent)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
        except sqlite3.DatabaseError as exc:
            raise BadInput("store.cannot_open", path=path, reason=exc) from exc
        self._lock = threading.RLock()
        self._migrate()

    # -- plumbing -----------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BadInput("store.not_newsbot", reason=exc) from exc
        if version > len(MIGRATIONS):
            raise BadInput("store.newer")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._tx() as db:
                for statement in _statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- articles -----------------------------------------------------------

    def find_article(self, url: str | None = None, text: str | None = None) -> int | None:
        with self._lock:
            if url:
                row = self._db.execute(
                    "SELECT id FROM articles WHERE url_key = ?", (normalize_url(url),)
                ).fetchone()
                if row:
                    return int(row[0])
            if text:
                row = self._db.execute(
                    "SELECT id FROM articles WHERE content_hash = ?", (content_hash(text),)
                ).fetchone()
                if row:
                    return int(row[0])
        return None

    def add_article(
        self,
        article: Article,
        sentences: Sequence[str],
        summary: Sequence[str],
        analysis: Analysis | None = None,
        *,
        facts_pending: bool = False,
    ) -> IngestResult:
        with self._tx() as db:
            existing = self.find_article(article.url, article.text)
            if existing is not None:
                return IngestResult(existing, created=False)
            cursor = db.execute(
                """INSERT INTO articles (url, url_key, content_hash, title, published, author,
                       site, language, via, text, summary, extra, ingested_at, facts_pending)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    article.url,
                    normalize_url(article.url) if article.url else None,
                    content_hash(article.text),
                    article.title,
                    article.published,
                    article.author,
                    article.site,
                    article.language,
                    article.via,
                    article.text,
                    json.dumps(list(summary), ensure_ascii=False),
                    json.dumps(article.extra, ensure_ascii=False, default=str),
                    _now(),
                    int(facts_pending and analysis is None),
                ),
            )
            article_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO sentences (article_id, position, text) VALUES (?, ?, ?)",
                [(article_id, i, s) for i, s in enumerate(sentences)],
            )
            if analysis is not None:
                self._add_analysis(db, article_id, analysis)
        return IngestResult(article_id, created=True)

    # -- facts ----------------------------------------------------------------

    def pending_facts(
        self, article_ids: Sequence[int] | None = None, limit: int = 50
    ) -> list[PendingFacts]:
        with self._lock:
            if article_ids is None:
                rows = self._db.execute(
                    """SELECT id, language, title FROM articles WHERE facts_pending = 1
                       ORDER BY id DESC LIMIT ?""",
                    (limit,),
                ).fetchall()
            else:
                wanted = list(dict.fromkeys(article_ids))
                if not wanted:
                    return []
                marks = ",".join("?" * len(wanted))
                found = {
                    row["id"]: row
                    for row in self._db.execute(
                        f"""SELECT id, language, title FROM articles
                            WHERE facts_pending = 1 AND id IN ({marks})""",
                        wanted,
                    )
                }
                rows = [found[i] for i in wanted if i in found][:limit]
            return [
                PendingFacts(
                    row["id"],
                    row["language"],
                    row["title"],
                    [
                        s[0]
                        for s in self._db.execute(
                            "SELECT text FROM sentences WHERE article_id = ? ORDER BY position",
                            (row["id"],),
                        )
                    ],
                )
                for row in rows
            ]

    def add_facts(self, article_id: int, analysis: Analysis | None) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE articles SET facts_pending = 0 WHERE id = ? AND facts_pending = 1",
                (article_id,),
            )
            if cursor.rowcount != 1:
                return False
            if analysis is not None:
                self._add_analysis(db, article_id, analysis)
        return True

    def count_pending_facts(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM articles WHERE facts_pending = 1")
            return int(row.fetchone()[0])

    def _add_analysis(self, db: sqlite3.Connection, article_id: int, analysis: Analysis) -> None:
        from .entities import fold

        db.executemany(
            """INSERT INTO mentions (article_id, position, start, stop, text, label, key, head)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (article_id, m.position, m.start, m.end, m.text, m.label, m.key, m.head)
                for m in analysis.mentions
            ],
        )
        names = dict(analysis.names)
        labels: dict[str, str] = {}
        for m in analysis.mentions:
            if m.label in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"):
                labels.setdefault(m.key, m.label)
                names.setdefault(m.key, m.name or m.text)
        for key, name in names.items():
            # keep the fullest name seen for an entity across every article
            db.execute(
                """INSERT INTO entities (key, name, label, folded) VALUES (?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET name = excluded.name,
                       folded = excluded.folded
                   WHERE length(excluded.name) > length(entities.name)""",
                (key, name, labels.get(key, "PERSON"), fold(name)),
            )
        for fact in analysis.facts:
            cursor = db.execute(
                """INSERT INTO facts (article_id, position, kind, subject, subject_key,
                       predicate, object, object_terms, detail)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    article_id,
                    fact.position,
                    fact.kind,
                    fact.subject,
                    fact.subject_key,
                    fact.predicate,
                    fact.object,
                    json.dumps(fact.object_terms, ensure_ascii=False),
                    json.dumps(fact.detail, ensure_ascii=False),
                ),
            )
            db.executemany(
                "INSERT INTO fact_terms (fact_id, term) VALUES (?, ?)",
                [(cursor.lastrowid, term) for term in dict.fromkeys(fact.object_terms)],
            )

    def find_facts(
        self,
        *,
        kind: str | None = None,
        predicates: Sequence[str] = (),
        subject_keys: Sequence[str] = (),
        terms: Sequence[str] = (),
        limit: int = 500,
    ) -> list[StoredFact]:
        where: list[str] = []
        params: list[object] = []
        if kind:
            where.append("f.kind = ?")
            params.append(kind)
        for column, values in (("f.predicate", predicates), ("f.subject_key", subject_keys)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if terms:
            where.append(
                "f.id IN (SELECT fact_id FROM fact_terms WHERE term IN "
                f"({', '.join('?' * len(terms))}))"
            )
            params.extend(terms)
        # pick the newest matching facts by index first, then fetch their sentences
        inner = "SELECT f.* FROM facts f"
        if where:
            inner += " WHERE " + " AND ".join(where)
        # newest first in rowid order, which the (kind, predicate) index already has
        inner += " ORDER BY f.id DESC LIMIT ?"
        params.append(limit)
        sql = f"""SELECT f.*, s.text AS sentence, a.url, a.title, a.published
                  FROM ({inner}) f
                  JOIN sentences s ON s.article_id = f.article_id AND s.position = f.position
                  JOIN articles a ON a.id = f.article_id
                  ORDER BY COALESCE(a.published, a.ingested_at) DESC, f.id"""
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            StoredFact(
                id=int(r["id"]),
                article_id=int(r["article_id"]),
                position=int(r["position"]),
                kind=r["kind"],
                subject=r["subject"],
                subject_key=r["subject_key"],
                predicate=r["predicate"],
                object=r["object"],
                object_terms=json.loads(r["object_terms"]),
                detail=json.loads(r["detail"]),
                sentence=r["sentence"],
                url=r["url"],
                title=r["title"],
                published=r["published"],
            )
            for r in rows
        ]

    def mentions_in(self, sentences: Sequence[tuple[int, int]]) -> list[StoredMention]:
        if not sentences:
            return []
        out: list[StoredMention] = []
        with self._lock:
            for start in range(0, len(sentences), 200):
                chunk = sentences[start : start + 200]
                clause = " OR ".join("(article_id = ? AND position = ?)" for _ in chunk)
                rows = self._db.execute(
                    f"SELECT * FROM mentions WHERE {clause} ORDER BY article_id, position, start",
                    [value for pair in chunk for value in pair],
                ).fetchall()
                out.extend(mention_from_row(r) for r in rows)
        return out

    def entity_names(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT key, name FROM entities WHERE key IN ({', '.join('?' * len(keys))})",
                list(keys),
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def find_entities(self, name: str, limit: int = 10) -> list[tuple[str, str, str]]:
        from .entities import fold

        folded = fold(name)
        if not folded:
            return []
        with self._lock:
            rows = self._db.execute(
                """SELECT key, name, label FROM entities
                   WHERE folded = ? OR folded LIKE ? OR folded LIKE ?
                   ORDER BY folded = ? DESC, length(name) DESC LIMIT ?""",
                (folded, f"% {folded}", f"{folded} %", folded, limit),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def sentence(self, article_id: int, position: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT text FROM sentences WHERE article_id = ? AND position = ?",
                (article_id, position),
            ).fetchone()
        return row[0] if row else None

    def get_article(self, article_id: int) -> StoredArticle | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return article_from_row(row) if row else None

    def latest(self, limit: int = 10) -> list[StoredArticle]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM articles ORDER BY COALESCE(published, ingested_at) DESC, id DESC"
                " LIMIT ?",
                (limit,),
            ).fetchall()
        return [article_from_row(row) for row in rows]

    def count_articles(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search_sentences(
        self, terms: Sequence[str], limit: int = 20, language: str | None = None
    ) -> list[SentenceHit]:
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
        sql = f"""SELECT s.article_id, s.position, s.text, m.score, a.url, a.title, a.published
                  FROM ({ranked}) m
                  JOIN sentences s ON s.id = m.rowid
                  JOIN articles a ON a.id = s.article_id
                  ORDER BY m.score"""
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            SentenceHit(
                article_id=int(r[0]),
                position=int(r[1]),
                text=r[2],
                score=-float(r[3]),
                url=r[4],
                title=r[5],
                published=r[6],
            )
            for r in rows
        ]

    # -- sources ------------------------------------------------------------

    def add_source(self, kind: str, key: str, url: str) -> tuple[Source, bool]:
        with self._tx() as db:
            row = db.execute("SELECT * FROM sources WHERE key = ?", (key,)).fetchone()
            if row:
                return source_from_row(row), False
            db.execute(
                "INSERT INTO sources (kind, key, url, added_at) VALUES (?, ?, ?, ?)",
                (kind, key, url, _now()),
            )
            row = db.execute("SELECT * FROM sources WHERE key = ?", (key,)).fetchone()
        return source_from_row(row), True

    def remove_source(self, key: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM sources WHERE key = ?", (key,)).rowcount > 0

    def list_sources(self) -> list[Source]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM sources ORDER BY id").fetchall()
        return [source_from_row(row) for row in rows]

    def update_source(
        self,
        source_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        state: dict[str, object] | None = None,
    ) -> None:
        with self._tx() as db:
            if error is None:
                db.execute(
                    """UPDATE sources SET etag = COALESCE(?, etag),
                           last_modified = COALESCE(?, last_modified), last_polled = ?,
                           last_error = NULL, failures = 0,
                           state = COALESCE(?, state) WHERE id = ?""",
                    (
                        etag,
                        last_modified,
                        _now(),
                        json.dumps(state) if state is not None else None,
                        source_id,
                    ),
                )
            else:
                db.execute(
                    """UPDATE sources SET last_polled = ?, last_error = ?,
                           failures = failures + 1 WHERE id = ?""",
                    (_now(), error, source_id),
                )

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
        now = _aware(now)
        stamp = now.isoformat(timespec="microseconds")
        until = (now + timedelta(seconds=lease_seconds)).isoformat(timespec="microseconds")
        # BEGIN IMMEDIATE takes the write lock first: no other process selects the same
        # sources between this select and this update
        with self._tx() as db:
            rows = db.execute(
                """SELECT * FROM sources WHERE kind != ?
                       AND (lease_until IS NULL OR lease_until <= ?)""",
                (ADMIN_SOURCE_KIND, stamp),
            ).fetchall()
            due = [
                row
                for row in rows
                if _is_due(row["last_polled"], int(row["failures"]), now, min_age, max_backoff)
            ]
            due.sort(key=lambda row: (row["last_polled"] is not None, _when(row), row["id"]))
            due = due[: max(0, limit)]
            db.executemany(
                "UPDATE sources SET leased_by = ?, lease_until = ? WHERE id = ?",
                [(worker, until, row["id"]) for row in due],
            )
        return [source_from_row(row) for row in due]

    def release_source(self, source_id: int, worker: str) -> None:
        with self._tx() as db:
            db.execute(
                """UPDATE sources SET leased_by = NULL, lease_until = NULL
                   WHERE id = ? AND leased_by = ?""",
                (source_id, worker),
            )

    def seen_post(self, source_id: int, post_key: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM posts WHERE source_id = ? AND post_key = ?", (source_id, post_key)
            ).fetchone()
        return row is not None

    def mark_post(self, source_id: int, post_key: str, article_id: int | None) -> None:
        with self._tx() as db:
            db.execute(
                """INSERT INTO posts (source_id, post_key, article_id, seen_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (source_id, post_key)
                   DO UPDATE SET article_id = excluded.article_id""",
                (source_id, post_key, article_id, _now()),
            )

    # -- users and subscriptions

    def upsert_user(self, user_id: int, chat_id: int, language_code: str | None) -> User:
        now = _now()
        with self._tx() as db:
            db.execute(
                """INSERT INTO users (id, chat_id, language_code, active, created_at, seen_at)
                   VALUES (?, ?, ?, 1, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id,
                       language_code = COALESCE(excluded.language_code, language_code),
                       active = 1, seen_at = excluded.seen_at""",
                (user_id, chat_id, language_code, now, now),
            )
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return user_from_row(row)

    def get_user(self, user_id: int) -> User | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return user_from_row(row) if row else None

    def set_user_active(self, user_id: int, active: bool) -> None:
        with self._tx() as db:
            db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))

    def watch_source(self, user_id: int, kind: str, key: str, url: str) -> tuple[Source, bool]:
        with self._tx() as db:
            row = db.execute("SELECT * FROM sources WHERE key = ?", (key,)).fetchone()
            if row is not None:
                linked = db.execute(
                    "SELECT 1 FROM user_sources WHERE user_id = ? AND source_id = ?",
                    (user_id, row["id"]),
                ).fetchone()
                if linked:
                    return source_from_row(row), False
            count = db.execute(
                "SELECT count(*) FROM user_sources WHERE user_id = ?", (user_id,)
            ).fetchone()[0]
            if count >= MAX_USER_SOURCES:
                raise BadInput("store.too_many_sources", count=MAX_USER_SOURCES)
            if row is None:
                db.execute(
                    "INSERT INTO sources (kind, key, url, added_at) VALUES (?, ?, ?, ?)",
                    (kind, key, url, _now()),
                )
                row = db.execute("SELECT * FROM sources WHERE key = ?", (key,)).fetchone()
            db.execute(
                "INSERT INTO user_sources (user_id, source_id, added_at) VALUES (?, ?, ?)",
                (user_id, row["id"], _now()),
            )
        return source_from_row(row), True

    def unwatch_source(self, user_id: int, key: str) -> bool:
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
            if row is None:
                return False
            removed = db.execute(
                "DELETE FROM user_sources WHERE user_id = ? AND source_id = ?",
                (user_id, row["id"]),
            ).rowcount
            if removed:
                others = db.execute(
                    "SELECT 1 FROM user_sources WHERE source_id = ?", (row["id"],)
                ).fetchone()
                if others is None:
                    db.execute("DELETE FROM sources WHERE id = ?", (row["id"],))
        return removed > 0

    def user_sources(self, user_id: int) -> list[Source]:
        with self._lock:
            rows = self._db.execute(
                """SELECT s.* FROM sources s JOIN user_sources u ON u.source_id = s.id
                   WHERE u.user_id = ? ORDER BY u.added_at, s.id""",
                (user_id,),
            ).fetchall()
        return [source_from_row(row) for row in rows]

    def set_subscription(self, user_id: int, at: str | None, tz: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE users SET digest_time = ?, digest_tz = ? WHERE id = ?",
                (at, tz, user_id),
            )

    def claim_update(self, update_id: int, payload: str | None = None) -> bool:
        with self._tx() as db:
            claimed = db.execute(
                """INSERT OR IGNORE INTO handled_updates (update_id, handled_at, payload, done)
                   VALUES (?, ?, ?, ?)""",
                (update_id, _now(), payload, int(payload is None)),
            ).rowcount
            if claimed:
                # keep the table small: Telegram never redelivers updates this old
                db.execute(
                    "DELETE FROM handled_updates WHERE update_id < ?", (update_id - 100_000,)
                )
        return claimed > 0

    def finish_update(self, update_id: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE handled_updates SET done = 1, payload = NULL WHERE update_id = ?",
                (update_id,),
            )

    def note_progress(self, update_id: int, message_id: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE handled_updates SET progress_id = ? WHERE update_id = ? AND done = 0",
                (message_id, update_id),
            )

    def unfinished_updates(
        self, *, older_than: float = 0.0, max_attempts: int = 3, max_age: float = 3600.0
    ) -> list[UnfinishedUpdate]:
        before, stale = _replay_window(older_than, max_age)
        with self._tx() as db:
            rows = db.execute(
                """SELECT update_id, payload, progress_id, attempts, handled_at FROM handled_updates
                   WHERE done = 0 AND handled_at <= ? ORDER BY update_id""",
                (before,),
            ).fetchall()
            dropped, kept = sort_unfinished(rows, max_attempts, stale)
            db.executemany(
                "UPDATE handled_updates SET done = 1, payload = NULL WHERE update_id = ?",
                [(update_id,) for update_id in dropped],
            )
            db.executemany(
                "UPDATE handled_updates SET attempts = attempts + 1 WHERE update_id = ?",
                [(u.update_id,) for u in kept],
            )
        return kept

    # -- digests

    def digest_settings(self, user_id: int) -> DigestSettings | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return digest_settings_from_row(row) if row else None

    def subscribers(self) -> list[DigestSettings]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM users WHERE digest_time IS NOT NULL ORDER BY id"
            ).fetchall()
        return [digest_settings_from_row(row) for row in rows]

    def set_digest_options(
        self,
        user_id: int,
        *,
        frequency: str | None = None,
        skip_empty: bool | None = None,
        include: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> None:
        with self._tx() as db:
            row = db.execute("SELECT digest_filters FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                return
            filters = json.loads(row[0] or "{}")
            if include is not None:
                filters["include"] = list(include)
            if exclude is not None:
                filters["exclude"] = list(exclude)
            db.execute(
                """UPDATE users SET digest_frequency = COALESCE(?, digest_frequency),
                       digest_skip_empty = COALESCE(?, digest_skip_empty),
                       digest_filters = ? WHERE id = ?""",
                (
                    frequency,
                    None if skip_empty is None else int(skip_empty),
                    json.dumps(filters, ensure_ascii=False),
                    user_id,
                ),
            )

    def digest_candidates(
        self, user_id: int, since: str | None, until: str, limit: int = 500
    ) -> list[DigestCandidate]:
        with self._lock:
            rows = self._db.execute(
                """SELECT a.* FROM articles a
                   WHERE a.ingested_at >= ? AND a.ingested_at <= ?
                     AND NOT EXISTS (SELECT 1 FROM digest_items d
                                     WHERE d.user_id = ? AND d.article_id = a.id)
                     AND (NOT EXISTS (SELECT 1 FROM user_sources WHERE user_id = ?)
                          OR EXISTS (SELECT 1 FROM posts p
                                     JOIN user_sources u ON u.source_id = p.source_id
                                     WHERE p.article_id = a.id AND u.user_id = ?))
                   ORDER BY a.ingested_at DESC, a.id DESC LIMIT ?""",
                (since or "", until, user_id, user_id, user_id, limit),
            ).fetchall()
            found = [article_from_row(row) for row in rows]
            where: dict[int, list[tuple[str, str, str]]] = {s.id: [] for s in found}
            ids = list(where)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for r in self._db.execute(
                    f"""SELECT DISTINCT p.article_id, s.kind, s.key, s.url FROM posts p
                        JOIN sources s ON s.id = p.source_id
                        WHERE p.article_id IN ({", ".join("?" * len(chunk))})
                        ORDER BY s.id""",
                    chunk,
                ):
                    where[int(r[0])].append((r[1], r[2], r[3]))
        return [DigestCandidate(stored, where[stored.id]) for stored in found]

    def begin_digest(
        self,
        key: str,
        user_id: int,
        slot: str,
        until: str,
        parts: Sequence[str],
        article_ids: Sequence[int],
    ) -> DigestDelivery:
        with self._tx() as db:
            db.execute(
                """INSERT OR IGNORE INTO digest_deliveries
                       (key, user_id, slot, until, status, parts, article_ids, created_at)
                   VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)""",
                (
                    key,
                    user_id,
                    slot,
                    until,
                    json.dumps(list(parts), ensure_ascii=False),
                    json.dumps(list(article_ids)),
                    _now(),
                ),
            )
            row = db.execute("SELECT * FROM digest_deliveries WHERE key = ?", (key,)).fetchone()
        return delivery_from_row(row)

    def digest_part_sent(self, key: str, parts_sent: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE digest_deliveries SET parts_sent = max(parts_sent, ?) WHERE key = ?",
                (parts_sent, key),
            )

    def finish_digest(self, key: str, status: str) -> None:
        now = _now()
        with self._tx() as db:
            row = db.execute("SELECT * FROM digest_deliveries WHERE key = ?", (key,)).fetchone()
            if row is None or row["status"] != "pending":
                return
            db.execute(
                """UPDATE digest_deliveries SET status = ?, finished_at = ?,
                       parts_sent = CASE WHEN ? = 'sent' THEN json_array_length(parts)
                                         ELSE parts_sent END
                   WHERE key = ?""",
                (status, now, status, key),
            )
            if status == "blocked":
                return
            db.executemany(
                """INSERT OR IGNORE INTO digest_items (user_id, article_id, delivery_key,
                       delivered_at) SELECT ?, id, ?, ? FROM articles WHERE id = ?""",
                [(row["user_id"], key, now, a) for a in json.loads(row["article_ids"])],
            )
            db.execute(
                """UPDATE users SET digest_since = ?
                   WHERE id = ? AND (digest_since IS NULL OR digest_since < ?)""",
                (row["until"], row["user_id"], row["until"]),
            )
            # the marks only matter for articles newer than the watermark: keep a month
            db.execute(
                "DELETE FROM digest_items WHERE user_id = ? AND delivered_at < ?",
                (row["user_id"], _days_ago(31)),
            )

    def get_delivery(self, key: str) -> DigestDelivery | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM digest_deliveries WHERE key = ?", (key,)
            ).fetchone()
        return delivery_from_row(row) if row else None

    # -- stats

    def stats(self) -> dict[str, int]:
        queries = {
            "users": "SELECT count(*) FROM users",
            "active_users": "SELECT count(*) FROM users WHERE active = 1",
            "subscribers": "SELECT count(*) FROM users WHERE digest_time IS NOT NULL",
            "sources": "SELECT count(*) FROM sources",
            "failing_sources": "SELECT count(*) FROM sources WHERE failures > 0",
            "articles": "SELECT count(*) FROM articles",
            "posts": "SELECT count(*) FROM posts",
            "pending_digests": "SELECT count(*) FROM digest_deliveries WHERE status = 'pending'",
            "handled_updates": "SELECT count(*) FROM handled_updates",
        }
        with self._lock:
            return {name: int(self._db.execute(sql).fetchone()[0]) for name, sql in queries.items()}

    def failing_sources(self, limit: int = 5) -> list[Source]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM sources WHERE failures > 0 ORDER BY failures DESC, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [source_from_row(row) for row in rows]


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


def _when(row: sqlite3.Row) -> datetime:
    """A source's last poll as a datetime, for ordering (the epoch when unreadable)."""
    try:
        last = datetime.fromisoformat(row["last_polled"] or "")
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return last.replace(tzinfo=UTC) if last.tzinfo is None else last


def _fts_term(term: str) -> str:
    """Quote one search term for FTS5 so that user text is never FTS syntax."""
    words = re.findall(r"\w+", term)
    if not words:
        return ""
    phrase = " ".join(words).replace('"', "")
    return f'"{phrase}"*' if len(words) == 1 and len(words[0]) > 3 else f'"{phrase}"'


# -- users and subscriptions

MAX_USER_SOURCES = 50  # sources one user may watch


@dataclass
class User:
    """A person (or group) talking to the bot."""

    id: int
    chat_id: int
    language_code: str | None
    active: bool  # False once they blocked the bot
    digest_time: str | None  # "HH:MM", local to digest_tz
    digest_tz: str | None
    created_at: str


# -- digests

DIGEST_FREQUENCIES = ("daily", "weekdays", "weekly")


@dataclass
class DigestSettings:
    """What a user chose for their digest, and where the last one stopped."""

    user_id: int
    chat_id: int
    active: bool
    at: str | None  # "HH:MM" local to tz; None: not subscribed
    tz: str | None
    frequency: str  # one of DIGEST_FREQUENCIES
    skip_empty: bool  # True: no message at all when there is nothing new
    include: list[str]  # words or phrases, as the user wrote them
    exclude: list[str]
    since: str | None  # the last digest covered the articles stored up to this time


@dataclass
class DigestCandidate:
    """An article for a digest, with the sources (kind, key, url) that carried it."""

    stored: StoredArticle
    sources: list[tuple[str, str, str]]


@dataclass
class DigestDelivery:
    """One (user, slot) digest: its messages, and how far sending them got."""

    key: str
    user_id: int
    slot: str
    until: str
    status: str  # pending, sent, empty, blocked
    parts: list[str]
    article_ids: list[int]
    parts_sent: int
    created_at: str
    finished_at: str | None


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


# -- rows to records (both backends)

Row = Any  # a sqlite3.Row or a psycopg dict row: values by column name


def mention_from_row(row: Row) -> StoredMention:
    return StoredMention(
        int(row["article_id"]),
        int(row["position"]),
        int(row["start"]),
        int(row["stop"]),
        row["text"],
        row["label"],
        row["key"],
        row["head"],
    )


def article_from_row(row: Row) -> StoredArticle:
    return StoredArticle(
        id=int(row["id"]),
        article=Article(
            text=row["text"],
            url=row["url"],
            title=row["title"],
            published=row["published"],
            author=row["author"],
            site=row["site"],
            language=row["language"],
            via=row["via"],
            extra=json.loads(row["extra"]),
        ),
        summary=json.loads(row["summary"]),
        ingested_at=row["ingested_at"],
    )


def source_from_row(row: Row) -> Source:
    return Source(
        id=int(row["id"]),
        kind=row["kind"],
        key=row["key"],
        url=row["url"],
        added_at=row["added_at"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled=row["last_polled"],
        last_error=row["last_error"],
        failures=int(row["failures"]),
        state=json.loads(row["state"]),
    )


def user_from_row(row: Row) -> User:
    return User(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        language_code=row["language_code"],
        active=bool(row["active"]),
        digest_time=row["digest_time"],
        digest_tz=row["digest_tz"],
        created_at=row["created_at"],
    )


def digest_settings_from_row(row: Row) -> DigestSettings:
    filters = json.loads(row["digest_filters"] or "{}")
    return DigestSettings(
        user_id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        active=bool(row["active"]),
        at=row["digest_time"],
        tz=row["digest_tz"],
        frequency=row["digest_frequency"],
        skip_empty=bool(row["digest_skip_empty"]),
        include=list(filters.get("include", [])),
        exclude=list(filters.get("exclude", [])),
        since=row["digest_since"],
    )


def delivery_from_row(row: Row) -> DigestDelivery:
    return DigestDelivery(
        key=row["key"],
        user_id=int(row["user_id"]),
        slot=row["slot"],
        until=row["until"],
        status=row["status"],
        parts=json.loads(row["parts"]),
        article_ids=json.loads(row["article_ids"]),
        parts_sent=int(row["parts_sent"]),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )
