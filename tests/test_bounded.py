"""Bounded work: no input stalls the bot or breaks it for good (issue 17, findings 3 and 4).

A big feed is parsed off the event loop, so another user is answered meanwhile, and a
feed is read only up to a cap, which is reported, never an error. The order of events
is checked, never a time. A sentence of a million characters reaches no parser whole,
and an article whose facts cannot be read is stored with none, once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from aiohttp import web

from summarizer import nlp, pending, watch
from summarizer.answer import answer_question, facts_about
from summarizer.article import Article
from summarizer.core import store_digest, summarize_article
from summarizer.sources import MAX_FEED_ITEMS, parse_feed
from summarizer.store import Store
from tests.conftest import ISTANBUL, run_cli
from tests.helpers.articles import seed_page
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.channels import rss
from tests.helpers.pages import LoopbackServer, page
from tests.test_bot import make_settings, running, site_routes

ALICE = 1001
BOB = 1002
#: items in the big feed: about 1 MB, seconds of CPU for feedparser
BIG_FEED_ITEMS = 6000


def _big_feed(base: str, items: int) -> str:
    """A feed of ``items`` items, all linking one article page (each with its own guid)."""
    body = rss("Big", [(f"Item {n}", f"{base}/item.html?n={n}") for n in range(items)])
    # one page for every item: after the first, each is "already stored" (no fetch)
    return body.replace("?n=", "#n=")


async def test_a_big_feed_is_parsed_while_another_user_is_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 3: parse_feed ran on the event loop; a 50,000-item feed froze the bot for
    everyone for 17 s. Bob's /start is now answered before the parse of Alice's feed ends,
    and before any of its items is fetched."""
    parse_started = threading.Event()
    parse_ended: list[float] = []
    real_parse = watch.parse_feed

    def parse(*args: object) -> object:
        parse_started.set()
        try:
            return real_parse(*args)  # type: ignore[arg-type]
        finally:
            parse_ended.append(time.monotonic())

    monkeypatch.setattr(watch, "parse_feed", parse)
    item_requested: list[float] = []

    async def item(request: web.Request) -> web.StreamResponse:
        item_requested.append(time.monotonic())
        return await page(seed_page(ISTANBUL))(request)

    async def feed(request: web.Request) -> web.Response:
        body = _big_feed(f"http://127.0.0.1:{request.url.port}", BIG_FEED_ITEMS)
        return web.Response(text=body, content_type="application/rss+xml")

    routes = {**site_routes(), "/big.xml": feed, "/item.html": item}
    async with BotApiStandIn() as api, LoopbackServer(routes) as site:
        async with running(api, make_settings(api, site, tmp_path / "bot.db")):
            watching = await api.say(ALICE, f"/watch {site.url('/big.xml')}")
            await api.wait_for(parse_started.is_set, what="the parse of the big feed")
            start = await api.say(BOB, "/start")
            answered = await api.reply(BOB, start)
            assert answered.text.startswith("newsbot reads the news")
            # "watching" once the feed parsed as one
            assert (await api.reply(ALICE, watching)).text.startswith("Now watching")
            result = await api.wait_for(
                lambda: [m for m in api.to_chat(ALICE) if "new article" in m.text],
                what="the first poll's result",
            )
        assert api.refused == [], api.refused
    assert parse_ended, "the feed was never parsed"
    assert answered.at < parse_ended[0], "Bob waited for the parse of Alice's feed"
    assert item_requested
    assert answered.at < item_requested[0]
    # the cap: the first MAX_FEED_ITEMS items were read, and Alice is told so
    assert result[0].text.splitlines()[-1] == (
        f"Read the first {MAX_FEED_ITEMS} of the feed's {BIG_FEED_ITEMS} items."
    )


def test_a_feed_is_read_up_to_its_cap_and_counted_whole() -> None:
    body = _big_feed("http://example.com", MAX_FEED_ITEMS + 5)
    feed = parse_feed(body, base_url="http://example.com/feed.xml")
    assert len(feed.items) == MAX_FEED_ITEMS
    assert feed.total == MAX_FEED_ITEMS + 5
    assert feed.items[-1].title == f"Item {MAX_FEED_ITEMS - 1}"  # the first ones, in order
    small = parse_feed(_big_feed("http://example.com", 3))
    assert (len(small.items), small.total) == (3, 3)


