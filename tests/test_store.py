"""The store on both backends: migrations, deduplication, transactions, search and sources."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.errors import BadInput
from summarizer.store import ADMIN_SOURCE_KIND, MIGRATIONS, SQLiteStore, Store, open_store


def _article(url: str | None = "https://example.com/news/1", text: str | None = None) -> Article:
    return Article(
        text=text or "Vladimir Medinsky led the delegation. The talks lasted two hours.",
        url=url,
        title="Talks",
        published="2025-05-16",
        language="en",
    )


def test_new_store_is_migrated(store: Store, store_url: str) -> None:
    assert store.schema_version == len(MIGRATIONS)  # type: ignore[attr-defined]
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store_url) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    else:
        from summarizer.store.postgres import PG_MIGRATIONS

        assert len(PG_MIGRATIONS) == len(MIGRATIONS)  # one numbering for both backends


def test_reopening_keeps_data_and_does_not_migrate_again(store_url: str) -> None:
    with open_store(store_url) as first:
        first.add_article(_article(), ["a sentence"], ["a sentence"])
    with open_store(store_url) as second:
        assert second.count_articles() == 1
        assert second.schema_version == len(MIGRATIONS)  # type: ignore[attr-defined]


def test_same_url_with_tracking_parameters_is_stored_once(store: Store) -> None:
    first = store.add_article(_article("https://example.com/news/1"), ["s"], ["s"])
    again = store.add_article(
        _article("https://www.EXAMPLE.com/news/1/?utm_source=tg&fbclid=x", text="Other text."),
        ["s"],
        ["s"],
    )
    assert first.created
    assert not again.created
    assert again.article_id == first.article_id
    assert store.count_articles() == 1


def test_same_text_under_another_url_is_stored_once(store: Store) -> None:
    store.add_article(_article("https://a.example/x"), ["s"], ["s"])
    again = store.add_article(
        _article(
            "https://b.example/y",
            text="VLADIMIR  Medinsky led the delegation! The talks lasted two hours",
        ),
        ["s"],
        ["s"],
    )
    assert not again.created
    assert store.count_articles() == 1


def test_a_failed_ingest_leaves_nothing_behind(store: Store) -> None:
    class Boom(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield "first sentence"
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.add_article(_article(), Boom(), ["s"])
    assert store.count_articles() == 0
    assert store.search_sentences(["first"]) == []


def test_sentence_search_ranks_matches_and_ignores_fts_syntax(store: Store) -> None:
    store.add_article(
        _article(),
        ["Vladimir Medinsky led the delegation.", "The talks lasted two hours."],
        ["Vladimir Medinsky led the delegation."],
    )
    hits = store.search_sentences(["Medinsky", "delegation"])
    assert hits[0].text == "Vladimir Medinsky led the delegation."
    assert hits[0].url == "https://example.com/news/1"
    assert store.search_sentences(['"unbalanced', "AND OR NOT (", "*"]) == []


def test_latest_orders_by_date(store: Store) -> None:
    old = Article(text="Old news text here.", url="https://e.x/old", published="2020-01-01")
    new = Article(text="New news text here.", url="https://e.x/new", published="2025-01-01")
    store.add_article(old, ["Old."], ["Old."])
    store.add_article(new, ["New."], ["New."])
    assert [a.article.url for a in store.latest(2)] == ["https://e.x/new", "https://e.x/old"]


def test_a_users_latest_are_their_sources_posts_and_links_newest_by_date(store: Store) -> None:
    """Store.user_latest: only what the user watches or sent, by the article's date
    (published, else stored), paged after a given article; another user's stay theirs."""

    def add(name: str, published: str | None) -> int:
        article = Article(
            text=f"{name} news text here.", url=f"https://e.x/{name}", published=published
        )
        return store.add_article(article, [f"{name}."], [f"{name}."]).article_id

    store.upsert_user(1, 1, "en")
    store.upsert_user(2, 2, "en")
    mine_old, mine_new = add("mine-old", "2020-01-01"), add("mine-new", "2025-01-01")
    sent, theirs, unseen = add("sent", "2023-06-01"), add("theirs", "2026-01-01"), add("x", None)
    source, _ = store.watch_source(1, "channel", "mine", "https://t.me/s/mine")
    other, _ = store.watch_source(2, "channel", "theirs", "https://t.me/s/theirs")
    store.mark_post(source.id, "1", mine_old)
    store.mark_post(source.id, "2", mine_new)
    store.mark_post(source.id, "3", None)  # a post that was no article
    store.mark_post(other.id, "1", theirs)
    store.add_user_article(1, sent)
    store.add_user_article(1, sent)  # twice: listed once
    store.add_user_article(2, unseen)
    store.add_user_article(1, 10_000)  # not stored: nothing recorded

    def ids(user: int, limit: int = 10, before: int | None = None) -> list[int]:
        return [a.id for a in store.user_latest(user, limit, before=before)]

    assert ids(1) == [mine_new, sent, mine_old]
    assert ids(2) == [unseen, theirs]  # stored today, without a date: newest
    assert ids(1, 2) == [mine_new, sent]
    assert ids(1, 2, before=sent) == [mine_old]  # the next page
    assert ids(1, 2, before=mine_old) == []
    assert ids(3) == []  # watches nothing, sent nothing: nothing, not everyone's


