"""The PostgreSQL store on its own (concurrency between processes and connections, its
text search configurations, lost connections) and next to SQLite (the same answers).

The behaviour both backends share is tested in test_store.py, on both.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from summarizer.article import Article
from summarizer.facts import Analysis, Mention
from summarizer.store import MIGRATIONS, Store, open_store
from tests.conftest import EVAL, ISTANBUL, SEEDS, fresh_store_url, run_cli

psycopg = pytest.importorskip("psycopg")

T = TypeVar("T")


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with fresh_store_url("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def pg(pg_url: str) -> Iterator[Store]:
    with open_store(pg_url) as store:
        yield store


def _at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..count-1)`` in threads that start together."""
    gate = threading.Barrier(count)

    def run(n: int) -> T:
        gate.wait()
        return work(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _sql(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


def test_processes_starting_at_once_migrate_once(pg_url: str) -> None:
    def start(_: int) -> int:
        with open_store(pg_url) as store:
            return store.schema_version  # type: ignore[attr-defined]

    assert set(_at_once(6, start)) == {len(MIGRATIONS)}
    assert _sql(pg_url, "SELECT version FROM schema_version") == [(len(MIGRATIONS),)]


def test_an_article_stored_by_many_at_once_is_stored_once(pg_url: str) -> None:
    text = "The council approved the budget. Schools get more money this year."

    def ingest(n: int) -> tuple[int, bool]:
        # the same URL (with tracking parameters) or the same text under another URL
        url = f"https://city.example/budget?utm_source={n}" if n % 2 else f"https://m{n}.example/b"
        article = Article(text=text, url=url, title="Budget", language="en")
        with open_store(pg_url) as store:
            result = store.add_article(article, text.split(". "), [text])
        return result.article_id, result.created

    results = _at_once(8, ingest)
    assert len({article_id for article_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert _sql(pg_url, "SELECT count(*) FROM articles") == [(1,)]
    assert _sql(pg_url, "SELECT count(*) FROM sentences") == [(2,)]
    assert _sql(pg_url, "SELECT sentences FROM search_stats") == [(2,)]


def test_each_update_is_claimed_by_exactly_one_instance(pg_url: str) -> None:
    ids = list(range(1000, 1060))

    def instance(n: int) -> list[int]:
        order = ids[:]
        random.Random(n).shuffle(order)
        with open_store(pg_url) as store:
            return [update for update in order if store.claim_update(update)]

    claimed = [update for got in _at_once(4, instance) for update in got]
    assert sorted(claimed) == ids


def test_a_digest_begun_and_finished_by_two_instances_is_delivered_once(pg_url: str) -> None:
    with open_store(pg_url) as setup:
        setup.upsert_user(7, 7, "en")
        stories = [
            setup.add_article(
                Article(text=f"Story {n} about the harbour works.", url=f"https://p.example/{n}"),
                [f"Story {n} about the harbour works."],
                ["s"],
            ).article_id
            for n in range(3)
        ]
    key = "7:2030-01-01T08:00"
    until = "2030-01-01T08:00:00+00:00"

    def instance(n: int) -> tuple[list[str], list[int]]:
        with open_store(pg_url) as store:
            begun = store.begin_digest(key, 7, "slot", until, [f"part from {n}"], stories)
            store.digest_part_sent(key, 1)
            store.finish_digest(key, "sent")
            return begun.parts, begun.article_ids

    results = _at_once(4, instance)
    assert len({json.dumps(r) for r in results}) == 1  # all saw the first one's digest
    with open_store(pg_url) as store:
        done = store.get_delivery(key)
        assert done is not None
        assert (done.status, done.parts_sent) == ("sent", 1)
        assert store.digest_candidates(7, None, until) == []
        settings = store.digest_settings(7)
        assert settings is not None
        assert settings.since == until
    assert _sql(pg_url, "SELECT count(*) FROM digest_items") == [(3,)]
    assert _sql(pg_url, "SELECT count(*) FROM digest_deliveries") == [(1,)]


def test_articles_naming_the_same_entities_store_at_once(pg_url: str) -> None:
    """Entity rows are upserted in key order: no deadlock between two ingests."""
    keys = [f"person:name{n:02d}" for n in range(30)]

    def ingest(n: int) -> bool:
        order = keys[:]
        random.Random(n).shuffle(order)
        mentions = [
            Mention(0, i, i + 1, f"Name{i}", "PERSON", key, f"Person Name{n}{i}")
            for i, key in enumerate(order)
        ]
        text = f"Article {n} names thirty people in one sentence."
        article = Article(text=text, url=f"https://names.example/{n}", language="en")
        with open_store(pg_url) as store:
            analysis = Analysis(mentions=mentions, facts=[], names={})
            return store.add_article(article, [text], [text], analysis).created

    assert all(_at_once(6, ingest))
    assert _sql(pg_url, "SELECT count(*) FROM entities") == [(30,)]
    assert _sql(pg_url, "SELECT count(*) FROM mentions") == [(180,)]


def _claim_in_process(url: str, worker: str, now: str) -> list[str]:
    """One poll worker process: claim until nothing is due (run in a child process)."""
    got: list[str] = []
    with open_store(url) as store:
        while batch := store.claim_sources(
            worker,
            min_age=60,
            lease_seconds=300,
            max_backoff=3600,
            limit=2,
            now=datetime.fromisoformat(now),
        ):
            got.extend(s.key for s in batch)
    return got


def test_worker_processes_split_the_due_sources(pg_url: str) -> None:
    with open_store(pg_url) as setup:
        for n in range(40):
            setup.add_source("feed", f"feed{n:02d}", f"https://feeds.example/{n}")
    now = datetime.now(UTC).isoformat()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=context) as pool:
        futures = [pool.submit(_claim_in_process, pg_url, f"w{n}", now) for n in range(3)]
        results = [f.result(timeout=120) for f in futures]
    claimed = [key for keys in results for key in keys]
    assert sorted(claimed) == [f"feed{n:02d}" for n in range(40)]  # each once, none lost
    leased = _sql(pg_url, "SELECT count(*) FROM sources WHERE leased_by IS NOT NULL")
    assert leased == [(40,)]
    later = (datetime.fromisoformat(now) + timedelta(seconds=30)).isoformat()
    assert _claim_in_process(pg_url, "late", later) == []  # leased, not due


def test_each_language_gets_its_text_search_configuration(pg: Store, pg_url: str) -> None:
    ru = "Делегацию России возглавил Владимир Мединский."
    uk = "Делегацію України очолив Рустем Умєров."
    pg.add_article(Article(text=ru, url="https://ru.example/1", language="ru"), [ru], [ru])
    pg.add_article(Article(text=uk, url="https://uk.example/1", language="uk"), [uk], [uk])
    # Russian words are stemmed: another form of the verb finds the sentence (on SQLite,
    # "возглавила"* does not match "возглавил")
    assert [h.text for h in pg.search_sentences(["возглавила"])] == [ru]
    assert ru in [h.text for h in pg.search_sentences(["делегации"])]
    # Ukrainian has no configuration of its own: 'simple' keeps the words as written
    lexemes = _sql(pg_url, "SELECT tsv::text FROM sentences ORDER BY id")
    assert "'делегац'" in str(lexemes[0][0])
    assert "'делегацію'" in str(lexemes[1][0])


def test_nul_characters_are_dropped_not_fatal(pg: Store) -> None:
    text = "A page with a stray \x00 byte in its text, read anyway."
    result = pg.add_article(
        Article(text=text, url="https://nul.example/1", title="a\x00b"), [text], [text]
    )
    stored = pg.get_article(result.article_id)
    assert stored is not None
    assert "\x00" not in stored.article.text
    assert stored.article.title == "ab"
    assert pg.search_sentences(["stray"])


def test_a_lost_connection_is_opened_again(pg: Store, pg_url: str) -> None:
    pg.add_source("feed", "f", "https://feeds.example/f")
    pid = pg._db.info.backend_pid  # type: ignore[attr-defined]
    with psycopg.connect(pg_url, autocommit=True) as admin:  # as a server restart would
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
    # a read on the dropped connection is tried again on a new one
    assert [s.key for s in pg.list_sources()] == ["f"]
    pg.add_source("feed", "g", "https://feeds.example/g")
    assert len(pg.list_sources()) == 2


def test_the_answers_are_the_same_on_both_backends(tmp_path: Path, pg: Store) -> None:
    from summarizer import core
    from summarizer.answer import answer_question

    dev = EVAL / "seed_qa_dev.json"
    questions = [
        "Who led the Russian delegation?",
        "Where did the talks take place?",
        "How long did the talks last?",
        "Who is Vladimir Medinsky?",
        "Кто возглавил делегацию России?",
        "What did the British government change for scientists?",
        "Сколько домов затопило в Тулуне?",
    ]
    if dev.exists():
        questions += [item["q"] for item in json.loads(dev.read_text("utf-8"))["questions"]]
    with open_store(str(tmp_path / "s.db")) as sqlite:
        for path in sorted(SEEDS.glob("*.txt")):
            digested = core.digest(core.read_file(path))
            assert core.store_digest(sqlite, digested).article_id == (
                core.store_digest(pg, digested).article_id
            )
        answered = 0
        for question in questions:
            on_sqlite = answer_question(sqlite, question).to_json()
            on_pg = answer_question(pg, question).to_json()
            # the same answer, confidence and evidence; of the closest sentences shown
            # without an answer, the first (the full-text scores differ by engine, so
            # the order of the weaker ones may too)
            assert on_pg["related"][:1] == on_sqlite["related"][:1], question
            on_pg["related"] = on_sqlite["related"]
            assert on_pg == on_sqlite, question
            answered += on_sqlite["answer"] is not None
        assert answered >= len(questions) // 4  # a comparison of answers, not of silences


async def test_the_command_line_works_on_postgresql(pg_url: str) -> None:
    env = {"NEWSBOT_DB": pg_url}
    ingested = await run_cli("ingest", str(ISTANBUL), env=env)
    assert ingested.code == 0, ingested.err
    again = await run_cli("ingest", str(ISTANBUL), env=env)  # a second process, no new row
    assert again.code == 0, again.err
    result = await run_cli("ask", "--json", "Who is the Kremlin spokesman?", env=env)
    assert result.code == 0, result.err
    reply = result.json()
    assert isinstance(reply, dict)
    assert "Peskov" in (reply["answer"] or "")
    assert reply["evidence"]
    assert _sql(pg_url, "SELECT count(*) FROM articles") == [(1,)]


async def test_an_unreachable_server_is_one_line_and_exit_2() -> None:
    result = await run_cli(
        "ask", "Who?", env={"NEWSBOT_DB": "postgresql://newsbot:s3cret@127.0.0.1:1/news"}
    )
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "cannot open the store" in result.err
    assert "s3cret" not in result.err
