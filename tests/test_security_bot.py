"""Who may do what: flood control per user, admin-only /stats, and users kept apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from bot.limits import FloodControl
from summarizer.store import Store
from tests.conftest import ISTANBUL
from tests.helpers.articles import seed_page
from tests.helpers.botapi import TOKEN, BotApiStandIn
from tests.helpers.pages import LoopbackServer, page
from tests.test_bot import Harness, make_settings, running, site_routes

ADMIN = 1
ALICE = 1001
BOB = 1002


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Harness]:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.5)
        return await page(seed_page(ISTANBUL))(request)

    routes = {**site_routes(), "/slow/{n}": slow, "/down.xml": page("busy", status=503)}
    async with BotApiStandIn() as api, LoopbackServer(routes) as site:
        settings = replace(
            make_settings(api, site, tmp_path / "bot.db"), admins=(ADMIN,), user_rate=6
        )
        async with running(api, settings) as app:
            yield Harness(api, site, app, settings)
        assert api.refused == [], api.refused


def all_handled(store: Store, count: int) -> bool:
    """``count`` updates claimed and every one of them finished (answered or skipped)."""
    return store.stats()["handled_updates"] >= count and not store.unfinished_updates(
        max_attempts=10**9
    )


def test_flood_control_counts_in_a_sliding_window() -> None:
    now = [0.0]
    flood = FloodControl(rate=3, articles=1, window=60, clock=lambda: now[0])
    assert [flood.allow(7) for _ in range(4)] == [True, True, True, False]
    assert flood.allow(8)  # another user is not affected
    now[0] = 30.0
    assert not flood.allow(7)
    assert flood.retry_in(7) == pytest.approx(30.0)
    now[0] = 60.0
    assert flood.allow(7)
    with flood.article(7) as first, flood.article(7) as second, flood.article(8) as other:
        assert (first, second, other) == (True, False, True)
        assert flood.reading == 2
    assert flood.reading == 0


async def test_a_flooding_user_is_warned_once_and_the_rest_skipped(guarded: Harness) -> None:
    """One warning a flood, saying the messages are skipped (issue 16, finding 8c)."""
    api, store = guarded.api, guarded.app.bot_data.store
    ids = [await api.say(ALICE, "/start") for _ in range(9)]
    await api.wait_for(lambda: all_handled(store, 9), what="every message handled")
    replies = [[r.text for r in api.replies_to(ALICE, i)] for i in ids]
    assert all(r[0].startswith("newsbot reads the news") for r in replies[:6]), replies
    assert "more than 6 messages a minute, so I am skipping this one" in replies[6][0]
    assert replies[7:] == [[], []], replies  # skipped, as the warning said
    # others are served as usual
    assert (await guarded.ask("/start", chat_id=BOB)).startswith("newsbot reads the news")


async def test_edited_messages_count_against_the_same_rate(guarded: Harness) -> None:
    """Commands run on edits too; editing one message over and over is no way round the
    limit (issue 17, finding 5)."""
    api, store = guarded.api, guarded.app.bot_data.store
    first = await api.say(ALICE, "/start")
    await api.reply(ALICE, first)
    for n in range(8):
        await api.edit(ALICE, first, "/start" + " " * (n + 1))
    await api.wait_for(lambda: all_handled(store, 9), what="every edit handled")
    replies = api.replies_to(ALICE, first)
    answered = [r for r in replies if r.text.startswith("newsbot reads the news")]
    refused = [r for r in replies if r.text.startswith("You are sending me more than 6")]
    shown = [r.text[:40] for r in replies]
    assert len(answered) == 6, shown
    assert len(refused) == 1, shown  # warned once; the other two skipped


async def test_at_most_three_links_are_read_at_once_per_user(guarded: Harness) -> None:
    api, site = guarded.api, guarded.site
    ids = [await api.say(ALICE, site.url(f"/slow/{n}")) for n in range(5)]
    bob = await api.say(BOB, site.url("/slow/bob"))
    await api.wait_for(
        lambda: all(
            [m for m in api.replies_to(ALICE, i) if not m.text.startswith("Reading the")]
            for i in ids
        ),
        what="a final reply to every link",
    )
    finals = [
        next(m.text for m in api.replies_to(ALICE, i) if not m.text.startswith("Reading the"))
        for i in ids
    ]
    busy = [f for f in finals if f.startswith("I am already reading 3 links for you")]
    assert len(busy) == 2, finals
    assert sum(1 for f in finals if f.startswith("Russia")) == 3, finals
    bob_reply = await api.wait_for(
        lambda: [m for m in api.replies_to(BOB, bob) if not m.text.startswith("Reading the")],
        what="Bob's summary",
    )
    assert bob_reply[0].text.startswith("Russia")  # Alice's cap is not Bob's


async def test_stats_is_for_admins_only_and_never_shows_the_token(guarded: Harness) -> None:
    await guarded.ask("/watch @somechannel", chat_id=ALICE)
    refused = await guarded.ask("/stats", chat_id=ALICE)
    assert refused == "Sorry: only the bot's administrators can do that."
    stats = await guarded.ask("/stats", chat_id=ADMIN)
    for label in (
        "users:",
        "sources:",
        "failing sources:",
        "articles:",
        "pending digests:",
        "updates waiting:",
        "sources being polled:",
        "fetches under way:",
        "links being read:",
    ):
        assert label in stats, (label, stats)
    assert TOKEN not in stats
    assert TOKEN.split(":")[1] not in stats
    assert all(TOKEN.split(":")[1] not in m.text for m in guarded.api.sent)


async def test_stats_lists_failing_sources(guarded: Harness) -> None:
    # a feed whose server is down for now (a missing one is refused at once, not kept)
    await guarded.ask(f"/watch {guarded.site.url('/down.xml')}", chat_id=ALICE)
    await guarded.api.wait_for(
        lambda: [m for m in guarded.api.to_chat(ALICE) if "could not read" in m.text],
        what="the failed first poll",
    )
    stats = await guarded.ask("/stats", chat_id=ADMIN)
    assert "Failing sources" in stats
    assert "down.xml: 1 in a row" in stats


async def test_no_command_reads_or_changes_another_users_things(guarded: Harness) -> None:
    ask = guarded.ask
    store = guarded.app.bot_data.store
    guarded.app.bot_data.limits = FloodControl(rate=100)  # Bob tries many things
    # Alice sets up her things
    assert (await ask("/watch @somechannel", chat_id=ALICE)).startswith("Now watching")
    feed = guarded.site.url("/feed.xml")
    assert (await ask(f"/watch {feed}", chat_id=ALICE)).startswith("Now watching")
    assert (await ask("/subscribe 09:30 Europe/Kyiv", chat_id=ALICE)).startswith("Done")
    assert (await ask("/filter +Istanbul -sport", chat_id=ALICE)).startswith("Filters")
    alice_before = store.digest_settings(ALICE)

    # Bob tries to see them and to undo them, every way the commands allow
    sources = await ask("/sources", chat_id=BOB)
    assert sources.startswith("You watch no sources yet"), sources
    assert "not watching @somechannel" in await ask("/unwatch @somechannel", chat_id=BOB)
    assert "not watching" in await ask(f"/unwatch {feed}", chat_id=BOB)
    assert (await ask("/unsubscribe", chat_id=BOB)).startswith("You had no digest")
    settings = await ask("/settings", chat_id=BOB)
    assert "You have no digest" in settings
    assert "09:30" not in settings
    filters = await ask("/filter", chat_id=BOB)
    assert "Istanbul" not in filters
    assert "sport" not in filters
    await ask("/filter clear", chat_id=BOB)
    await ask("/subscribe 07:00 UTC", chat_id=BOB)
    assert (await ask("/stats", chat_id=BOB)).startswith("Sorry: only the bot's administrators")

    # Alice's things are as she left them
    assert [s.key for s in store.user_sources(ALICE)] == ["somechannel", feed]
    assert store.user_sources(BOB) == []
    assert store.digest_settings(ALICE) == alice_before
    assert alice_before is not None
    assert alice_before.at == "09:30"
    assert alice_before.include == ["Istanbul"]
    mine = await ask("/sources", chat_id=ALICE)
    assert "@somechannel" in mine
    assert "feed.xml" in mine


async def test_a_channel_of_slow_links_is_read_one_post_at_a_time_within_its_budget(
    tmp_path: Path,
) -> None:
    """Anyone can add the bot to a channel of their own (issue 17, finding 10): its posts
    take one fetch at a time, so another user's link is read while the channel's pages
    hang, and past NEWSBOT_CHANNEL_POSTS an hour the channel's posts are skipped."""
    release = asyncio.Event()
    started: list[str] = []
    ended: list[str] = []
    in_flight = [0, 0]  # now, most at once

    async def held(request: web.Request) -> web.StreamResponse:
        started.append(request.path)
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        try:
            await release.wait()
            return await page(seed_page(ISTANBUL))(request)
        finally:
            in_flight[0] -= 1
            ended.append(request.path)

    routes = {**site_routes(), "/held/{n}": held}
    async with BotApiStandIn() as api, LoopbackServer(routes) as site:
        settings = replace(
            make_settings(api, site, tmp_path / "bot.db"),
            fetch_limit=4,  # the channel's host may take every fetch slot there is
            fetch_limit_per_host=4,
            channel_posts=5,
        )
        async with running(api, settings) as app:
            harness = Harness(api, site, app, settings)
            channel = -1009090
            for n in range(7):
                held_url = site.url(f"/held/{n}")
                await api.channel_post(channel, "slowchannel", f"Post {n}: {held_url}")
            await api.wait_for(lambda: started, what="the channel's first page asked for")

            text = await harness.final_reply(site.url("/achinsk.html"), chat_id=ALICE)
            assert "Achinsk" in text or "Ачинск" in text, text
            assert ended == [], ended  # the user's link went first: no channel page done yet
            assert len(started) == 1, started  # one post of the channel at a time

            release.set()
            store = app.bot_data.store
            await api.wait_for(
                lambda: all_handled(store, 8) and len(ended) == 5,
                what="the channel's posts within its budget",
            )
            assert in_flight[1] == 1
            assert len(started) == 5  # posts 6 and 7 are over the budget: never fetched
        assert api.to_chat(channel) == []
        assert api.refused == [], api.refused
