"""The bot, driven through the real python-telegram-bot client and the Bot API stand-in.

Each test runs the application in the test's event loop (as ``newsbot run``
would, minus the signal handling), with ``base_url`` pointing at
:class:`~tests.helpers.botapi.BotApiStandIn` and the articles, channel
previews and feeds served from loopback. The per-chat pace is off here, so
the tests do not wait a second between replies; ``test_bot_e2e.py`` runs the
real ``newsbot run`` with the default pace.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import NewsbotApp, build_application
from summarizer.config import Settings
from summarizer.fetch import Fetcher
from summarizer.store import open_store
from summarizer.summarize import points_back
from tests.conftest import ISTANBUL, SEEDS
from tests.helpers.articles import seed_page
from tests.helpers.botapi import TOKEN, BotApiStandIn
from tests.helpers.channels import Post, channel_preview, rss
from tests.helpers.pages import LoopbackServer, page

RU_SEED = SEEDS / "tass-tulun-floods-2019-08-10.txt"
VISAS = SEEDS / "tass-uk-science-visas-2019-08-09.txt"
ACHINSK = SEEDS / "tass-achinsk-power-lines-2019-08-10.txt"
USER = 4242
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def site_routes() -> dict[str, Handler]:
    """Article pages, a channel preview linking the second article, a feed linking the third."""

    async def preview(request: web.Request) -> web.Response:
        base = f"http://127.0.0.1:{request.url.port}"
        posts = [
            Post(7, "Britain eases visas for scientists", base + "/visas.html"),
            Post(8, "Доброе утро!"),
        ]
        return web.Response(text=channel_preview("somechannel", posts), content_type="text/html")

    async def feed(request: web.Request) -> web.Response:
        base = f"http://127.0.0.1:{request.url.port}"
        body = rss("Example", [("Power lines", base + "/achinsk.html")])
        return web.Response(text=body, content_type="application/rss+xml")

    return {
        "/istanbul.html": page(seed_page(ISTANBUL)),
        "/visas.html": page(seed_page(VISAS)),
        "/achinsk.html": page(seed_page(ACHINSK)),
        "/tulun.html": page(seed_page(RU_SEED)),
        "/s/somechannel": preview,
        "/feed.xml": feed,
        "/binary.html": page(bytes(range(256)) * 64, content_type="application/octet-stream"),
        "/empty.html": page("<html><body><p>Hi.</p></body></html>"),
    }


@dataclass
class Harness:
    api: BotApiStandIn
    site: LoopbackServer
    app: NewsbotApp
    settings: Settings

    @property
    def tme(self) -> str:
        return f"http://localhost:{self.site.port}"

    async def ask(self, text: str, chat_id: int = USER) -> str:
        """Say ``text``; the text of the first reply to it."""
        message_id = await self.api.say(chat_id, text)
        return (await self.api.reply(chat_id, message_id)).text

    async def final_reply(self, text: str, chat_id: int = USER) -> str:
        """Say ``text``; the reply once it is no longer the progress message."""
        message_id = await self.api.say(chat_id, text)
        found = await self.api.wait_for(
            lambda: [
                m
                for m in self.api.replies_to(chat_id, message_id)
                if not m.text.startswith("Reading the article")
            ],
            what=f"the final reply to {text!r}",
        )
        return str(found[0].text)


@asynccontextmanager
async def running(
    api: BotApiStandIn,
    settings: Settings,
    *,
    pace: float = 0.0,
    make_fetcher: Callable[[Settings], Fetcher] | None = None,
) -> AsyncIterator[NewsbotApp]:
    """The application started as run_polling starts it, stopped as it stops it."""
    app = build_application(settings, pace=pace)
    if make_fetcher is not None:
        app.bot_data.make_fetcher = make_fetcher
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def make_settings(api: BotApiStandIn, site: LoopbackServer, db: Path) -> Settings:
    return Settings(
        token=TOKEN,
        api_url=api.base_url,
        db=str(db),
        tme_url=f"http://localhost:{site.port}",
        poll_interval=3600.0,  # tests poll through /watch; the job's first run is harmless
        allow_private_urls=True,
    )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with BotApiStandIn() as api, LoopbackServer(site_routes()) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings) as app:
            yield Harness(api, site, app, settings)
        assert api.refused == [], api.refused


# -- start, help, menus ---------------------------------------------------------------


async def test_help_lists_every_command_and_menus_are_registered_in_three_languages(
    harness: Harness,
) -> None:
    text = await harness.ask("/help")
    for command in ("/summary", "/ask", "/latest", "/watch", "/unwatch", "/sources", "/facts"):
        assert command in text
    assert set(harness.api.commands) == {"", "ru", "uk"}
    ru = {c["command"]: c["description"] for c in harness.api.commands["ru"]}
    assert ru["watch"] == "Следить за каналом или лентой"
    assert [c["command"] for c in harness.api.commands[""]][:2] == ["help", "summary"]


async def test_a_link_gets_a_summary_quoting_the_article(harness: Harness) -> None:
    url = harness.site.url("/istanbul.html")
    text = await harness.final_reply(url)
    lines = text.splitlines()
    assert "Istanbul" in lines[0]  # the title
    bullets = [line[2:] for line in lines if line.startswith("• ")]
    assert 3 <= len(bullets) <= 5
    article = ISTANBUL.read_text(encoding="utf-8")
    flat = " ".join(article.split())
    for sentence in bullets:
        assert " ".join(sentence.split()) in flat  # verbatim sentences of the article
    assert url in text
    # one progress message, edited into the summary; previews off; HTML throughout
    sent = harness.api.to_chat(USER)
    assert len(sent) == 1
    assert sent[0].edits == 1
    assert sent[0].parse_mode == "HTML"
    assert sent[0].link_preview_disabled


@pytest.mark.parametrize(("language", "chat"), [("en", USER), ("ru", USER + 1)])
async def test_a_links_summary_opens_with_the_lede_and_no_pronoun_without_its_antecedent(
    harness: Harness, language: str, chat: int
) -> None:
    """Issue 16, finding 9: the seed's summary opened with "He said that Moscow is
    ready…" and skipped the lede; in either interface it now opens with the lede."""
    message_id = await harness.api.say(
        chat, harness.site.url("/istanbul.html"), language_code=language
    )
    found = await harness.api.wait_for(
        lambda: [m for m in harness.api.replies_to(chat, message_id) if "• " in m.text],
        what="the summary",
    )
    bullets = [line[2:] for line in found[0].text.splitlines() if line.startswith("• ")]
    article = " ".join(ISTANBUL.read_text(encoding="utf-8").split())
    assert bullets[0].startswith("Russia and Ukraine have agreed to a major prisoner exchange")
    # a bullet opening with a pronoun follows the sentence of the article it points back to
    for before, sentence in itertools.pairwise(bullets):
        if points_back(sentence):
            flat = " ".join(before.split()) + " " + " ".join(sentence.split())
            assert flat in article, sentence


