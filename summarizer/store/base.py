"""What newsbot may ask of a store, split by role; :class:`Store` is all of them.

Callers type against the role they use; each backend implements :class:`Store`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from ..analysis import Analysis
from ..article import Article
from .records import (
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
)


class ArticleStore(ABC):
    """Articles: stored once each (by URL or text), read back by id or date."""

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

        ``facts_pending``: the facts are read later (:func:`summarizer.pending.read_pending`);
        until then the article is listed by :meth:`pending_facts`.
        """

    @abstractmethod
    def find_article(self, url: str | None = None, text: str | None = None) -> int | None:
        """The id of a stored article with this (normalized) URL or this text."""

    @abstractmethod
    def get_article(self, article_id: int) -> StoredArticle | None: ...

    @abstractmethod
    def latest(self, limit: int = 10) -> list[StoredArticle]: ...

    @abstractmethod
    def count_articles(self) -> int: ...


class SearchStore(ABC):
    """Full-text search over the stored sentences."""

    @abstractmethod
    def search_sentences(
        self, terms: Sequence[str], limit: int = 20, language: str | None = None
    ) -> list[SentenceHit]:
        """Sentences matching any of ``terms``, best (BM25) first."""

    @abstractmethod
    def sentence(self, article_id: int, position: int) -> str | None: ...


class FactStore(ABC):
    """Facts: those the answers read, and those still to be read (pending)."""

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


class SourceStore(ABC):
    """Watched sources, their polls (leased to one worker at a time) and posts seen."""

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
        """Record one poll of a source: its validators, or the error it gave (the
        validators then stay as they were); ``state`` either way."""

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


class UserStore(ABC):
    """Users of the bot, their sources and their digest time."""

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
    def add_user_article(self, user_id: int, article_id: int) -> None:
        """Record that a user sent (or asked for) this article: it is theirs to list."""

    @abstractmethod
    def user_latest(
        self, user_id: int, limit: int = 10, *, before: int | None = None
    ) -> list[StoredArticle]:
        """A user's newest articles: the posts of the sources they watch and the links they
        sent (:meth:`add_user_article`), newest by the article's date (``published``, else
        the time stored), then id. ``before``: only those listed after that article (the
        next page), none when it is not stored."""

    @abstractmethod
    def set_subscription(self, user_id: int, at: str | None, tz: str | None) -> None:
        """Set (or with None, clear) the time and zone of a user's daily digest."""


class UpdateLog(ABC):
    """Telegram updates claimed, finished, or left unfinished by a process that died."""

    @abstractmethod
    def claim_update(self, update_id: int, payload: str | None = None) -> bool:
        """True the first time a Telegram update id is claimed, False ever after.

        With ``payload`` (the update as JSON) the claim stays *unfinished* until
        :meth:`finish_update`: a process killed while handling it leaves it to
        :meth:`unfinished_updates`, so the update is handled again, not lost.
        """

    @abstractmethod
    def begin_update(
        self,
        update_id: int,
        payload: str | None,
        *,
        claim: bool = True,
        user_id: int | None = None,
        chat_id: int | None = None,
        language_code: str | None = None,
    ) -> tuple[bool, User | None]:
        """An update's bookkeeping in one transaction: claim it, then remember its sender.

        Returns ``(False, None)`` when the update was claimed before (skip it). With
        ``claim=False`` (an update handed back after a restart) the claim is taken as
        held. With ``chat_id`` (a private chat) the sender is stored or touched, and
        ``language_code`` is kept only at first contact; the sender's stored record
        (or None) comes back.
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


class DigestLog(ABC):
    """Digest settings, candidates and deliveries (idempotent per user and slot)."""

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
        """Articles stored in (``since``, ``until``] from the user's sources or links (none,
        when the user watches none and sent none: never another user's) and not yet in
        one of their digests; newest first."""

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
    def is_users_article(self, user_id: int, article_id: int) -> bool:
        """Whether the article was in one of the user's digests, or is one of their links
        or a post of a source they watch (what a story button of theirs may open)."""

    @abstractmethod
    def get_delivery(self, key: str) -> DigestDelivery | None: ...


class Store(ArticleStore, SearchStore, FactStore, SourceStore, UserStore, UpdateLog, DigestLog):
    """What the rest of newsbot may ask of a store."""

    #: why the store cannot be trusted any more, or None: set (for the process's life) the
    #: first time the database reported its own pages corrupt; each such call raised
    #: BadInput ``store.damaged``. /healthz reports it.
    damaged: str | None = None

    @abstractmethod
    def close(self) -> None: ...

    # -- health

    def check(self) -> None:
        """At start: the store's own integrity check where it has one (SQLite's
        ``PRAGMA quick_check``, which reads every page), then :meth:`probe`. Raises
        BadInput ``store.damaged`` (or ``store.read_only``, ``store.full``)."""
        self.probe("check")

    @abstractmethod
    def probe(self, by: str) -> None:
        """One read and one committed write (a row of ``store_probe`` named ``by``);
        raises whatever the store raises when it cannot do either."""

    def disk_free(self) -> int | None:
        """Bytes free on the store's disk, when it is a local file (None otherwise)."""
        return None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stats

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counts for the admins' /stats: users, active users, subscribers, sources,
        failing sources, articles, posts read, pending digests, handled updates."""

    @abstractmethod
    def failing_sources(self, limit: int = 5) -> list[Source]:
        """The sources that failed most often in a row, worst first."""
