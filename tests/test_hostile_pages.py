"""Hostile pages: every cap holds, and the bot keeps answering other chats meanwhile.

A hostile site on 127.0.0.1 serves a 1 GB stream, a gzip bomb, a 120-second
slow drip, binary and PDF bodies and broken encodings. The bot runs with
short fetch timeouts (``NEWSBOT_FETCH_TIMEOUT`` / ``NEWSBOT_FETCH_READ_TIMEOUT``)
so the drip outlasts them by far without the test waiting two minutes. A good
article is served under the name ``localhost`` (another host, so the per-host
cap on the hostile one does not queue it).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from aiohttp import web

from summarizer.errors import FetchFailed
from summarizer.fetch import Fetcher
from tests.conftest import ISTANBUL
from tests.helpers.articles import seed_page
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.pages import Handler, LoopbackServer, page
from tests.test_bot import make_settings, running

GIGABYTE = 1_000_000_000
BOMB_SIZE = 200_000_000  # decompressed; about 200 kB on the wire
DRIP_SECONDS = 120
CHUNK = 64 * 1024


@dataclass
class Hostile:
    """What the hostile site managed to do."""

    streamed: int = 0  # bytes of the 1 GB stream written before the client hung up
    bomb_sent: int = 0
    drip_started: float = 0.0
    drip_ended: float = 0.0
    dripped: int = 0
    active: set[str] = field(default_factory=set)


_BOMB: bytes | None = None


def gzip_bomb() -> bytes:
    """BOMB_SIZE bytes of HTML-ish zeros, gzipped (made once)."""
    global _BOMB
    if _BOMB is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts = [packer.compress(b"<html><body><p>" + b"0" * (1_000_000 - 15))]
        block = b"0" * 1_000_000
        parts += [packer.compress(block) for _ in range(BOMB_SIZE // 1_000_000 - 1)]
        parts.append(packer.flush())
        _BOMB = b"".join(parts)
    return _BOMB


def hostile_routes(state: Hostile) -> dict[str, Handler]:
    async def gigabyte(request: web.Request) -> web.StreamResponse:
        state.active.add("gigabyte")
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        block = b"<p>" + b"A" * (CHUNK - 3)
        try:
            while state.streamed < GIGABYTE:
                await response.write(block)
                state.streamed += len(block)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            state.active.discard("gigabyte")
        return response

    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/html", "Content-Length": str(GIGABYTE)}
        )
        await response.prepare(request)
        await response.write(b"<html>")
        return response

    async def bomb(request: web.Request) -> web.StreamResponse:
        body = gzip_bomb()
        response = web.StreamResponse(
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        )
        await response.prepare(request)
        try:
            for start in range(0, len(body), CHUNK):
                await response.write(body[start : start + CHUNK])
                state.bomb_sent += min(CHUNK, len(body) - start)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def drip(request: web.Request) -> web.StreamResponse:
        state.active.add("drip")
        state.drip_started = time.monotonic()
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        try:
            while time.monotonic() - state.drip_started < DRIP_SECONDS:
                await response.write(b"<")
                state.dripped += 1
                await asyncio.sleep(0.25)  # well inside the read timeout: only the total holds
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            state.drip_ended = time.monotonic()
            state.active.discard("drip")
        return response

    broken = (
        "<html><head><meta charset='x-no-such-charset'><title>Сломанная кодировка</title>"
        "</head><body>" + "<p>Это текст в кодировке windows-1251, а сервер говорит иначе.</p>" * 40
    ).encode("cp1251") + b"\xff\xfe\x00\xc3\x28\xa0\xa1" * 50

    return {
        "/gigabyte": gigabyte,
        "/declared": declared,
        "/bomb": bomb,
        "/drip": drip,
        "/binary": page(bytes(range(256)) * 256, content_type="application/octet-stream"),
        "/report.pdf": page(b"%PDF-1.7\n" + bytes(range(256)) * 64, content_type="application/pdf"),
        "/image": page(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000, content_type="image/png"),
        "/broken": page(broken, content_type="text/html; charset=utf-8"),
        "/broken-label": page(broken, content_type="text/html; charset=x-bogus"),
    }


# --------------------------------------------------------------------------
# The fetcher alone


async def test_a_gigabyte_stream_is_cut_at_the_cap_without_reading_it() -> None:
    state = Hostile()
    async with LoopbackServer(hostile_routes(state)) as site:
        async with Fetcher(allow_private=True, max_bytes=5_000_000) as fetcher:
            started = time.monotonic()
            try:
                await fetcher.fetch(site.url("/gigabyte"))
            except FetchFailed as exc:
                message = str(exc)
            took = time.monotonic() - started
        await asyncio.sleep(0.2)  # let the server notice the hang-up
    assert message == "the page is larger than 5.0 MB."
    assert state.streamed < 64_000_000, state.streamed  # the cap plus socket buffers, not 1 GB
    assert took < 10


async def test_a_declared_gigabyte_is_refused_before_reading() -> None:
    async with LoopbackServer(hostile_routes(Hostile())) as site:
        async with Fetcher(allow_private=True) as fetcher:
            try:
                await fetcher.fetch(site.url("/declared"))
            except FetchFailed as exc:
                message = str(exc)
    assert message.startswith("the page is too large (1000.0 MB")


async def test_a_gzip_bomb_is_cut_after_decompression() -> None:
    state = Hostile()
    async with LoopbackServer(hostile_routes(state)) as site:
        async with Fetcher(allow_private=True, max_bytes=5_000_000) as fetcher:
            try:
                await fetcher.fetch(site.url("/bomb"))
            except FetchFailed as exc:
                message = str(exc)
    assert message == "the page is larger than 5.0 MB."
    assert len(gzip_bomb()) * 500 < BOMB_SIZE  # it is a bomb: over 500 to 1


async def test_a_slow_drip_is_cut_by_the_total_timeout() -> None:
    state = Hostile()
    async with LoopbackServer(hostile_routes(state)) as site:
        async with Fetcher(allow_private=True, total_timeout=2, read_timeout=1) as fetcher:
            started = time.monotonic()
            try:
                await fetcher.fetch(site.url("/drip"))
            except FetchFailed as exc:
                message = str(exc)
            took = time.monotonic() - started
        await asyncio.sleep(0.3)
    assert message == "127.0.0.1 did not answer in time (gave up after 2 s)."
    assert 1.9 < took < 4
    assert state.dripped >= 4  # it was dripping, never idle long enough for the read timeout
    assert state.drip_ended - state.drip_started < 5  # the server saw the hang-up


# --------------------------------------------------------------------------
# The bot


async def test_every_cap_holds_in_the_bot_while_other_chats_get_answers(tmp_path: Path) -> None:
    state = Hostile()
    good = {"/istanbul.html": page(seed_page(ISTANBUL))}
    async with (
        BotApiStandIn() as api,
        LoopbackServer(hostile_routes(state)) as site,
        LoopbackServer(good) as good_site,
    ):
        settings = replace(
            make_settings(api, site, tmp_path / "bot.db"),
            fetch_timeout=4.0,
            fetch_read_timeout=2.0,
            fetch_max_bytes=5_000_000,
            user_rate=100,
        )
        async with running(api, settings):
            # warm up: one good article read first (loads the language models)
            article_url = f"http://localhost:{good_site.port}/istanbul.html"
            first = await api.say(3, article_url)
            await api.wait_for(
                lambda: [
                    m for m in api.replies_to(3, first) if not m.text.startswith("Reading the")
                ],
                what="the warm-up summary",
            )
            # and one question (loads the question's parsers and the answer models)
            await api.reply(4, await api.say(4, "Who led Ukraine's delegation?"), within=60)

            # the attack: each hostile link from its own chat, all at once
            attacks = {
                100: "/gigabyte",
                101: "/bomb",
                102: "/drip",
                103: "/binary",
                104: "/report.pdf",
                105: "/image",
                106: "/declared",
                107: "/broken",
                108: "/broken-label",
            }
            sent_at = time.monotonic()
            asked = {chat: await api.say(chat, site.url(path)) for chat, path in attacks.items()}

            # meanwhile other chats talk to the bot and get their answers
            await api.wait_for(lambda: "drip" in state.active, what="the drip being read")
            during: dict[str, float] = {}
            for chat, text in (
                (200, "/start"),
                (201, "Who led Russia's delegation?"),
                (202, "/latest 1"),
            ):
                message_id = await api.say(chat, text)
                reply = await api.reply(chat, message_id, within=10)
                during[text] = time.monotonic() - sent_at
                assert reply.text, text
                if text.startswith("Who"):
                    assert "Medinsky" in reply.text.splitlines()[0], reply.text
            drip_still_running = "drip" in state.active

            def final(chat: int) -> str | None:
                for m in api.replies_to(chat, asked[chat]):
                    if not m.text.startswith("Reading the article"):
                        return m.text
                return None

            await api.wait_for(
                lambda: all(final(chat) for chat in attacks), within=30, what="every hostile reply"
            )
            replies = {attacks[chat]: final(chat) or "" for chat in attacks}
            all_done = time.monotonic() - sent_at
        assert api.refused == [], api.refused

    # the others were answered while the drip went on (an order, not a time)
    assert drip_still_running, during
    assert replies["/gigabyte"] == "Sorry: The page is larger than 5.0 MB."
    assert replies["/bomb"] == "Sorry: The page is larger than 5.0 MB."
    assert replies["/drip"].startswith("Sorry: 127.0.0.1 did not answer in time"), replies
    assert replies["/binary"] == "Sorry: Not a web page (application/octet-stream)."
    assert replies["/report.pdf"] == "Sorry: Not a web page (application/pdf)."
    assert replies["/image"] == "Sorry: Not a web page (image/png)."
    assert replies["/declared"].startswith("Sorry: The page is too large")
    for path in ("/broken", "/broken-label"):  # decoded, never a crash
        assert "Something went wrong" not in replies[path], replies[path]
    # a header charset that lies is believed (as browsers do): bad bytes become U+FFFD
    assert "\ufffd" in replies["/broken"]
    # an unknown label is ignored and the charset detected
    assert replies["/broken-label"].startswith("Сломанная кодировка"), replies["/broken-label"]
    assert state.streamed < 64_000_000, state.streamed
    assert state.drip_ended - state.drip_started < 10
    assert all_done < 20