async def test_summary_command_and_reply_to_a_message_with_a_link(harness: Harness) -> None:
    url = harness.site.url("/tulun.html")
    text = await harness.final_reply(f"/summary {url}")
    assert "Тулун" in text
    # /summary in reply to a message with the link: the stored article, no second fetch
    fetches = sum(1 for r in harness.site.requests if r.path == "/tulun.html")
    original = {
        "message_id": 99,
        "date": 0,
        "chat": {"id": USER, "type": "private"},
        "text": f"look {url}",
        "entities": [{"type": "url", "offset": 5, "length": len(url)}],
    }
    message_id = await harness.api.say(USER, "/summary", reply_to=original)
    found = await harness.api.wait_for(
        lambda: [
            m
            for m in harness.api.replies_to(USER, message_id)
            if not m.text.startswith("Reading the article")
        ]
    )
    assert "Тулун" in found[0].text
    assert sum(1 for r in harness.site.requests if r.path == "/tulun.html") == fetches


async def test_latest_and_digest(harness: Harness) -> None:
    assert "Nothing of yours yet" in await harness.ask("/latest")
    await harness.final_reply(harness.site.url("/istanbul.html"))
    await harness.final_reply(harness.site.url("/visas.html"))
    text = await harness.ask("/latest 1")
    assert text.count("• ") >= 3
    assert ("Istanbul" in text) != ("visa" in text.lower())  # exactly one article
    assert "from 1 to 10" in await harness.ask("/latest lots")
    digest = await harness.ask("/digest")
    assert digest.startswith("Your digest: the 2 newest articles.")


