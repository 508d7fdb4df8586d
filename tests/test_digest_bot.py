"""Digests through the real python-telegram-bot client and the Bot API stand-in.

The application runs in the test's loop (``tests.test_bot.running``) against
:class:`bench.digest_fanout.LimitedStandIn`, the stand-in with Telegram's flood
limits, timestamps and inline-button presses.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.digest_fanout import LimitedStandIn
from bot.digest import STORY_PREFIX
from bot.schedule import delivery_key
from summarizer.article import Article
from summarizer.config import Settings
from summarizer.store import open_store
from tests.helpers.botapi import Sent
from tests.helpers.pages import LoopbackServer
from tests.test_bot import make_settings, running
from tests.test_digest import PARK, SANCTIONS, SANCTIONS_2, add_story, own

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


def store_news(db: str, readers: tuple[int, ...] = (ALICE, BOB)) -> None:
    """Three articles (two tell one story), from two sources and a link, all the readers'."""
    with open_store(db) as store:
        ids = [
            add_story(
                store,
                "EU agrees new sanctions package on Russian oil",
                SANCTIONS,
                "https://a.example/eu-sanctions",
                source=("channel", "newsone", "https://t.me/s/newsone"),
            ),
            add_story(
                store,
                "EU agrees new sanctions package against Russian oil",
                SANCTIONS_2,
                "https://b.example/sanctions",
                source=("feed", "https://b.example/rss", "https://b.example/rss"),
            ),
            add_story(store, "City opens a new park", PARK, "https://city.example/park"),
        ]
        for reader in readers:
            own(store, reader, *ids)


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


# -- issue 16, findings 3 and 5: whole stories, dated, a button each; the user's own only ----

HEADERS = {"en": "Your digest", "ru": "Ваш дайджест"}
NO_SOURCES = {"en": "Your digest is empty", "ru": "Ваш дайджест пуст"}


def store_fifteen(db: str, reader: int, tag: str) -> list[int]:
    """Fifteen long stories the reader sent, dated 1 to 15 November; the last is a channel
    post with no title."""
    ids = []
    with open_store(db) as store:
        for n in range(1, 16):
            summary = [
                f"Sentence {k} of {tag} story {n}: "
                + " ".join(f"{tag}{n}w{k}x{i}" for i in range(45))
                + "."
                for k in range(3)
            ]
            title = None if n == 15 else f"Headline {tag}{n}a {tag}{n}b {tag}{n}c"
            article = Article(
                text=" ".join(summary),
                url=f"https://{tag}.example/{n}",
                title=title,
                published=f"2026-11-{n:02d}",
            )
            ids.append(store.add_article(article, summary, summary).article_id)
        own(store, reader, *ids)
    return ids


def keyboard_of(api: LimitedStandIn, message: Sent) -> list[dict[str, Any]]:
    """The buttons sent with ``message`` (the stand-in's ``markup`` takes the chat's last)."""
    for method, params in api.calls:
        if method == "sendMessage" and params.get("text") == message.html:
            markup = params.get("reply_markup")
            if isinstance(markup, dict):
                return [b for row in markup["inline_keyboard"] for b in row]
    return []


def story_blocks(html: str) -> dict[int, str]:
    """Each story of one digest message by its number: its lines, up to the next story."""
    found: dict[int, str] = {}
    for block in html.split("\n\n"):
        match = re.match(r"<b>(\d+)\. ", block)
        if match:
            found[int(match.group(1))] = block
    return found


