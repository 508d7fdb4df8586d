"""Hostile messages: hypothesis throws 500+ generated messages at the bot.

Commands with random arguments, RTL and bidi controls, zero-width joiners,
combining marks, emoji, text up to Telegram's 4,096 characters, HTML and
Markdown metacharacters, link-like text. Every message must get a reply that
the Bot API stand-in accepts (it refuses bad HTML and overlong text like
Telegram), and none may end in the error handler's apology.

The bot runs once for the whole test, in its own event loop on a thread (a
hypothesis test is synchronous), with the real python-telegram-bot client and
the stand-in, exactly as in test_bot.py. Nothing reaches the network: the
fetcher refuses every address, so link-like inputs get "Sorry: refused" at
once. Each example speaks from a fresh chat, so flood control never answers
in its place (it has its own tests in test_security_bot.py).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.fetch import Fetcher
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.pages import LoopbackServer
from tests.test_bot import make_settings, running, site_routes

T = TypeVar("T")
pytestmark = pytest.mark.slow  # about a minute: 500 round trips through the real client

settings.register_profile(
    "hostile_messages",
    max_examples=500,
    deadline=None,
    database=None,
    derandomize=True,  # the same 500 messages on every CI run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

APOLOGY = "Something went wrong on my side"
COMMANDS = [
    "start", "help", "summary", "ask", "latest", "watch", "unwatch", "sources", "facts",
    "subscribe", "unsubscribe", "digest", "settings", "filter", "stats", "lang", "frobnicate",
]  # fmt: skip
NASTY = [
    "\u200f", "\u200e", "\u202e", "\u2066", "\u2069",  # RTL/LTR marks, overrides, isolates
    "\u200d", "\u200c", "\u200b", "\ufeff",  # zero-width joiner, non-joiner, space, BOM
    "\u0301", "\u0336", "\u20dd", "e\u0301\u0302\u0303\u0304",  # combining marks
    "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇦", "👍🏽", "🤔", "\U0001f9d1\u200d\U0001f680",  # emoji, ZWJ
    "<b>", "</i>", "<a href='x'>", "&amp;", "&", "&#0;", "&lt;", "<", ">", '"', "'",
    "<script>alert(1)</script>", "<tg-spoiler>", "</blockquote>",
    "*", "_", "`", "```", "[link](http://x)", "~", "|", "||", "\\", "#", "+", "-", "=",
    "{", "}", ".", "!", "(", ")",
    "http://example.com/a?b=<c>&d", "https://10.0.0.1/", "t.me/some_channel", "@channel",
    "UTC+3", "Europe/Kyiv", "25:99", "08:00", "weekly", "+word", "-word", '"two words"',
    "Кто возглавил делегацию?", "Хто очолив делегацію?", "Who led the delegation?",
    "\n", "\t", "  ", "\u00a0", "\u3000", "\x7f", "%s", "{0}", "$(rm -rf /)", "'; DROP TABLE",
]  # fmt: skip

pieces = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
)
words = st.lists(pieces, min_size=1, max_size=12).map("".join)
long_text = st.tuples(st.sampled_from(NASTY), st.integers(200, 1200)).map(
    lambda pair: (
        (pair[0] + " Слово word ") * (4096 // (len(pair[0]) + 12))
        if pair[1] > 1000
        else pair[0] * (pair[1] // max(1, len(pair[0])))
    )
)
command = st.builds(
    lambda name, mention, args: f"/{name}{mention}{(' ' + args) if args else ''}",
    st.sampled_from(COMMANDS),
    st.sampled_from(["", "@newsbot_test_bot", "@other_bot"]),
    st.one_of(st.just(""), words),
)
messages = (
    st.one_of(command, words, long_text).map(lambda t: t[:4096]).filter(lambda t: t.strip() != "")
)


class RefuseEverything:
    """An address policy under which nothing is fetched: no test reaches the network."""

    def __call__(self, ip: Any) -> str:
        return "not reachable from this test"


class BotThread:
    """The bot and the stand-in, running in their own event loop on a thread."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stack = AsyncExitStack()
        self.api: BotApiStandIn
        self.chats = itertools.count(10_000)
        self.handled = 0

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        self.run(self._start())

    async def _start(self) -> None:
        self.api = await self.stack.enter_async_context(BotApiStandIn())
        site = await self.stack.enter_async_context(LoopbackServer(site_routes()))
        app_settings = make_settings(self.api, site, self.db)
        refusing = running(
            self.api,
            app_settings,
            make_fetcher=lambda _settings: Fetcher(address_policy=RefuseEverything()),
        )
        await self.stack.enter_async_context(refusing)

    def stop(self) -> None:
        try:
            self.run(self.stack.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    async def exchange(self, text: str) -> list[str]:
        """Say ``text`` from a new chat; the final replies to it."""
        chat = next(self.chats)
        message_id = await self.api.say(chat, text)

        def final() -> list[str]:
            return [
                m.text
                for m in self.api.replies_to(chat, message_id)
                if not m.text.startswith("Reading the article")
            ]

        return list(await self.api.wait_for(final, within=60, what=f"a reply to {text[:60]!r}"))


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotThread]:
    runner = BotThread(tmp_path_factory.mktemp("hostile") / "bot.db")
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


@settings(settings.get_profile("hostile_messages"))
@given(text=messages)
def test_every_generated_message_gets_a_reply_telegram_accepts(bot: BotThread, text: str) -> None:
    replies = bot.run(bot.exchange(text))
    bot.handled += 1
    assert replies, text
    assert all(reply.strip() for reply in replies)
    assert not any(APOLOGY in reply for reply in replies), (text, replies)
    assert bot.api.refused == [], bot.api.refused


def test_at_least_500_messages_were_answered_and_none_refused(bot: BotThread) -> None:
    assert bot.handled >= 500
    assert bot.api.refused == []
    assert not any(APOLOGY in m.text for m in bot.api.sent)