# -- watching ---------------------------------------------------------------------------


async def test_watch_a_channel_reads_its_linked_article(harness: Harness) -> None:
    message_id = await harness.api.say(USER, "/watch @somechannel")
    first = await harness.api.reply(USER, message_id)
    assert first.text.startswith("Now watching @somechannel")
    done = await harness.api.wait_for(
        lambda: [m for m in harness.api.to_chat(USER) if m.text.startswith("@somechannel:")]
    )
    assert done[0].text.startswith("@somechannel: 1 new article")
    store = harness.app.bot_data.store
    stored = store.latest(5)
    assert len(stored) == 1
    assert stored[0].article.url == harness.site.url("/visas.html")
    assert stored[0].article.via == f"{harness.tme}/somechannel/7"  # grouped with its post
    # the user's list, and the poller's union
    listing = await harness.ask("/sources")
    assert "@somechannel" in listing
    assert "1 of 50" in listing
    assert "already watch" in await harness.ask("/watch t.me/somechannel")
    assert "Stopped watching @somechannel" in await harness.ask("/unwatch @somechannel")
    assert "You watch no sources" in await harness.ask("/sources")
    assert "were not watching" in await harness.ask("/unwatch @somechannel")


async def test_watch_a_feed_and_a_restricted_channel(harness: Harness) -> None:
    message_id = await harness.api.say(USER, f"/watch {harness.site.url('/feed.xml')}")
    await harness.api.reply(USER, message_id)
    await harness.api.wait_for(
        lambda: [m for m in harness.api.to_chat(USER) if "1 new article" in m.text]
    )
    assert harness.app.bot_data.store.find_article(url=harness.site.url("/achinsk.html"))

    # a channel whose preview is missing (the site answers 404 for it): refused at once
    refused = await harness.ask("/watch @closedchannel")
    assert refused.startswith("Sorry: I cannot watch @closedchannel: "), refused
    assert refused.endswith("It is not on your list.")
    assert [s.key for s in harness.app.bot_data.store.user_sources(USER)] != ["closedchannel"]
    assert "closedchannel" not in [s.key for s in harness.app.bot_data.store.list_sources()]


async def test_watching_is_capped_at_fifty_sources(harness: Harness) -> None:
    store = harness.app.bot_data.store
    store.upsert_user(USER, USER, "en")
    for number in range(50):
        store.watch_source(USER, "url", f"http://example.com/{number}", f"http://x/{number}")
    text = await harness.ask("/watch @somechannel")
    assert "50 sources" in text
    assert len(store.user_sources(USER)) == 50


# -- channels where the bot is an administrator ------------------------------------------


async def test_a_channel_post_is_ingested_once(harness: Harness) -> None:
    url = harness.site.url("/achinsk.html")
    await harness.api.channel_post(-1001234, "mychannel", f"Power lines restored {url}")
    store = harness.app.bot_data.store
    await harness.api.wait_for(lambda: store.find_article(url=url), what="the post's article")
    # the same post again (Telegram may redeliver an update) and the same link in a new post
    await harness.api.channel_post(-1001234, "mychannel", f"Again: {url}")
    await harness.api.say(USER, "/start")
    await harness.api.wait_for(lambda: harness.api.to_chat(USER))
    assert store.count_articles() == 1
    assert sum(1 for r in harness.site.requests if r.path == "/achinsk.html") == 1
    assert harness.api.to_chat(-1001234) == []  # the bot never writes into the channel
    stored = store.get_article(store.find_article(url=url) or 0)
    assert stored is not None
    assert stored.article.via == f"{harness.tme}/mychannel/1"


