"""``newsbot run`` as a user runs it: a real process, the Bot API stand-in, loopback pages.

One process tree: this test, the stand-in and the article site (both in this
process, on 127.0.0.1), and ``python -m bot run`` as a child process. The
channel previews are served by the same site under the name ``localhost``
(NEWSBOT_TME_URL), so t.me and the article site are different hosts, as they
are in life. The bot is killed with SIGKILL halfway and started again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from summarizer.store import open_store
from tests.conftest import ISTANBUL, ROOT
from tests.helpers.botapi import BotApiStandIn, Sent
from tests.helpers.pages import LoopbackServer
from tests.helpers.process import bot_env
from tests.test_bot import site_routes

USER = 5150
CHANNEL = -1009876543
SECOND_Q = "Кто поручил разработать систему виз для ученых?"  # only visas.html answers it
THIRD_Q = "Сколько километров ЛЭП нужно восстановить?"  # only achinsk.html answers it

pytestmark = pytest.mark.slow


@asynccontextmanager
async def newsbot_run(
    api: BotApiStandIn, site: LoopbackServer, db: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run`` with the stand-in and the loopback site; killed at the end."""
    # bot_env puts /healthz and /metrics on a free loopback port, never a fixed one
    env = bot_env(
        api,
        db,
        extra={
            "PYTHONPATH": str(ROOT),
            "NEWSBOT_TME_URL": f"http://localhost:{site.port}",
            "NEWSBOT_ALLOW_PRIVATE_URLS": "1",
            "NEWSBOT_POLL_INTERVAL": "1",
        },
    )
    calls_before = len(api.calls)
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        # ready once it asks for updates
        await api.wait_for(
            lambda: (
                any(m == "getUpdates" for m, _ in api.calls[calls_before:])
                or proc.returncode is not None
            ),
            within=60,
            what="newsbot run to start polling",
        )
        assert proc.returncode is None, log.read_text()
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def _final(api: BotApiStandIn, message_id: int) -> Sent:
    """The reply to ``message_id`` once the progress message has become the result."""
    found = await api.wait_for(
        lambda: [
            m
            for m in api.replies_to(USER, message_id)
            if not m.text.startswith("Reading the article")
        ],
        within=90,
        what=f"the final reply to message {message_id}",
    )
    return found[0]


async def _ask(api: BotApiStandIn, text: str) -> tuple[int, str]:
    message_id = await api.say(USER, text)
    return message_id, (await _final(api, message_id)).text


async def _wait_store(db: Path, url: str) -> None:
    for _ in range(300):
        with open_store(str(db)) as store:
            if store.find_article(url=url) is not None:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url} was never stored")


async def test_newsbot_run_end_to_end_with_kill_9_and_restart(tmp_path: Path) -> None:
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    async with BotApiStandIn() as api, LoopbackServer(site_routes()) as site:
        async with newsbot_run(api, site, db, log) as proc:
            # 1. /start
            _, text = await _ask(api, "/start")
            assert "/watch" in text
            assert "/ask" in text
            assert set(api.commands) == {"", "ru", "uk"}

            # 2. a link to the seed article: a summary quoting its sentences
            _, text = await _ask(api, site.url("/istanbul.html"))
            bullets = [line[2:] for line in text.splitlines() if line.startswith("• ")]
            assert bullets, text
            flat = " ".join(ISTANBUL.read_text(encoding="utf-8").split())
            assert all(" ".join(b.split()) in flat for b in bullets)

            # 3. a question: the first line is the short answer alone
            first_q, text = await _ask(api, "Who led Russia's delegation?")
            assert "Medinsky" in text.splitlines()[0], text
            assert len(text.splitlines()[0]) < 40
            assert "Medinsky" in text.split("\n", 1)[1]  # the quoted sentence follows

            # 4. /watch a channel whose preview links a second article
            _, text = await _ask(api, SECOND_Q)
            assert text.startswith("I don't know"), text
            _, text = await _ask(api, "/watch @somechannel")
            assert text.startswith("Now watching @somechannel")
            await api.wait_for(
                lambda: [m for m in api.to_chat(USER) if m.text.startswith("@somechannel: 1 new")],
                within=90,
                what="the channel's first poll",
            )
            _, text = await _ask(api, SECOND_Q)
            assert "Джонсон" in text.splitlines()[0], text

            # 5. a post in a channel where the bot is an administrator, linking a third article
            await api.channel_post(CHANNEL, "adminchannel", f"ЛЭП: {site.url('/achinsk.html')}")
            await _wait_store(db, site.url("/achinsk.html"))
            _, text = await _ask(api, THIRD_Q)
            # answered from the channel's article: the answer, or the sentence holding it
            assert "4 км" in text, text
            assert "achinsk" in text or "Ачинск" in text, text

            # kill -9, in the middle of whatever it is doing
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()

        assert api.refused == [], api.refused
        replies_before = {m.message_id: m.text for m in api.to_chat(USER)}
        polls_before = sum(1 for r in site.requests if r.path == "/s/somechannel")

        async with newsbot_run(api, site, db, log):
            # the same question is answered again, from the store
            again, text = await _ask(api, "Who led Russia's delegation?")
            assert "Medinsky" in text.splitlines()[0]
            # the poller runs again (every second) and finds nothing new
            await api.wait_for(
                lambda: (
                    sum(1 for r in site.requests if r.path == "/s/somechannel") >= polls_before + 2
                ),
                within=60,
                what="two more polls of the channel",
            )
            # the channel post is redelivered if it was not confirmed; nothing is repeated
            await api.channel_post(CHANNEL, "adminchannel", f"ЛЭП: {site.url('/achinsk.html')}")
            _, text = await _ask(api, "/sources")
            assert "@somechannel" in text

        for path in ("/istanbul.html", "/visas.html", "/achinsk.html"):
            assert sum(1 for r in site.requests if r.path == path) == 1, path
        with open_store(str(db)) as store:
            assert store.count_articles() == 3
        assert len(api.replies_to(USER, first_q)) == 1  # no old update answered twice
        for message_id, text in replies_before.items():
            assert [m.text for m in api.to_chat(USER) if m.message_id == message_id] == [text]
        assert api.refused == [], api.refused
        assert len(api.replies_to(USER, again)) == 1
