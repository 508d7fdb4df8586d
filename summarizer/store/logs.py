"""The store's update log and digest log, written once over the backend's SQL dialect.

The update log makes each Telegram update handled at least once and answered once
(claimed with its JSON, finished when answered, handed back after a crash); the
digest log makes each scheduled digest go out exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .dialect import Backend, Tx
from .records import (
    DigestCandidate,
    DigestDelivery,
    DigestSettings,
    UnfinishedUpdate,
    User,
    article_from_row,
    days_ago,
    delivery_from_row,
    digest_settings_from_row,
    now_text,
    replay_window,
    sort_unfinished,
    user_from_row,
)


class LogBodies(Backend):
    """The update-log and digest-log methods of :class:`~.sql.SQLStore`."""

    # -- the update log

    def claim_update(self, update_id: int, payload: str | None = None) -> bool:
        with self._tx() as tx:
            return self._claim_update(tx, update_id, payload)

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
        with self._tx() as tx:
            if claim and not self._claim_update(tx, update_id, payload):
                return False, None
            if user_id is None:
                return True, None
            if chat_id is not None:
                known = tx.one("SELECT language_code FROM users WHERE id = ?", (user_id,))
                # Telegram's language_code picks the language at first contact only
                first = known is None or not known["language_code"]
                return True, self._upsert_user(
                    tx, user_id, chat_id, language_code if first else None
                )
            row = tx.one("SELECT * FROM users WHERE id = ?", (user_id,))
            return True, user_from_row(row) if row else None

    def _claim_update(self, tx: Tx, update_id: int, payload: str | None) -> bool:
        # a concurrent claim of the same id waits for this one, then finds it taken
        claimed = tx.run(
            """INSERT INTO handled_updates (update_id, handled_at, payload, done)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (update_id, now_text(), payload, payload is None),
        )
        if claimed:
            # keep the table small: Telegram never redelivers updates this old
            tx.run("DELETE FROM handled_updates WHERE update_id < ?", (update_id - 100_000,))
        return claimed > 0

    def _upsert_user(self, tx: Tx, user_id: int, chat_id: int, language_code: str | None) -> User:
        now = now_text()
        row = tx.one(
            """INSERT INTO users (id, chat_id, language_code, active, created_at, seen_at)
               VALUES (?, ?, ?, TRUE, ?, ?)
               ON CONFLICT (id) DO UPDATE SET chat_id = excluded.chat_id,
                   language_code = COALESCE(excluded.language_code, users.language_code),
                   active = TRUE, seen_at = excluded.seen_at
               RETURNING *""",
            (user_id, chat_id, self.dialect.clean(language_code), now, now),
        )
        assert row is not None
        return user_from_row(row)

    def finish_update(self, update_id: int) -> None:
        with self._tx() as tx:
            tx.run(
                "UPDATE handled_updates SET done = TRUE, payload = NULL WHERE update_id = ?",
                (update_id,),
            )

    def note_progress(self, update_id: int, message_id: int) -> None:
        with self._tx() as tx:
            tx.run(
                "UPDATE handled_updates SET progress_id = ? WHERE update_id = ? AND done = FALSE",
                (message_id, update_id),
            )

    def unfinished_updates(
        self, *, older_than: float = 0.0, max_attempts: int = 3, max_age: float = 3600.0
    ) -> list[UnfinishedUpdate]:
        before, stale = replay_window(older_than, max_age)
        with self._tx() as tx:
            # SKIP LOCKED: two instances starting together never take the same update
            rows = tx.all(
                """SELECT update_id, payload, progress_id, attempts, handled_at FROM handled_updates
                   WHERE done = FALSE AND handled_at <= ? ORDER BY update_id
                   FOR UPDATE SKIP LOCKED""",
                (before,),
            )
            dropped, kept = sort_unfinished(rows, max_attempts, stale)
            tx.many(
                "UPDATE handled_updates SET done = TRUE, payload = NULL WHERE update_id = ?",
                [(update_id,) for update_id in dropped],
            )
            tx.many(
                "UPDATE handled_updates SET attempts = attempts + 1 WHERE update_id = ?",
                [(u.update_id,) for u in kept],
            )
        return kept

    # -- the digest log

    def digest_settings(self, user_id: int) -> DigestSettings | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return digest_settings_from_row(row) if row else None

    def subscribers(self) -> list[DigestSettings]:
        rows = self._read("SELECT * FROM users WHERE digest_time IS NOT NULL ORDER BY id")
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
        clean = self.dialect.clean
        with self._tx() as tx:
            row = tx.one("SELECT digest_filters FROM users WHERE id = ? FOR UPDATE", (user_id,))
            if row is None:
                return
            filters = json.loads(row["digest_filters"] or "{}")
            if include is not None:
                filters["include"] = [clean(w) for w in include]
            if exclude is not None:
                filters["exclude"] = [clean(w) for w in exclude]
            tx.run(
                """UPDATE users SET digest_frequency = COALESCE(?, digest_frequency),
                       digest_skip_empty = COALESCE(?, digest_skip_empty),
                       digest_filters = ? WHERE id = ?""",
                (frequency, skip_empty, json.dumps(filters, ensure_ascii=False), user_id),
            )

    def digest_candidates(
        self, user_id: int, since: str | None, until: str, limit: int = 500
    ) -> list[DigestCandidate]:
        rows = self._read(
            """SELECT a.* FROM articles a
               WHERE a.ingested_at >= ? AND a.ingested_at <= ?
                 AND NOT EXISTS (SELECT 1 FROM digest_items d
                                 WHERE d.user_id = ? AND d.article_id = a.id)
                 AND (EXISTS (SELECT 1 FROM posts p
                              JOIN user_sources u ON u.source_id = p.source_id
                              WHERE p.article_id = a.id AND u.user_id = ?)
                      OR EXISTS (SELECT 1 FROM user_articles m
                                 WHERE m.article_id = a.id AND m.user_id = ?))
               ORDER BY a.ingested_at DESC, a.id DESC LIMIT ?""",
            (since or "", until, user_id, user_id, user_id, limit),
        )
        found = [article_from_row(row) for row in rows]
        where: dict[int, list[tuple[str, str, str]]] = {s.id: [] for s in found}
        ids = list(where)
        for start in range(0, len(ids), 500):
            among, params = self.dialect.in_list("p.article_id", ids[start : start + 500])
            for r in self._read(
                f"""SELECT DISTINCT p.article_id, s.id, s.kind, s.key, s.url FROM posts p
                    JOIN sources s ON s.id = p.source_id WHERE {among} ORDER BY s.id""",
                params,
            ):
                where[int(r["article_id"])].append((r["kind"], r["key"], r["url"]))
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
        clean = self.dialect.clean
        with self._tx() as tx:
            # the first instance to begin this (user, slot) digest wins; any other one,
            # now or after a restart, gets the recorded row and its progress
            tx.run(
                """INSERT INTO digest_deliveries
                       (key, user_id, slot, until, status, parts, article_ids, created_at)
                   VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
                   ON CONFLICT (key) DO NOTHING""",
                (key, user_id, slot, until,
                 json.dumps([clean(p) for p in parts], ensure_ascii=False),
                 json.dumps(list(article_ids)), now_text()),
            )  # fmt: skip
            row = tx.one("SELECT * FROM digest_deliveries WHERE key = ?", (key,))
        assert row is not None
        return delivery_from_row(row)

    def digest_part_sent(self, key: str, parts_sent: int) -> None:
        with self._tx() as tx:
            tx.run(
                "UPDATE digest_deliveries SET parts_sent = greatest(parts_sent, ?) WHERE key = ?",
                (parts_sent, key),
            )

    def finish_digest(self, key: str, status: str) -> None:
        now = now_text()
        with self._tx() as tx:
            # FOR UPDATE: of two instances finishing one digest, the second waits, then
            # sees it finished and leaves it as it is
            row = tx.one("SELECT * FROM digest_deliveries WHERE key = ? FOR UPDATE", (key,))
            if row is None or row["status"] != "pending":
                return
            parts = len(json.loads(row["parts"]))
            tx.run(
                """UPDATE digest_deliveries SET status = ?, finished_at = ?,
                       parts_sent = CASE WHEN ? = 'sent' THEN ? ELSE parts_sent END
                   WHERE key = ?""",
                (status, now, status, parts, key),
            )
            if status == "blocked":
                return
            among, ids = self.dialect.in_list("id", json.loads(row["article_ids"]))
            tx.run(
                f"""INSERT INTO digest_items (user_id, article_id, delivery_key, delivered_at)
                    SELECT ?, id, ?, ? FROM articles WHERE {among}
                    ON CONFLICT DO NOTHING""",
                (row["user_id"], key, now, *ids),
            )
            tx.run(
                """UPDATE users SET digest_since = ?
                   WHERE id = ? AND (digest_since IS NULL OR digest_since < ?)""",
                (row["until"], row["user_id"], row["until"]),
            )
            # the marks only matter for articles newer than the watermark: keep a month
            tx.run(
                "DELETE FROM digest_items WHERE user_id = ? AND delivered_at < ?",
                (row["user_id"], days_ago(31)),
            )

    def is_users_article(self, user_id: int, article_id: int) -> bool:
        row = self._one(
            """SELECT 1 AS found WHERE
                 EXISTS (SELECT 1 FROM digest_items WHERE user_id = ? AND article_id = ?)
                 OR EXISTS (SELECT 1 FROM user_articles WHERE user_id = ? AND article_id = ?)
                 OR EXISTS (SELECT 1 FROM posts p JOIN user_sources u ON u.source_id = p.source_id
                            WHERE u.user_id = ? AND p.article_id = ?)""",
            (user_id, article_id) * 3,
        )
        return row is not None

    def get_delivery(self, key: str) -> DigestDelivery | None:
        row = self._one("SELECT * FROM digest_deliveries WHERE key = ?", (key,))
        return delivery_from_row(row) if row else None