# -- subscriptions (the digests themselves come with issue 5) ------------------------------


async def test_subscribe_validates_times_and_zones(harness: Harness) -> None:
    assert (await harness.ask("/subscribe 07:30 Europe/Kyiv")).startswith(
        "Done: a daily digest at 07:30 (Europe/Kyiv)"
    )
    user = harness.app.bot_data.store.get_user(USER)
    assert user is not None
    assert (user.digest_time, user.digest_tz) == ("07:30", "Europe/Kyiv")
    assert "at 09:00 (UTC+03:00)" in await harness.ask("/subscribe 9:00 UTC+3")
    assert "at 08:00 (UTC)" in await harness.ask("/subscribe utc")
    assert "not a time of day" in await harness.ask("/subscribe 24:00")
    assert "don't know the time zone" in await harness.ask("/subscribe 08:00 UTC+15")
    assert "Done: no more daily digest" in await harness.ask("/unsubscribe")
    assert "had no digest" in await harness.ask("/unsubscribe")


# -- blocked users ------------------------------------------------------------------------


async def test_a_user_who_blocked_the_bot_is_marked_inactive(harness: Harness) -> None:
    await harness.ask("/start", chat_id=777)
    store = harness.app.bot_data.store
    assert store.get_user(777) is not None
    assert store.get_user(777).active  # type: ignore[union-attr]
    harness.api.blocked.add(777)
    await harness.api.say(777, "/help")
    await harness.api.wait_for(
        lambda: not store.get_user(777).active,  # type: ignore[union-attr]
        what="the user marked inactive",
    )
    harness.api.blocked.discard(777)
    await harness.ask("/start", chat_id=777)
    assert store.get_user(777).active  # type: ignore[union-attr]


# -- restarts -------------------------------------------------------------------------------


async def test_restart_keeps_users_sources_and_skips_handled_updates(tmp_path: Path) -> None:
    async with BotApiStandIn() as api, LoopbackServer(site_routes()) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings):
            message_id = await api.say(USER, "/watch @somechannel")
            await api.reply(USER, message_id)
            await api.wait_for(lambda: [m for m in api.to_chat(USER) if "1 new" in m.text])
        replies_before = len(api.to_chat(USER))
        async with running(api, settings) as app:
            assert "@somechannel" in (await api.reply(USER, await api.say(USER, "/sources"))).text
            await app.bot_data.poller.poll_now(app.bot_data.store.user_sources(USER)[0])
        assert len(api.to_chat(USER)) == replies_before + 1
        assert sum(1 for r in site.requests if r.path == "/visas.html") == 1
        with open_store(settings.db) as store:
            assert store.count_articles() == 1