def test_sources_and_posts(store: Store) -> None:
    source, created = store.add_source("channel", "youlistenedmayak", "https://t.me/s/x")
    assert created
    assert store.add_source("channel", "youlistenedmayak", "https://t.me/s/x")[1] is False
    store.update_source(source.id, etag='"abc"', last_modified="Fri, 16 May 2025 10:00:00 GMT")
    store.update_source(source.id, error="timed out")
    (listed,) = store.list_sources()
    assert listed.etag == '"abc"'
    assert listed.failures == 1
    assert listed.last_error == "timed out"
    assert not store.seen_post(source.id, "37025")
    store.mark_post(source.id, "37025", None)
    assert store.seen_post(source.id, "37025")
    assert store.remove_source("youlistenedmayak")
    assert not store.remove_source("youlistenedmayak")


@pytest.mark.parametrize("db", ["postgresql://127.0.0.1:1/x", "mysql://x", "/no/such/dir/n.db"])
def test_unusable_store_names_are_refused(db: str) -> None:
    with pytest.raises(BadInput):
        open_store(db)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput):
        open_store(str(path))


# -- shared polling: claim_sources leases each due source to one worker -------------------


def _polled(store: Store, key: str, *, failures: int = 0) -> int:
    """A source polled just now, failing ``failures`` times in a row."""
    source, _ = store.add_source("feed", key, f"https://feeds.example/{key}")
    store.update_source(source.id, etag='"x"')
    for _ in range(failures):
        store.update_source(source.id, error="HTTP 500")
    return source.id


def _claim(store: Store, worker: str, at: datetime, **options: float) -> list[str]:
    settings = {"min_age": 60.0, "lease_seconds": 300.0, "max_backoff": 3600.0, **options}
    limit = int(settings.pop("limit", 100))
    return [
        s.key
        for s in store.claim_sources(
            worker,
            min_age=settings["min_age"],
            lease_seconds=settings["lease_seconds"],
            max_backoff=settings["max_backoff"],
            limit=limit,
            now=at,
        )
    ]


def test_two_claimers_never_get_the_same_source(store: Store) -> None:
    for n in range(5):
        store.add_source("feed", f"f{n}", f"https://feeds.example/{n}")
    store.add_source(ADMIN_SOURCE_KIND, "admin:-100", "https://t.me/c")  # never polled
    now = datetime.now(UTC)
    first = _claim(store, "a", now, limit=3)
    second = _claim(store, "b", now)
    assert len(first) == 3
    assert sorted(first + second) == [f"f{n}" for n in range(5)]
    assert _claim(store, "c", now) == []


def test_claims_take_the_never_polled_then_the_oldest_first(store: Store) -> None:
    newer, _ = store.add_source("feed", "newer", "https://feeds.example/newer")
    older, _ = store.add_source("feed", "older", "https://feeds.example/older")
    store.update_source(older.id)
    time.sleep(1.1)  # last_polled has whole seconds
    store.update_source(newer.id)
    store.add_source("feed", "never", "https://feeds.example/never")
    later = datetime.now(UTC) + timedelta(hours=1)
    assert _claim(store, "a", later, limit=1) == ["never"]
    assert _claim(store, "a", later, limit=1) == ["older"]
    assert _claim(store, "a", later, limit=1) == ["newer"]


