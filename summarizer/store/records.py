"""The store's records, the rows they are read from, and the small rules both backends share."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..article import Article

MAX_USER_SOURCES = 50  # sources one user may watch
DIGEST_FREQUENCIES = ("daily", "weekdays", "weekly")
# summarizer.watch.ADMIN_KIND (not imported: watch imports the store): sources whose
# posts reach the bot as channel_post updates, never polled
ADMIN_SOURCE_KIND = "admin"


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


@dataclass(frozen=True)
class Due:
    """When a source is due for a poll: ``min_age`` seconds after the last, doubled per
    failure in a row up to ``max_backoff``."""

    min_age: float
    max_backoff: float


@dataclass
class IngestResult:
    article_id: int
    created: bool  # False when the article was already stored (same URL or same text)
    #: the budgets reached while reading it (sentences; summarizer.budgets), when just read
    notes: list[str] = field(default_factory=list)


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


@dataclass
class UnfinishedUpdate:
    """A Telegram update claimed by a process that died before answering it."""

    update_id: int
    payload: str  # the update as JSON (Update.to_json)
    progress_id: int | None  # the "Reading…" message already sent for it, if any


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


# -- rules both backends follow


def content_hash(text: str) -> str:
    """A hash of the article text that ignores case, spacing and punctuation."""
    folded = " ".join(re.findall(r"\w+", text.casefold()))
    return hashlib.sha256(folded.encode()).hexdigest()


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def aware(now: datetime | None) -> datetime:
    """``now`` (the current time when None) as an aware UTC datetime."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def poll_delay(failures: int, min_age: float, max_backoff: float) -> float:
    """Seconds after its last poll before a source is due again (claim_sources)."""
    if failures <= 0:
        return float(min_age)
    return float(min(min_age * 2 ** min(failures, 62), max_backoff))


def replay_window(older_than: float, max_age: float) -> tuple[str, str]:
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


# -- rows to records

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


def fact_from_row(r: Row) -> StoredFact:
    return StoredFact(
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


def hit_from_row(r: Row) -> SentenceHit:
    return SentenceHit(
        article_id=int(r["article_id"]),
        position=int(r["position"]),
        text=r["text"],
        score=float(r["score"]),
        url=r["url"],
        title=r["title"],
        published=r["published"],
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
