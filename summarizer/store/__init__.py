"""The store: articles, their sentences (full-text indexed), facts, sources, users and digests.

Everything outside this package speaks to :class:`Store`; only this package speaks SQL.
:func:`open_store` picks the backend from ``NEWSBOT_DB``: a file path or
``sqlite:///path`` gives the embedded SQLite store; a ``postgresql://`` URL the
PostgreSQL store, which several processes share. Both run the same method bodies
(:mod:`.sql`) over their own dialect, so they answer alike.
"""

from __future__ import annotations

from ..errors import BadInput
from .base import (
    ArticleStore,
    DigestLog,
    FactStore,
    SearchStore,
    SourceStore,
    Store,
    UpdateLog,
    UserStore,
)
from .records import (
    ADMIN_SOURCE_KIND,
    DIGEST_FREQUENCIES,
    MAX_USER_SOURCES,
    DigestCandidate,
    DigestDelivery,
    DigestSettings,
    IngestResult,
    PendingFacts,
    SentenceHit,
    Source,
    StoredArticle,
    StoredFact,
    StoredMention,
    UnfinishedUpdate,
    User,
    content_hash,
    poll_delay,
)
from .sqlite import MIGRATIONS, SQLiteStore

__all__ = [
    "ADMIN_SOURCE_KIND",
    "DIGEST_FREQUENCIES",
    "MAX_USER_SOURCES",
    "MIGRATIONS",
    "ArticleStore",
    "DigestCandidate",
    "DigestDelivery",
    "DigestLog",
    "DigestSettings",
    "FactStore",
    "IngestResult",
    "PendingFacts",
    "SQLiteStore",
    "SearchStore",
    "SentenceHit",
    "Source",
    "SourceStore",
    "Store",
    "StoredArticle",
    "StoredFact",
    "StoredMention",
    "UnfinishedUpdate",
    "UpdateLog",
    "User",
    "UserStore",
    "content_hash",
    "open_store",
    "poll_delay",
]


def open_store(db: str) -> Store:
    """Open the store named by ``db``: a path, ``sqlite:///path`` or ``:memory:`` for SQLite,
    a ``postgresql://`` (or ``postgres://``) URL for PostgreSQL (:mod:`.postgres`)."""
    if db.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresStore
        except ImportError as exc:  # psycopg missing: only PostgreSQL users need it
            raise BadInput("store.no_psycopg", reason=exc) from exc
        return PostgresStore(db)
    if db.startswith("sqlite:///"):
        db = db[len("sqlite:///") :]
    elif "://" in db:
        raise BadInput("store.bad_url", db=db)
    return SQLiteStore(db)