def test_a_source_polled_recently_is_not_due(store: Store) -> None:
    _polled(store, "fresh")
    now = datetime.now(UTC)
    assert _claim(store, "a", now + timedelta(seconds=30), min_age=60) == []
    assert _claim(store, "a", now + timedelta(seconds=62), min_age=60) == ["fresh"]


def test_an_expired_lease_can_be_claimed_again(store: Store) -> None:
    store.add_source("feed", "slow", "https://feeds.example/slow")
    now = datetime.now(UTC)
    assert _claim(store, "a", now, lease_seconds=60) == ["slow"]
    assert _claim(store, "b", now + timedelta(seconds=59), lease_seconds=60) == []
    # worker a died without releasing: once the lease runs out, b takes the source
    assert _claim(store, "b", now + timedelta(seconds=61), lease_seconds=60) == ["slow"]


def test_release_clears_only_the_holders_lease(store: Store) -> None:
    source, _ = store.add_source("feed", "f", "https://feeds.example/f")
    now = datetime.now(UTC)
    assert _claim(store, "a", now) == ["f"]
    store.release_source(source.id, "b")  # not b's lease
    assert _claim(store, "b", now + timedelta(seconds=1)) == []
    store.release_source(source.id, "a")
    assert _claim(store, "b", now + timedelta(seconds=1)) == ["f"]


def test_release_after_a_poll_keeps_the_source_until_it_is_due(store: Store) -> None:
    source, _ = store.add_source("feed", "f", "https://feeds.example/f")
    now = datetime.now(UTC)
    assert _claim(store, "a", now) == ["f"]
    store.update_source(source.id, etag='"1"')
    store.release_source(source.id, "a")
    assert _claim(store, "b", now + timedelta(seconds=10), min_age=60) == []
    assert _claim(store, "b", now + timedelta(seconds=70), min_age=60) == ["f"]


def test_claims_honour_the_backoff_of_failing_sources(store: Store) -> None:
    _polled(store, "failing", failures=2)  # due 60 * 2**2 = 240 s after its last poll
    _polled(store, "hopeless", failures=30)  # capped at max_backoff
    now = datetime.now(UTC)
    assert _claim(store, "a", now + timedelta(seconds=200), max_backoff=1000) == []
    at = now + timedelta(seconds=242)
    assert _claim(store, "a", at, max_backoff=1000, lease_seconds=3600) == ["failing"]
    assert _claim(store, "a", now + timedelta(seconds=1002), max_backoff=1000) == ["hopeless"]


def test_the_admin_kind_is_the_watchers(store: Store) -> None:
    from summarizer.watch import ADMIN_KIND

    assert ADMIN_KIND == ADMIN_SOURCE_KIND


def test_concurrent_claimers_split_the_sources(store_url: str) -> None:
    """Several workers, each with its own store (connection), claim at the same moment."""
    with open_store(store_url) as setup:
        for n in range(60):
            setup.add_source("feed", f"f{n:02d}", f"https://feeds.example/{n}")
    now = datetime.now(UTC)
    start = threading.Barrier(4)

    def worker(name: str) -> list[str]:
        got: list[str] = []
        with open_store(store_url) as mine:
            start.wait()
            while batch := _claim(mine, name, now, limit=3):
                got.extend(batch)
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(worker, ["w1", "w2", "w3", "w4"]))
    claimed = [key for keys in results for key in keys]
    assert sorted(claimed) == [f"f{n:02d}" for n in range(60)]  # each exactly once


# -- updates handled at least once (an update claimed by a killed process is kept)


def test_an_update_claimed_with_its_payload_stays_unfinished_until_finished(
    store: Store,
) -> None:
    assert store.claim_update(11, '{"update_id": 11}')
    assert not store.claim_update(11, '{"update_id": 11}')  # claimed: never twice at once
    assert store.claim_update(12)  # no payload: finished at once, as before
    store.note_progress(11, 501)
    pending = store.unfinished_updates()
    assert [(u.update_id, u.payload, u.progress_id) for u in pending] == [
        (11, '{"update_id": 11}', 501)
    ]
    store.finish_update(11)
    assert store.unfinished_updates() == []
    assert not store.claim_update(11, '{"update_id": 11}')  # finished: never again