async def test_ingesting_a_feed_over_the_cap_is_reported_and_no_failure(tmp_path: Path) -> None:
    async def feed(request: web.Request) -> web.Response:
        body = _big_feed(f"http://127.0.0.1:{request.url.port}", MAX_FEED_ITEMS + 1)
        return web.Response(text=body, content_type="application/rss+xml")

    routes = {"/feed.xml": feed, "/item.html": page(seed_page(ISTANBUL))}
    async with LoopbackServer(routes) as site:
        env = {"NEWSBOT_DB": str(tmp_path / "n.db"), "NEWSBOT_ALLOW_PRIVATE_URLS": "1"}
        result = await run_cli("ingest", "--json", site.url("/feed.xml"), env=env)
    assert result.code == 0, result.err
    note = f"read the first {MAX_FEED_ITEMS} of the feed's {MAX_FEED_ITEMS + 1} items"
    assert result.err.strip() == f"newsbot: note: {site.url('/feed.xml')}: {note}"
    assert '"failed": 0' in result.out
    assert note in result.out


# -- one long sentence (finding 4) -----------------------------------------------------

HARBOUR = (
    "The harbour master Ingrid Solberg said on Tuesday that the northern harbour had "
    "reopened. Ferries to the islands run again from Wednesday morning. "
)
#: one sentence over spaCy's max_length (1,000,000): "[E088] Text of length … exceeds"
ENDLESS = "and the storm damage along the quay was repaired " * 21_000 + "at last."


def _store_pending(store: Store, text: str) -> int:
    """Store an article with its facts pending, as the bot stores watched articles."""
    article = Article(title="Harbour reopens", text=text, url="http://example.com/harbour")
    result = summarize_article(article, language="en", facts=False)
    assert result.facts_pending
    assert max(len(s) for s in result.sentences) > 1_000_000
    return store_digest(store, result).article_id


def test_a_sentence_of_a_million_characters_breaks_no_question(store: Store) -> None:
    """Every question or /facts finding it failed with spaCy's E088, for good."""
    _store_pending(store, HARBOUR + ENDLESS + " The fish market returns next week.")
    reply = answer_question(store, "Who is the harbour master?")
    assert reply.answer == "Ingrid Solberg"
    assert store.count_pending_facts() == 0  # its facts were read, once
    found = facts_about(store, "Ingrid Solberg")
    assert [e.name for e in found] == ["Ingrid Solberg"]
    said = [f for f in found[0].relations if f.predicate == "say"]
    assert said
    assert "harbour had reopened" in said[0].sentence


def test_the_parsers_never_see_more_than_the_caps() -> None:
    sentences = ["Ingrid Solberg reopened the harbour.", ENDLESS]
    parsed = nlp.parse(sentences, "en")
    assert len(parsed) == 2
    assert len(parsed[1].text) <= nlp.MAX_SENTENCE_CHARS
    assert ENDLESS.startswith(parsed[1].text)  # cut, so every offset still holds
    assert parsed[1].tokens
    assert parsed[0].entities[0].text == "Ingrid Solberg"
    many = ["Ingrid Solberg reopened the harbour."] * 3 + [ENDLESS] * 200
    bounded = nlp.bound(many)
    given = [t for t in bounded if t is not None]
    assert sum(len(t) for t in given) <= nlp.MAX_PARSE_CHARS
    assert given[:3] == many[:3]
    assert bounded[-1] is None  # past the budget: not parsed, no facts
    ru = nlp.parse(["Мэр Тулуна Юрий Кариха заявил об этом.", "очень " * 400_000], "ru")
    assert len(ru[1].text) <= nlp.MAX_SENTENCE_CHARS
    assert ru[0].entities


def test_an_article_whose_facts_cannot_be_read_is_marked_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The background reader retried such an article forever, failing every time."""
    calls: list[int] = []

    def failing(sentences: list[str], language: str) -> None:
        calls.append(len(sentences))
        raise ValueError("[E088] Text of length 1000001 exceeds maximum of 1000000.")

    article_id = _store_pending(store, HARBOUR + ENDLESS)
    monkeypatch.setattr(pending, "analyse", failing)
    assert pending.read_pending(store) == 1  # read: with no facts
    assert calls == [3]
    assert store.count_pending_facts() == 0
    assert store.pending_facts([article_id]) == []
    assert list(pending.read_all_pending(store)) == []
    assert pending.read_pending(store) == 0
    assert calls == [3]  # never tried again
    assert answer_question(store, "Who is the harbour master?").evidence  # still searched
