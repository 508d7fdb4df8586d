"""Watched sources end to end: channels, feeds and pages served from loopback."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from tests.conftest import ISTANBUL, SEEDS, run_cli
from tests.helpers.articles import seed_page
from tests.helpers.channels import Post, channel_preview, rss
from tests.helpers.pages import LoopbackServer, page, redirect

RU_SEED = SEEDS / "tass-tulun-floods-2019-08-10.txt"
LONG_POST = (
    "Власти Тулуна сообщили, что восстановление дамбы на реке Ия завершено. "
    "Военные железнодорожники отсыпали около 25 тысяч кубических метров грунта. "
    "Жители города поблагодарили военнослужащих за помощь. "
    "Работы велись в течение месяца, в них участвовали около тысячи человек."
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _site() -> dict[str, Handler]:
    """A news site, a channel preview and a feed; links point back at the same server."""

    def base(request: web.Request) -> str:
        # the site is 127.0.0.1; "localhost" stands for t.me (see _tme)
        return f"http://127.0.0.1:{request.url.port}"

    async def preview(request: web.Request) -> web.Response:
        posts = [
            Post(100, "Forwarded from another channel", "https://t.me/otherchan/5"),
            Post(101, "Russia and Ukraine agree on a prisoner swap", base(request) + "/a.html"),
            Post(102, LONG_POST),
            Post(103, "Доброе утро!"),  # too short to be an article, and no link
        ]
        return web.Response(text=channel_preview("newschan", posts), content_type="text/html")

    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        body = rss("Example", [("Floods", base(request) + "/b.html")])
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    return {
        "/a.html": page(seed_page(ISTANBUL)),
        "/b.html": page(seed_page(RU_SEED)),
        "/s/newschan": preview,
        "/feed.xml": feed,
        # a restricted channel: its preview redirects to the plain channel page
        "/s/closedchan": redirect("/closedchan"),
        "/closedchan": page("<html><body><div class='tgme_page'>Closed</div></body></html>"),
    }


def _tme(server: LoopbackServer) -> str:
    """The channel previews' base: the same server under another host name, as t.me is."""
    return f"http://localhost:{server.port}"


async def test_sources_add_list_poll_and_poll_again(tmp_path: Path) -> None:
    async with LoopbackServer(_site()) as server:
        base = server.base_url
        env = {
            "NEWSBOT_DB": str(tmp_path / "n.db"),
            "NEWSBOT_TME_URL": _tme(server),
            "NEWSBOT_ALLOW_PRIVATE_URLS": "1",
        }
        added = await run_cli("sources", "add", "@newschan", f"{base}/feed.xml", env=env)
        assert added.code == 0, added.err
        assert added.out.splitlines() == ["watching newschan", f"watching {base}/feed.xml"]

        listed = await run_cli("sources", "list", "--json", env=env)
        rows = [json.loads(line) for line in listed.out.splitlines()]
        assert [(r["key"], r["url"]) for r in rows] == [
            ("newschan", f"{_tme(server)}/s/newschan"),
            (f"{base}/feed.xml", f"{base}/feed.xml"),
        ]

        first = await run_cli("poll", "--json", env=env)
        assert first.code == 0, first.err
        # the linked article, the long post itself, and the feed's article
        assert json.loads(first.out)["new"] == 3, (first.out, first.err)

        server.requests.clear()
        second = await run_cli("poll", "--json", env=env)
        assert second.code == 0, second.err
        assert json.loads(second.out)["new"] == 0
        paths = [r.path for r in server.requests]
        assert "/a.html" not in paths
        assert "/b.html" not in paths
        feed_request = next(r for r in server.requests if r.path == "/feed.xml")
        assert feed_request.headers["If-None-Match"] == '"v1"'

        ingested = await run_cli("ingest", str(ISTANBUL), "--json", env=env)
        assert json.loads(ingested.out)["already_stored"] == 1


async def test_a_restricted_channel_is_reported_and_others_still_polled(tmp_path: Path) -> None:
    async with LoopbackServer(_site()) as server:
        env = {
            "NEWSBOT_DB": str(tmp_path / "n.db"),
            "NEWSBOT_TME_URL": _tme(server),
            "NEWSBOT_ALLOW_PRIVATE_URLS": "1",
        }
        await run_cli("sources", "add", "t.me/closedchan", "@newschan", env=env)
        result = await run_cli("poll", env=env)
        assert result.code == 2
        assert "closedchan has no public preview" in result.err
        assert result.out.strip() == "polled: 2 new, 0 already stored, 1 failed"
        listed = await run_cli("sources", "list", "--json", env=env)
        closed = json.loads(listed.out.splitlines()[0])
        assert closed["failures"] == 1
        assert "no public preview" in closed["last_error"]


async def test_ingest_a_channel_and_a_feed_directly(tmp_path: Path) -> None:
    async with LoopbackServer(_site()) as server:
        env = {
            "NEWSBOT_DB": str(tmp_path / "n.db"),
            "NEWSBOT_TME_URL": _tme(server),
            "NEWSBOT_ALLOW_PRIVATE_URLS": "1",
        }
        result = await run_cli("ingest", "@newschan", server.url("/feed.xml"), "--json", env=env)
        assert result.code == 0, result.err
        assert json.loads(result.out)["new"] == 3


async def test_sources_remove_and_bad_names(tmp_path: Path) -> None:
    env = {"NEWSBOT_DB": str(tmp_path / "n.db")}
    await run_cli("sources", "add", "@newschan", env=env)
    removed = await run_cli("sources", "remove", "https://t.me/newschan", env=env)
    assert removed.code == 0
    assert removed.out.strip() == "stopped watching newschan"
    again = await run_cli("sources", "remove", "@newschan", env=env)
    assert again.code == 2
    assert "not a watched source" in again.err
    empty = await run_cli("poll", env=env)
    assert empty.code == 2
    assert "no watched sources" in empty.err
