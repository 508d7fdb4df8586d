"""Digests through the real python-telegram-bot client and the Bot API stand-in.

The application runs in the test's loop (``tests.test_bot.running``) against
:class:`bench.digest_fanout.LimitedStandIn`, the stand-in with Telegram's flood
limits, timestamps and inline-button presses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.digest_fanout import LimitedStandIn
from bot.schedule import delivery_key
from summarizer.config import Settings
from summarizer.store import open_store
from tests.helpers.pages import LoopbackServer
from tests.test_bot import make_settings, running
from tests.test_digest import PARK, SANCTIONS, SANCTIONS_2, add_story

ALICE, BOB = 7001, 7002


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[LimitedStandIn, Settings]]:
    async with LimitedStandIn() as api, LoopbackServer({}) as site:
        yield api, make_settings(api, site, tmp_path / "bot.db")
        assert api.refused == [], api.refused


async def ask(api: LimitedStandIn, chat_id: int, text: str) -> str:
    message_id = await api.say(chat_id, text)
    return (await api.reply(chat_id, message_id)).text


def digests_to(api: LimitedStandIn, chat_id: int) -> list[str]:
    return [m.text for m in api.to_chat(chat_id) if m.text.startswith("Your digest")]


def store_news(db: str) -> None:
    with open_store(db) as store:
        add_story(
            store,
            "EU agrees new sanctions package on Russian oil",
            SANCTIONS,
            "https://a.example/eu-sanctions",
            source=("channel", "newsone", "https://t.me/s/newsone"),
        )
        add_story(
            store,
            "EU agrees new sanctions package against Russian oil",
            SANCTIONS_2,
            "https://b.example/sanctions",
            source=("feed", "https://b.example/rss", "https://b.example/rss"),
        )
        add_story(store, "City opens a new park", PARK, "https://city.example/park")


@pytest.mark.slow
async def test_a_digest_arrives_once_in_its_minute_after_a_restart_utc_and_kathmandu(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = env
    now = datetime.now(UTC)
    minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (minute - now).total_seconds() < 25:  # time to subscribe and restart before it
        minute += timedelta(minutes=1)
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    local = minute.astimezone(kathmandu)
    async with running(api, settings):
        reply = await ask(api, ALICE, f"/subscribe {minute:%H:%M} UTC")
        assert reply.startswith(f"Done: a daily digest at {minute:%H:%M} (UTC).")
        assert f"Next digest: {minute:%a %d %b, %H:%M}." in reply
        reply = await ask(api, BOB, f"/subscribe {local:%H:%M} Asia/Kathmandu")
        assert f"Next digest: {local:%a %d %b, %H:%M}." in reply
    # the bot is down; the news comes in; the bot starts again before the minute
    store_news(settings.db)
    async with running(api, settings):
        assert datetime.now(UTC) < minute
        await api.wait_for(
            lambda: digests_to(api, ALICE) and digests_to(api, BOB),
            within=(minute - datetime.now(UTC)).total_seconds() + 60,
            what="both digests",
        )
        await asyncio.sleep(3)  # a second digest would come now
    for chat in (ALICE, BOB):
        sent = [m for m in api.to_chat(chat) if m.text.startswith("Your digest")]
        assert len(sent) == 1, [m.text[:60] for m in sent]
        at = [t for (t, c) in api.stamps if c == chat][-1]
        wall = datetime.now(UTC) - timedelta(seconds=time.monotonic() - at)
        assert minute <= wall < minute + timedelta(minutes=1), (wall, minute)
        text, html = sent[0].text, sent[0].html
        assert text.startswith("Your digest: the 3 newest articles, in 2 stories.")
        # the two tellings of the sanctions story are one story, first, with both sources
        assert text.index("sanctions package") < text.index("City opens a new park")
        assert "Sources: @newsone, b.example" in text
        assert 'href="https://a.example/eu-sanctions"' in html
        assert 'href="https://city.example/park"' in html
        assert "• A new park opened in the city centre on Saturday." in text


async def test_filter_minus_sanctions_drops_the_story_for_that_user_only(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = env
    store_news(settings.db)
    async with running(api, settings):
        reply = await ask(api, ALICE, "/filter -sanctions")
        assert reply.startswith("Filters: -sanctions.")
        assert "/subscribe" in reply  # no digest yet: says how to start one
        alice = await ask(api, ALICE, "/digest")
        bob = await ask(api, BOB, "/digest")
    assert "City opens a new park" in alice
    assert "sanctions" not in alice.lower()
    assert "EU agrees new sanctions package" in bob
    assert "City opens a new park" in bob


async def test_filter_rejects_bad_input_and_clear_removes_all(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = env
    async with running(api, settings):
        assert "can't use" in await ask(api, ALICE, "/filter sanctions")
        assert "can't use" in await ask(api, ALICE, "/filter +.*")
        reply = await ask(api, ALICE, '/filter +"central bank" -war')
        assert reply.startswith('Filters: +"central bank" -war.')
        assert "No filters" in await ask(api, ALICE, "/filter clear")


async def test_settings_buttons_change_time_frequency_and_silence_and_confirm_the_next_one(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = env
    async with running(api, settings) as app:
        await ask(api, ALICE, "/subscribe 07:30 Europe/Kyiv")
        message_id = await api.say(ALICE, "/settings")
        shown = await api.reply(ALICE, message_id)
        assert "When: a daily digest at 07:30 (Europe/Kyiv)" in shown.text
        assert "Next digest:" in shown.text
        labels = [b["text"] for row in api.markup(ALICE, shown.message_id) for b in row]
        assert labels[:4] == ["−1 h", "−15 min", "+15 min", "+1 h"]
        store = app.bot_data.store

        async def press(data: str) -> None:
            answered, edits = len(api.answers), shown.edits
            await api.press(ALICE, shown.message_id, data)
            await api.wait_for(
                lambda: len(api.answers) > answered and shown.edits > edits,
                what=f"the answer to {data} and the message edited",
            )

        await press("dg:t:60")
        user = store.digest_settings(ALICE)
        assert user is not None
        assert user.at == "08:30"
        assert api.answers[-1]["text"].startswith("Saved. Next digest:")
        assert "08:30" in api.answers[-1]["text"]
        await press("dg:f:weekdays")
        await press("dg:s:1")
        user = store.digest_settings(ALICE)
        assert user is not None
        assert (user.frequency, user.skip_empty) == ("weekdays", True)
        edited = next(m for m in api.to_chat(ALICE) if m.message_id == shown.message_id)
        assert "a weekday digest at 08:30 (Europe/Kyiv)" in edited.text
        assert "Nothing new: no message" in edited.text
        jobs = app.job_queue.get_jobs_by_name(f"digest:{ALICE}") if app.job_queue else ()
        assert len(jobs) == 1  # replaced, never added beside the old one
        next_t = jobs[0].next_t
        assert next_t is not None
        local = next_t.astimezone(ZoneInfo("Europe/Kyiv"))
        assert (local.strftime("%H:%M"), local.weekday() < 5) == ("08:30", True)
        reply = await ask(api, ALICE, "/subscribe 06:00 UTC weekly")
        assert reply.startswith("Done: a weekly digest (Mondays) at 06:00 (UTC).")


async def test_a_user_who_blocked_the_bot_is_paused_not_retried(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = env
    store_news(settings.db)
    async with running(api, settings) as app:
        await ask(api, ALICE, "/subscribe 08:00 UTC")
        api.blocked.add(ALICE)
        store = app.bot_data.store
        user = store.digest_settings(ALICE)
        assert user is not None
        slot = datetime(2030, 1, 1, 8, tzinfo=UTC)
        assert await app.bot_data.digests.deliver(user, slot) == "blocked"
        assert await app.bot_data.digests.deliver(user, slot) == "blocked"  # recorded, no retry
        paused = store.digest_settings(ALICE)
        assert paused is not None
        assert not paused.active
        delivery = store.get_delivery(delivery_key(ALICE, slot))
        assert delivery is not None
        assert delivery.status == "blocked"
        sends = [p for m, p in api.calls if m == "sendMessage" and int(p["chat_id"]) == ALICE]
        assert len(sends) == 2  # the /subscribe reply and one digest attempt
