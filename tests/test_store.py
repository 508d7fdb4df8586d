"""The SQLite store: migrations, deduplication, transactions, search and sources."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.errors import BadInput
from summarizer.store import MIGRATIONS, SQLiteStore, open_store


def _article(url: str | None = "https://example.com/news/1", text: str | None = None) -> Article:
    return Article(
        text=text or "Vladimir Medinsky led the delegation. The talks lasted two hours.",
        url=url,
        title="Talks",
        published="2025-05-16",
        language="en",
    )


def test_new_store_is_migrated_and_in_wal_mode(store: SQLiteStore, tmp_path: Path) -> None:
    assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "newsbot.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = str(tmp_path / "again.db")
    with open_store(path) as first:
        first.add_article(_article(), ["a sentence"], ["a sentence"])
    with open_store(path) as second:
        assert second.count_articles() == 1


def test_same_url_with_tracking_parameters_is_stored_once(store: SQLiteStore) -> None:
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


def test_same_text_under_another_url_is_stored_once(store: SQLiteStore) -> None:
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


def test_a_failed_ingest_leaves_nothing_behind(store: SQLiteStore) -> None:
    class Boom(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield "first sentence"
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.add_article(_article(), Boom(), ["s"])
    assert store.count_articles() == 0
    assert store.search_sentences(["first"]) == []


def test_sentence_search_ranks_matches_and_ignores_fts_syntax(store: SQLiteStore) -> None:
    store.add_article(
        _article(),
        ["Vladimir Medinsky led the delegation.", "The talks lasted two hours."],
        ["Vladimir Medinsky led the delegation."],
    )
    hits = store.search_sentences(["Medinsky", "delegation"])
    assert hits[0].text == "Vladimir Medinsky led the delegation."
    assert hits[0].url == "https://example.com/news/1"
    assert store.search_sentences(['"unbalanced', "AND OR NOT (", "*"]) == []


def test_latest_orders_by_date(store: SQLiteStore) -> None:
    old = Article(text="Old news text here.", url="https://e.x/old", published="2020-01-01")
    new = Article(text="New news text here.", url="https://e.x/new", published="2025-01-01")
    store.add_article(old, ["Old."], ["Old."])
    store.add_article(new, ["New."], ["New."])
    assert [a.article.url for a in store.latest(2)] == ["https://e.x/new", "https://e.x/old"]


def test_sources_and_posts(store: SQLiteStore) -> None:
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


@pytest.mark.parametrize("db", ["postgresql://localhost/x", "mysql://x", "/no/such/dir/n.db"])
def test_unusable_store_names_are_refused(db: str) -> None:
    with pytest.raises(BadInput):
        open_store(db)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput):
        open_store(str(path))