async def test_an_update_seen_before_a_crash_is_not_handled_twice(tmp_path: Path) -> None:
    async with BotApiStandIn() as api, LoopbackServer(site_routes()) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings):
            message_id = await api.say(USER, "/start")
            await api.reply(USER, message_id)
        # as after kill -9: Telegram hands the last update out again
        update = {
            "update_id": api.delivered_updates[-1],
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "T"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        api.updates.append(update)
        async with running(api, settings):
            second = await api.say(USER, "/help")
            await api.reply(USER, second)
        assert len(api.replies_to(USER, message_id)) == 1


def test_settings_replace_keeps_token() -> None:
    # build_application refuses a missing token (newsbot run checks it first, with a message)
    with pytest.raises(ValueError, match="token"):
        build_application(replace(Settings(), token=None))


# -- questions, under a flaky Bot API ---------------------------------------------------------

QUESTIONS = [
    ("Who led Russia's delegation?", "Medinsky"),
    ("How many prisoners will be exchanged?", "1,000"),
    ("Who is Ukraine's chief negotiator?", "Umerov"),
    ("Who is Ukraine's Defense Minister?", "Umerov"),
    ("Who urged delegates to agree to a ceasefire?", "Fidan"),
    ("Who is the Turkish Foreign Minister?", "Fidan"),
    ("Who rejected Zelensky's offer?", "Putin"),
    ("Who is the Kremlin aide?", "Medinsky"),
    ("Кто поручил разработать систему виз для ученых?", "Джонсон"),
    ("What is the capital of Mars?", "I'm not sure"),  # no answer: the closest sentences
]


async def _store_seeds(harness: Harness, *paths: Path) -> None:
    from summarizer import core

    store = harness.app.bot_data.store
    for path in paths:
        await asyncio.to_thread(
            lambda p=path: core.store_digest(store, core.digest(core.read_file(p)))
        )


async def test_a_question_gets_the_short_answer_first_then_its_evidence(harness: Harness) -> None:
    await _store_seeds(harness, ISTANBUL)
    text = await harness.ask("Who led Russia's delegation?")
    first, _, rest = text.partition("\n")
    assert "Medinsky" in first
    assert len(first.split()) <= 4  # the short answer alone
    assert "Medinsky" in rest  # the sentence it rests on, quoted
    assert "2025-05-16" in rest  # with its date
    sent = harness.api.to_chat(USER)[-1]
    assert "<blockquote>" in sent.html
    assert sent.link_preview_disabled
    assert "typing" in [a for c, a in harness.api.chat_actions if c == USER]
    text = await harness.ask("/ask What is the capital of Mars?")
    # nothing guessed: no answer line, only the closest sentences, said to be no answer
    assert text.splitlines()[0] == "I'm not sure. The closest I found:"
    assert not harness.api.to_chat(USER)[-1].html.startswith("<b>")


async def test_ten_questions_under_429s_and_502s_get_ten_answers_each_once(
    harness: Harness,
) -> None:
    await _store_seeds(harness, ISTANBUL, VISAS)
    harness.api.fail("sendMessage", rate_429=0.3, rate_502=0.1, retry_after=1, seed=4)
    asked = [(await harness.api.say(USER, q), expected) for q, expected in QUESTIONS]
    await harness.api.wait_for(
        lambda: all(harness.api.replies_to(USER, mid) for mid, _ in asked),
        within=120,
        what="ten answers",
    )
    for message_id, expected in asked:
        replies = harness.api.replies_to(USER, message_id)
        assert len(replies) == 1, (message_id, [r.text for r in replies])
        assert expected in replies[0].text  # the answer, or the sentence holding it
    assert len(harness.api.to_chat(USER)) == 10  # no reply lost, none sent twice
    assert harness.api.fault_count("sendMessage", 429) >= 2
    assert harness.api.fault_count("sendMessage", 502) >= 1


# -- hostile input ------------------------------------------------------------------------------


async def test_fourteen_hostile_inputs_each_get_a_clear_reply_and_nothing_is_refused(
    harness: Harness,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    cases = [
        ("/subscribe 25:00", "not a time of day"),
        ("/subscribe 08:00 Mars/Olympus", "don't know the time zone Mars/Olympus"),
        ("/subscribe 08:00 UTC+15", "don't know the time zone"),
        ("/subscribe 08:00 ../../etc/passwd", "don't know the time zone"),
        ("/watch !!!<garbage>&&&", "Sorry:"),
        ("/summary not-a-url", "is not a link"),
        ("/ask", "Ask me a question after /ask"),
        ("/frobnicate now", "don't know the command /frobnicate"),
        ("<b>& raw</i> text", "does not read like a question"),
        ("Lorem ipsum dolor sit amet " * 150, ""),  # 4,050 characters
        ("🤔🔥🙈 ‍👩‍👩‍👧", "does not read like a question"),
        (f"http://127.0.0.1:{dead_port}/story.html", "Sorry:"),
        (harness.site.url("/binary.html"), "Sorry:"),
        (harness.site.url("/missing.html"), "Sorry:"),
    ]
    assert len(cases) == 14
    for text, expected in cases:
        reply = await harness.final_reply(text)
        assert reply.strip(), text
        assert expected in reply, (text[:40], reply)
    assert "<garbage>" in harness.api.to_chat(USER)[4].text  # shown, escaped
    assert harness.api.refused == []
    assert harness.app.bot_data.store.count_articles() == 0


# -- newsbot run, watch.py paging and the poller's backoff -------------------------------------


async def test_newsbot_run_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    result = await run_cli("run", env={"NEWSBOT_DB": str(tmp_path / "n.db")})
    assert result.code == 2
    assert result.err.startswith("newsbot: error: no bot token: set NEWSBOT_TOKEN")
    assert len(result.err.strip().splitlines()) == 1


async def test_a_new_channel_is_read_a_page_back_and_only_once(tmp_path: Path) -> None:
    async def paged(request: web.Request) -> web.Response:
        base = f"http://127.0.0.1:{request.url.port}"
        if request.query.get("before") == "20":
            posts = [Post(18, "Older story", base + "/tulun.html")]
            body = channel_preview("pagedchan", posts)
        else:
            posts = [Post(20, "Newer story", base + "/visas.html")]
            body = channel_preview("pagedchan", posts, older=20)
        return web.Response(text=body, content_type="text/html")

    async with (
        BotApiStandIn() as api,
        LoopbackServer({**site_routes(), "/s/pagedchan": paged}) as site,
    ):
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings) as app:
            message_id = await api.say(USER, "/watch @pagedchan")
            await api.reply(USER, message_id)
            done = await api.wait_for(
                lambda: [m for m in api.to_chat(USER) if m.text.startswith("@pagedchan:")]
            )
            assert done[0].text.startswith("@pagedchan: 2 new articles")
            source = app.bot_data.store.user_sources(USER)[0]
            assert source.state["last_post"] == 20
            await app.bot_data.poller.poll_now(source)
        queries = [r.query_string for r in site.requests if r.path == "/s/pagedchan"]
        assert queries == ["", "before=20", ""]  # paged back on first sight only


def test_a_failing_source_backs_off_exponentially() -> None:
    from datetime import UTC, datetime, timedelta

    from bot.poller import Poller
    from summarizer.store import Source

    poller = Poller(None, None, Settings(poll_interval=60.0), max_backoff=3600)  # type: ignore[arg-type]
    now = datetime(2025, 5, 16, 12, 0, tzinfo=UTC)

    def source(failures: int, ago: float) -> Source:
        polled = (now - timedelta(seconds=ago)).isoformat()
        return Source(1, "url", "k", "u", "t", last_polled=polled, failures=failures)

    assert [poller.backoff(n) for n in range(7)] == [0, 120, 240, 480, 960, 1920, 3600]
    assert poller.is_due(source(0, 0), now)
    assert not poller.is_due(source(2, 200), now)
    assert poller.is_due(source(2, 240), now)
    assert not poller.is_due(source(10, 3000), now)
    assert poller.is_due(source(10, 3600), now)


async def test_an_edit_to_the_text_a_message_shows_already_is_done_not_an_error() -> None:
    """After a restart an answer may be edited in again ("message is not modified")."""
    from types import SimpleNamespace

    from telegram.error import BadRequest

    from bot.handlers.send import reply

    edits: list[tuple[int, str]] = []

    async def edit_message_text(text: str, *, chat_id: int, message_id: int) -> None:
        edits.append((message_id, text))
        if len(edits) > 1:
            raise BadRequest(
                "Message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )

    context = SimpleNamespace(bot=SimpleNamespace(edit_message_text=edit_message_text))
    await reply(context, 1, "<b>Summary</b>", edit=7)  # type: ignore[arg-type]
    await reply(context, 1, "<b>Summary</b>", edit=7)  # type: ignore[arg-type]
    assert edits == [(7, "<b>Summary</b>")] * 2

    async def refuse(text: str, *, chat_id: int, message_id: int) -> None:
        raise BadRequest("Can't parse entities: unsupported start tag")

    context.bot.edit_message_text = refuse
    with pytest.raises(BadRequest):  # any other refusal is still an error
        await reply(context, 1, "<b>Summary</b>", edit=7)  # type: ignore[arg-type]