def test_begin_update_claims_and_remembers_the_sender_in_one_step(store: Store) -> None:
    fresh, user = store.begin_update(
        41, '{"update_id": 41}', user_id=7, chat_id=70, language_code="uk"
    )
    assert fresh
    assert user is not None
    assert (user.chat_id, user.language_code) == (70, "uk")
    assert store.begin_update(41, '{"update_id": 41}', user_id=7, chat_id=70) == (False, None)
    # the language is Telegram's only at first contact; /lang's choice stays
    store.upsert_user(7, 70, "ru")
    fresh, user = store.begin_update(42, None, user_id=7, chat_id=70, language_code="en")
    assert fresh
    assert user is not None
    assert user.language_code == "ru"
    # a group message: the sender is looked up, not stored
    assert store.begin_update(43, None, user_id=8) == (True, None)
    assert store.get_user(8) is None
    # handed back after a restart: the claim is held already
    fresh, user = store.begin_update(41, None, claim=False, user_id=7)
    assert fresh
    assert user is not None
    assert user.id == 7
    assert [u.update_id for u in store.unfinished_updates()] == [41]


def test_unfinished_updates_give_up_after_max_attempts(store: Store) -> None:
    store.claim_update(21, '{"update_id": 21}')
    for _ in range(3):
        assert [u.update_id for u in store.unfinished_updates(max_attempts=3)] == [21]
    assert store.unfinished_updates(max_attempts=3) == []  # an update that kills every run
    assert store.unfinished_updates(max_attempts=9) == []  # given up is finished


def test_unfinished_updates_only_older_than_asked(store: Store) -> None:
    store.claim_update(31, '{"update_id": 31}')
    assert store.unfinished_updates(older_than=3600) == []  # maybe still being handled
    assert [u.update_id for u in store.unfinished_updates()] == [31]


# -- facts read after the article is stored ----------------------------------------------


def test_facts_left_pending_are_listed_then_stored_exactly_once(store: Store) -> None:
    from summarizer.facts import analyse

    sentences = ["Vladimir Medinsky led the delegation.", "The talks lasted two hours."]
    pending = store.add_article(_article(), sentences, sentences[:1], facts_pending=True)
    done = store.add_article(
        _article("https://example.com/news/2", "Anna Berg met Ola Lund in Oslo."),
        ["Anna Berg met Ola Lund in Oslo."],
        ["Anna Berg met Ola Lund in Oslo."],
        analyse(["Anna Berg met Ola Lund in Oslo."], "en"),
    )
    assert store.count_pending_facts() == 1
    [listed] = store.pending_facts()
    assert (listed.article_id, listed.language, listed.title) == (pending.article_id, "en", "Talks")
    assert listed.sentences == sentences  # in order
    assert store.pending_facts([done.article_id]) == []
    assert store.find_facts(predicates=["lead"]) == []

    analysis = analyse(sentences, "en")
    assert store.add_facts(pending.article_id, analysis) is True
    assert store.add_facts(pending.article_id, analysis) is False  # read by another first
    assert store.count_pending_facts() == 0
    [fact] = store.find_facts(predicates=["lead"])
    assert fact.subject == "Vladimir Medinsky"
    assert fact.article_id == pending.article_id


def test_pending_facts_of_given_articles_keep_their_order(store: Store) -> None:
    ids = [
        store.add_article(
            _article(f"https://example.com/news/{n}", f"Story number {n} is about fish quotas."),
            [f"Story number {n} is about fish quotas."],
            [f"Story number {n} is about fish quotas."],
            facts_pending=True,
        ).article_id
        for n in range(4)
    ]
    assert store.add_facts(ids[2], None) is True  # no facts, and no longer pending
    assert [p.article_id for p in store.pending_facts([ids[3], ids[2], ids[0], ids[3]])] == [
        ids[3],
        ids[0],
    ]
    assert [p.article_id for p in store.pending_facts([ids[3], ids[0]], limit=1)] == [ids[3]]
    assert [p.article_id for p in store.pending_facts()] == [ids[3], ids[1], ids[0]]  # newest first
    assert store.pending_facts([]) == []