@pytest.mark.parametrize(("language", "chat", "tag"), [("en", ALICE, "alpha"), ("ru", BOB, "beta")])
async def test_a_digest_of_fifteen_stories_keeps_each_story_whole_dated_with_its_button(
    env: tuple[LimitedStandIn, Settings], language: str, chat: int, tag: str
) -> None:
    """A 14-story digest arrived as 3 messages, the second starting with a story's bullets,
    the third with an orphaned link; no dates; a title-less post's sentence twice."""
    api, settings = env
    async with running(api, settings):
        await api.reply(chat, await api.say(chat, "/start", language_code=language))
        ids = await asyncio.to_thread(store_fifteen, settings.db, chat, tag)
        first = await api.say(chat, "/digest", language_code=language)
        await api.wait_for(
            lambda: sum(len(story_blocks(m.html)) for m in api.to_chat(chat)) >= 15,
            within=20,
            what="fifteen stories",
        )
        messages = [m for m in api.to_chat(chat) if m.message_id > first and story_blocks(m.html)]
        assert len(messages) >= 2  # longer than one message
        assert messages[0].text.startswith(HEADERS[language])
        seen: list[int] = []
        for message in messages:
            assert len(message.text) <= 4096
            blocks = story_blocks(message.html)
            seen += blocks
            # each message opens with a story's number line (or the header), never mid-story
            assert message.html.startswith(("<b>", "<b>1. ")), message.html[:80]
            for number, block in blocks.items():
                n = 16 - number  # newest first: story 15 is number 1
                assert f"2026-11-{n:02d}" in block, block  # dated
                assert f"{tag}.example/{n}" in block  # its link
                assert block.count("• ") == (1 if n == 15 else 2), block
            # the buttons under a message are those of its own stories, in order
            labels = [b["text"] for b in keyboard_of(api, message)]
            assert labels == [str(n) for n in blocks], (labels, list(blocks))
        assert seen == list(range(1, 16))  # every story once, in order, none cut in two
        # the title-less channel post: its first sentence is its name, said once
        untitled = story_blocks(messages[0].html)[1]
        assert untitled.count(f"Sentence 0 of {tag} story 15") == 1, untitled
        assert f"Sentence 1 of {tag} story 15" in untitled

        # a story's button opens that story: its summary, every sentence, and its link
        button = keyboard_of(api, messages[-1])[-1]
        before = len(api.to_chat(chat))
        await api.press(chat, messages[-1].message_id, button["callback_data"])
        await api.wait_for(lambda: len(api.to_chat(chat)) > before, what="the story")
        opened = api.to_chat(chat)[-1]
        assert opened.text.startswith(f"Headline {tag}1a"), opened.text
        assert all(f"Sentence {k} of {tag} story 1:" in opened.text for k in range(3))
        assert f'href="https://{tag}.example/1"' in opened.html
        assert str(ids[0]) in button["callback_data"]


async def test_two_users_scheduled_digests_hold_only_their_own_and_no_sources_get_a_note(
    env: tuple[LimitedStandIn, Settings],
) -> None:
    """Digests were of everything read for a user who watches nothing; each user's holds
    their own sources and links only; a user with neither is told how to add one."""
    api, settings = env
    carol, dmitry = 7003, 7004
    async with running(api, settings) as app:
        for chat, language in ((ALICE, "en"), (BOB, "en"), (carol, "en"), (dmitry, "ru")):
            message_id = await api.say(chat, "/subscribe 08:00 UTC", language_code=language)
            await api.reply(chat, message_id)

        def news() -> None:
            with open_store(settings.db) as store:
                add_story(
                    store,
                    "EU agrees new sanctions package on Russian oil",
                    SANCTIONS,
                    "https://a.example/eu-sanctions",
                    source=("channel", "newsone", "https://t.me/s/newsone"),
                )
                store.watch_source(ALICE, "channel", "newsone", "https://t.me/s/newsone")
                own(
                    store,
                    BOB,
                    add_story(store, "City opens a new park", PARK, "https://p.example/1"),
                )

        await asyncio.to_thread(news)
        store, digests = app.bot_data.store, app.bot_data.digests
        slot = datetime.now(UTC).replace(microsecond=0)
        for chat in (ALICE, BOB, carol, dmitry):
            user = store.digest_settings(chat)
            assert user is not None
            assert await digests.deliver(user, slot) == "sent"
        alice, bob = api.to_chat(ALICE)[-1], api.to_chat(BOB)[-1]
        assert "sanctions package" in alice.text
        assert "City opens a new park" not in alice.text
        assert "City opens a new park" in bob.text
        assert "sanctions" not in bob.text.lower()
        assert api.to_chat(carol)[-1].text.startswith(NO_SOURCES["en"])
        assert "/watch" in api.to_chat(carol)[-1].text
        assert api.to_chat(dmitry)[-1].text.startswith(NO_SOURCES["ru"])
        # /digest now says the same to those with nothing of their own
        message_id = await api.say(carol, "/digest")
        assert (await api.reply(carol, message_id)).text.startswith(NO_SOURCES["en"])
        # a story button of another user's article opens nothing
        park = next(i for (i,) in [(a.id,) for a in store.user_latest(BOB, 5)])
        answered = len(api.answers)
        await api.press(ALICE, alice.message_id, f"{STORY_PREFIX}{park}")
        await api.wait_for(lambda: len(api.answers) > answered, what="the answer")
        assert api.answers[-1]["text"].startswith("That button is out of date")
