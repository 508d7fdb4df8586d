"""The store's method bodies, written once over the backend's SQL dialect.

A backend (:mod:`.sqlite`, :mod:`.postgres`) supplies only what really differs
(:class:`~.dialect.Backend`): connecting, transactions, migrations, full-text search,
claiming sources and matching (article, sentence) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ..analysis import Analysis
from ..article import Article
from ..entities import fold
from ..errors import BadInput
from ..urls import normalize_url
from .dialect import Params, Tx
from .logs import LogBodies
from .records import (
    MAX_USER_SOURCES,
    Due,
    IngestResult,
    PendingFacts,
    Row,
    SentenceHit,
    Source,
    StoredArticle,
    StoredFact,
    StoredMention,
    User,
    article_from_row,
    aware,
    content_hash,
    days_ago,
    fact_from_row,
    hit_from_row,
    mention_from_row,
    now_text,
    source_from_row,
    user_from_row,
)

_NAMED = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")
_STATS = {
    "users": "users",
    "active_users": "users WHERE active = TRUE",
    "subscribers": "users WHERE digest_time IS NOT NULL",
    "sources": "sources",
    "failing_sources": "sources WHERE failures > 0",
    "articles": "articles",
    "posts": "posts",
    "pending_digests": "digest_deliveries WHERE status = 'pending'",
    "handled_updates": "handled_updates",
}


class SQLStore(LogBodies):
    """A :class:`Store` whose every method is one body over the backend's dialect."""

    # -- articles

    def find_article(self, url: str | None = None, text: str | None = None) -> int | None:
        return _existing(
            self._one, normalize_url(url) if url else None, text and content_hash(text)
        )

    def add_article(
        self,
        article: Article,
        sentences: Sequence[str],
        summary: Sequence[str],
        analysis: Analysis | None = None,
        *,
        facts_pending: bool = False,
    ) -> IngestResult:
        clean = self.dialect.clean
        url_key = normalize_url(article.url) if article.url else None
        digest_hash = content_hash(article.text)
        with self._tx() as tx:
            existing = _existing(tx.one, url_key, digest_hash)
            if existing is not None:
                return IngestResult(existing, created=False)
            # another process may be storing the same article right now: the unique
            # constraints make one insert win; the other waits for it, then finds it
            a = article
            fields = (a.url, url_key, a.title, a.published, a.author, a.site, a.language, a.via)
            row = tx.one(
                """INSERT INTO articles (url, url_key, title, published, author, site, language,
                       via, text, content_hash, summary, extra, ingested_at, facts_pending)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING RETURNING id""",
                [*map(clean, fields), clean(a.text), digest_hash,
                 json.dumps([clean(line) for line in summary], ensure_ascii=False),
                 json.dumps(a.extra, ensure_ascii=False, default=str),
                 now_text(), facts_pending and analysis is None],
            )  # fmt: skip
            if row is None:
                existing = _existing(tx.one, url_key, digest_hash)
                if existing is None:  # the other insert was rolled back meanwhile
                    raise self.dialect.retry_error("the article vanished; retry")
                return IngestResult(existing, created=False)
            article_id = int(row["id"])
            tokens = self._add_sentences(tx, article_id, article.language, sentences)
            if analysis is not None:
                self._add_analysis(tx, article_id, analysis)
            # last, so a hot row it may update is held only until the commit
            self._sentences_added(tx, len(sentences), tokens)
        return IngestResult(article_id, created=True)

    def get_article(self, article_id: int) -> StoredArticle | None:
        row = self._one("SELECT * FROM articles WHERE id = ?", (article_id,))
        return article_from_row(row) if row else None

    def latest(self, limit: int = 10) -> list[StoredArticle]:
        rows = self._read(
            "SELECT * FROM articles ORDER BY COALESCE(published, ingested_at) DESC, id DESC"
            " LIMIT ?",
            (limit,),
        )
        return [article_from_row(row) for row in rows]

    def count_articles(self) -> int:
        row = self._one("SELECT count(*) AS n FROM articles")
        return int(row["n"]) if row else 0

    def sentence(self, article_id: int, position: int) -> str | None:
        row = self._one(
            "SELECT text FROM sentences WHERE article_id = ? AND position = ?",
            (article_id, position),
        )
        return row["text"] if row else None

    def search_sentences(
        self, terms: Sequence[str], limit: int = 20, language: str | None = None
    ) -> list[SentenceHit]:
        return [hit_from_row(r) for r in self._search(terms, limit, language)]

    # -- facts

    def pending_facts(
        self, article_ids: Sequence[int] | None = None, limit: int = 50
    ) -> list[PendingFacts]:
        if article_ids is None:
            rows = self._read(
                """SELECT id, language, title FROM articles WHERE facts_pending = TRUE
                   ORDER BY id DESC LIMIT ?""",
                (limit,),
            )
        else:
            wanted = list(dict.fromkeys(article_ids))
            if not wanted:
                return []
            among, params = self.dialect.in_list("id", wanted)
            found = {
                row["id"]: row
                for row in self._read(
                    "SELECT id, language, title FROM articles"
                    f" WHERE facts_pending = TRUE AND {among}",
                    params,
                )
            }
            rows = [found[i] for i in wanted if i in found][:limit]
        if not rows:
            return []
        among, params = self.dialect.in_list("article_id", [row["id"] for row in rows])
        texts: dict[int, list[str]] = {}
        for s in self._read(
            f"SELECT article_id, text FROM sentences WHERE {among} ORDER BY article_id, position",
            params,
        ):
            texts.setdefault(int(s["article_id"]), []).append(s["text"])
        return [
            PendingFacts(int(row["id"]), row["language"], row["title"], texts.get(row["id"], []))
            for row in rows
        ]

    def add_facts(self, article_id: int, analysis: Analysis | None) -> bool:
        with self._tx() as tx:
            changed = tx.run(
                "UPDATE articles SET facts_pending = FALSE WHERE id = ? AND facts_pending = TRUE",
                (article_id,),
            )
            if changed != 1:  # another process stored them first
                return False
            if analysis is not None:
                self._add_analysis(tx, article_id, analysis)
        return True

    def count_pending_facts(self) -> int:
        row = self._one("SELECT count(*) AS n FROM articles WHERE facts_pending = TRUE")
        return int(row["n"]) if row else 0

    def _add_analysis(self, tx: Tx, article_id: int, analysis: Analysis) -> None:
        clean = self.dialect.clean
        tx.many(
            """INSERT INTO mentions (article_id, position, start, stop, text, label, key, head)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [(article_id, m.position, m.start, m.end, clean(m.text), m.label, clean(m.key),
              clean(m.head)) for m in analysis.mentions],
        )  # fmt: skip
        names = dict(analysis.names)
        labels: dict[str, str] = {}
        for m in analysis.mentions:
            if m.label in _NAMED:
                labels.setdefault(m.key, m.label)
                names.setdefault(m.key, m.name or m.text)
        # keep the fullest name seen for an entity across every article; in key order,
        # so two articles naming the same entities never wait on each other in a cycle
        tx.many(
            """INSERT INTO entities (key, name, label, folded) VALUES (?, ?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET name = excluded.name,
                   folded = excluded.folded
               WHERE length(excluded.name) > length(entities.name)""",
            [
                (clean(key), clean(name), labels.get(key, "PERSON"), fold(name))
                for key, name in sorted(names.items())
            ],
        )
        for fact in analysis.facts:
            row = tx.one(
                """INSERT INTO facts (article_id, position, kind, subject, subject_key,
                       predicate, object, object_terms, detail)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (article_id, fact.position, fact.kind, clean(fact.subject),
                 clean(fact.subject_key), fact.predicate, clean(fact.object),
                 json.dumps(fact.object_terms, ensure_ascii=False),
                 json.dumps(fact.detail, ensure_ascii=False)),
            )  # fmt: skip
            if row is not None:
                tx.many(
                    "INSERT INTO fact_terms (fact_id, term) VALUES (?, ?)",
                    [(row["id"], clean(term)) for term in dict.fromkeys(fact.object_terms)],
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
                among, more = self.dialect.in_list(column, values, "text")
                where.append(among)
                params.extend(more)
        if terms:
            among, more = self.dialect.in_list("term", terms, "text")
            where.append(f"f.id IN (SELECT fact_id FROM fact_terms WHERE {among})")
            params.extend(more)
        # pick the newest matching facts by index first, then fetch their sentences
        inner = "SELECT f.* FROM facts f"
        if where:
            inner += " WHERE " + " AND ".join(where)
        # newest first in id order, which the (kind, predicate) index already has
        inner += " ORDER BY f.id DESC LIMIT ?"
        params.append(limit)
        sql = f"""SELECT f.*, s.text AS sentence, a.url, a.title, a.published
                  FROM ({inner}) f
                  JOIN sentences s ON s.article_id = f.article_id AND s.position = f.position
                  JOIN articles a ON a.id = f.article_id
                  ORDER BY COALESCE(a.published, a.ingested_at) DESC, f.id"""
        return [fact_from_row(r) for r in self._read(sql, params)]

    def mentions_in(self, sentences: Sequence[tuple[int, int]]) -> list[StoredMention]:
        return [mention_from_row(r) for r in self._mentions(sentences)] if sentences else []

    def entity_names(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        among, params = self.dialect.in_list("key", keys, "text")
        rows = self._read(f"SELECT key, name FROM entities WHERE {among}", params)
        return {r["key"]: r["name"] for r in rows}

    def find_entities(self, name: str, limit: int = 10) -> list[tuple[str, str, str]]:
        folded = fold(name)
        if not folded:
            return []
        pattern = self.dialect.like(folded)
        rows = self._read(
            """SELECT key, name, label FROM entities
               WHERE folded = ? OR folded LIKE ? OR folded LIKE ?
               ORDER BY folded = ? DESC, length(name) DESC LIMIT ?""",
            (folded, f"% {pattern}", f"{pattern} %", folded, limit),
        )
        return [(r["key"], r["name"], r["label"]) for r in rows]

    # -- sources

    def add_source(self, kind: str, key: str, url: str) -> tuple[Source, bool]:
        with self._tx() as tx:
            row = tx.one(
                """INSERT INTO sources (kind, key, url, added_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (key) DO NOTHING RETURNING *""",
                (kind, key, url, now_text()),
            )
            if row is not None:
                return source_from_row(row), True
            row = tx.one("SELECT * FROM sources WHERE key = ?", (key,))
        if row is None:  # removed between the two statements
            return self.add_source(kind, key, url)
        return source_from_row(row), False

    def remove_source(self, key: str) -> bool:
        with self._tx() as tx:
            return tx.run("DELETE FROM sources WHERE key = ?", (key,)) > 0

    def list_sources(self) -> list[Source]:
        return [source_from_row(r) for r in self._read("SELECT * FROM sources ORDER BY id")]

    def update_source(
        self,
        source_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        state: dict[str, object] | None = None,
    ) -> None:
        clean = self.dialect.clean
        with self._tx() as tx:
            if error is None:
                tx.run(
                    """UPDATE sources SET etag = COALESCE(?, etag),
                           last_modified = COALESCE(?, last_modified), last_polled = ?,
                           last_error = NULL, failures = 0,
                           state = COALESCE(?, state) WHERE id = ?""",
                    (clean(etag), clean(last_modified), now_text(),
                     json.dumps(state) if state is not None else None, source_id),
                )  # fmt: skip
            else:  # the validators are kept as they were: the next poll reads it all again
                tx.run(
                    """UPDATE sources SET last_polled = ?, last_error = ?,
                           failures = failures + 1, state = COALESCE(?, state) WHERE id = ?""",
                    (now_text(), clean(error),
                     json.dumps(state) if state is not None else None, source_id),
                )  # fmt: skip

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
        lease, due = timedelta(seconds=lease_seconds), Due(min_age, max_backoff)
        return [
            source_from_row(r) for r in self._claim(worker, aware(now), lease, due, max(0, limit))
        ]

    def release_source(self, source_id: int, worker: str) -> None:
        with self._tx() as tx:
            tx.run(
                """UPDATE sources SET leased_by = NULL, lease_until = NULL
                   WHERE id = ? AND leased_by = ?""",
                (source_id, worker),
            )

    def seen_post(self, source_id: int, post_key: str) -> bool:
        row = self._one(
            "SELECT 1 AS seen FROM posts WHERE source_id = ? AND post_key = ?",
            (source_id, post_key),
        )
        return row is not None

    def mark_post(self, source_id: int, post_key: str, article_id: int | None) -> None:
        with self._tx() as tx:
            tx.run(
                """INSERT INTO posts (source_id, post_key, article_id, seen_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (source_id, post_key)
                   DO UPDATE SET article_id = excluded.article_id""",
                (source_id, self.dialect.clean(post_key), article_id, now_text()),
            )

    # -- users and subscriptions

    def upsert_user(self, user_id: int, chat_id: int, language_code: str | None) -> User:
        with self._tx() as tx:
            return self._upsert_user(tx, user_id, chat_id, language_code)

    def get_user(self, user_id: int) -> User | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from_row(row) if row else None

    def set_user_active(self, user_id: int, active: bool) -> None:
        with self._tx() as tx:
            tx.run("UPDATE users SET active = ? WHERE id = ?", (active, user_id))

    def watch_source(self, user_id: int, kind: str, key: str, url: str) -> tuple[Source, bool]:
        with self._tx() as tx:
            # one watch or unwatch per user at a time, so the limit holds under concurrency
            tx.one("SELECT 1 AS x FROM users WHERE id = ? FOR UPDATE", (user_id,))
            # FOR SHARE: an unwatch by someone else cannot drop the source under us
            row = tx.one("SELECT * FROM sources WHERE key = ? FOR SHARE", (key,))
            if row is not None:
                linked = tx.one(
                    "SELECT 1 AS x FROM user_sources WHERE user_id = ? AND source_id = ?",
                    (user_id, row["id"]),
                )
                if linked:
                    return source_from_row(row), False
            count = tx.one("SELECT count(*) AS n FROM user_sources WHERE user_id = ?", (user_id,))
            if count is not None and count["n"] >= MAX_USER_SOURCES:
                raise BadInput("store.too_many_sources", count=MAX_USER_SOURCES)
            while row is None:
                tx.run(
                    """INSERT INTO sources (kind, key, url, added_at) VALUES (?, ?, ?, ?)
                       ON CONFLICT (key) DO NOTHING""",
                    (kind, key, url, now_text()),
                )
                row = tx.one("SELECT * FROM sources WHERE key = ? FOR SHARE", (key,))
            tx.run(
                """INSERT INTO user_sources (user_id, source_id, added_at) VALUES (?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (user_id, row["id"], now_text()),
            )
        return source_from_row(row), True

    def unwatch_source(self, user_id: int, key: str) -> bool:
        with self._tx() as tx:
            row = tx.one("SELECT id FROM sources WHERE key = ? FOR UPDATE", (key,))
            if row is None:
                return False
            removed = tx.run(
                "DELETE FROM user_sources WHERE user_id = ? AND source_id = ?",
                (user_id, row["id"]),
            )
            if removed:
                others = tx.one(
                    "SELECT 1 AS x FROM user_sources WHERE source_id = ? LIMIT 1", (row["id"],)
                )
                if others is None:
                    tx.run("DELETE FROM sources WHERE id = ?", (row["id"],))
        return removed > 0

    def user_sources(self, user_id: int) -> list[Source]:
        rows = self._read(
            """SELECT s.* FROM sources s JOIN user_sources u ON u.source_id = s.id
               WHERE u.user_id = ? ORDER BY u.added_at, s.id""",
            (user_id,),
        )
        return [source_from_row(row) for row in rows]

    def add_user_article(self, user_id: int, article_id: int) -> None:
        with self._tx() as tx:
            tx.run(
                """INSERT INTO user_articles (user_id, article_id, added_at)
                   SELECT ?, id, ? FROM articles WHERE id = ? ON CONFLICT DO NOTHING""",
                (user_id, now_text(), article_id),
            )

    def user_latest(
        self, user_id: int, limit: int = 10, *, before: int | None = None
    ) -> list[StoredArticle]:
        sql = """SELECT a.* FROM articles a WHERE a.id IN (
                     SELECT article_id FROM user_articles WHERE user_id = ?
                     UNION SELECT p.article_id FROM posts p
                     JOIN user_sources u ON u.source_id = p.source_id
                     WHERE u.user_id = ? AND p.article_id IS NOT NULL)"""
        params: list[object] = [user_id, user_id]
        if before is not None:
            # the page after ``before``: keyed on the article, so new ones never shift it
            sql += """ AND (COALESCE(a.published, a.ingested_at), a.id) <
                       (SELECT COALESCE(b.published, b.ingested_at), b.id
                        FROM articles b WHERE b.id = ?)"""
            params.append(before)
        sql += " ORDER BY COALESCE(a.published, a.ingested_at) DESC, a.id DESC LIMIT ?"
        params.append(limit)
        return [article_from_row(row) for row in self._read(sql, params)]

    def set_subscription(self, user_id: int, at: str | None, tz: str | None) -> None:
        with self._tx() as tx:
            tx.run(
                "UPDATE users SET digest_time = ?, digest_tz = ? WHERE id = ?", (at, tz, user_id)
            )

    # -- stats

    def probe(self, by: str) -> None:
        self.count_articles()
        with self._tx() as tx:
            tx.run(
                """INSERT INTO store_probe (probed_by, probed_at) VALUES (?, ?)
                   ON CONFLICT (probed_by) DO UPDATE SET probed_at = excluded.probed_at""",
                (by, now_text()),
            )
            # each process probes under its own name: the rows of processes gone go
            tx.run("DELETE FROM store_probe WHERE probed_at < ?", (days_ago(1),))

    def stats(self) -> dict[str, int]:
        counts = ", ".join(f"(SELECT count(*) FROM {t}) AS {name}" for name, t in _STATS.items())
        row = self._one(f"SELECT {counts}")
        assert row is not None
        return {name: int(row[name]) for name in _STATS}

    def failing_sources(self, limit: int = 5) -> list[Source]:
        rows = self._read(
            "SELECT * FROM sources WHERE failures > 0 ORDER BY failures DESC, id LIMIT ?",
            (limit,),
        )
        return [source_from_row(row) for row in rows]


def _existing(
    one: Callable[[str, Params], Row | None], url_key: str | None, digest: str | None
) -> int | None:
    """The id of the article stored under this URL key or content hash, if any."""
    for column, value in (("url_key", url_key), ("content_hash", digest)):
        row = one(f"SELECT id FROM articles WHERE {column} = ?", (value,)) if value else None
        if row:
            return int(row["id"])
    return None
