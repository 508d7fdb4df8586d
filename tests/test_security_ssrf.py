"""SSRF: hostile URLs are refused before any connection, on every fetch path.

The set-up plays a small internet on loopback:

* a **canary** listens on 127.0.0.1 (and ::1 when the machine has IPv6) and
  counts every TCP connection it receives. It stands for whatever a bot's
  host must keep private (an admin panel on localhost, a metadata service);
  every test ends by asserting it was never reached;
* a **public site** listens on 127.0.0.2, *on the same port*, and the fetcher's
  address policy treats 127.0.0.2, and only it, as a public address. So a
  name that resolves to both, or a redirect that swaps the address and keeps
  the port, would reach the canary if a check were skipped;
* a hostile **DNS** (:class:`HostileResolver`): names that resolve to
  loopback, to private and metadata addresses, to a mix of public and
  loopback, and one that answers public then loopback on alternate lookups
  (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.app import NewsbotApp, build_application
from summarizer.config import Settings
from summarizer.errors import FetchRefused
from summarizer.fetch import Fetcher, IPAddress, address_problem
from tests.conftest import ISTANBUL
from tests.helpers.articles import seed_page
from tests.helpers.botapi import TOKEN, BotApiStandIn
from tests.helpers.channels import Post, channel_preview, rss

PUBLIC_IP = ipaddress.IPv4Address("127.0.0.2")  # plays a public address in these tests
USER = 777


def test_policy(ip: IPAddress) -> str | None:
    """address_problem, except that 127.0.0.2 counts as public."""
    return None if ip == PUBLIC_IP else address_problem(ip)


test_policy.__test__ = False  # type: ignore[attr-defined]  # not a test: a policy


class Canary:
    """Counts every connection to 127.0.0.1:port (and [::1]:port); answers nothing useful."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.hits: list[str] = []
        self._servers: list[asyncio.Server] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hits.append(str(writer.get_extra_info("peername")))
        with contextlib.suppress(Exception):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")
            await writer.drain()
            writer.close()

    async def __aenter__(self) -> Canary:
        self._servers.append(await asyncio.start_server(self._handle, "127.0.0.1", self.port))
        with contextlib.suppress(OSError):  # no IPv6 on this machine
            self._servers.append(await asyncio.start_server(self._handle, "::1", self.port))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()


class HostileResolver(AbstractResolver):
    """A DNS server run by the attacker; unknown names do not exist."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {
            "public.test": ["127.0.0.2"],
            "tme.test": ["127.0.0.2"],  # the channel previews' host
            "canary.test": ["127.0.0.1"],
            "localhost": ["127.0.0.1", "::1"],
            "v6.test": ["::1"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "intranet.test": ["10.1.2.3", "192.168.0.10"],
            "mixed.test": ["127.0.0.1", "127.0.0.2"],  # the loopback one must be dropped
        }
        self.rebind_lookups = 0
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        host = host.rstrip(".").lower()  # as real DNS does
        if host == "rebind.test":  # public on odd lookups, loopback on even ones
            self.rebind_lookups += 1
            addresses = ["127.0.0.2"] if self.rebind_lookups % 2 else ["127.0.0.1"]
        elif host in self.table:
            addresses = self.table[host]
        else:
            raise OSError(f"no such host {host}")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


@dataclass
class Net:
    """The loopback internet: the public site's port (the canary's too) and its parts."""

    port: int
    canary: Canary
    site_hits: list[str]
    resolver: HostileResolver = field(default_factory=HostileResolver)

    @property
    def public(self) -> str:
        return f"http://public.test:{self.port}"

    def fetcher(self, **options: Any) -> Fetcher:
        return Fetcher(resolver=self.resolver, address_policy=test_policy, **options)


def _site(port_box: list[int]) -> web.Application:
    """The public site: redirects anywhere, a feed, a channel preview and one real article."""

    async def to(request: web.Request) -> web.StreamResponse:
        target = request.query["u"].replace("PORT", str(port_box[0]))
        status = int(request.query.get("status", "302"))
        return web.Response(status=status, headers={"Location": target})

    async def chain(request: web.Request) -> web.StreamResponse:
        left = int(request.match_info["n"])
        target = request.query["u"].replace("PORT", str(port_box[0]))
        if left > 0:
            return web.Response(
                status=301, headers={"Location": f"/chain/{left - 1}?u={request.query['u']}"}
            )
        return web.Response(status=302, headers={"Location": target})

    async def feed(request: web.Request) -> web.StreamResponse:
        port = port_box[0]
        body = rss(
            "Hostile feed",
            [
                ("Loopback", f"http://127.0.0.1:{port}/feed-item"),
                ("Named loopback", f"http://localhost:{port}/feed-item"),
                ("Redirected", f"http://public.test:{port}/to?u=http://127.0.0.1:PORT/feed-r"),
                ("Metadata", "http://169.254.169.254/latest/meta-data/"),
            ],
        )
        return web.Response(text=body, content_type="application/rss+xml")

    async def preview(request: web.Request) -> web.StreamResponse:
        port = port_box[0]
        posts = [
            Post(1, "Loopback story", f"http://127.0.0.1:{port}/post-1"),
            Post(2, "Decimal story", f"http://2130706433:{port}/post-2"),
            Post(3, "Redirected story", f"http://public.test:{port}/to?u=http://[::1]:PORT/p3"),
        ]
        return web.Response(text=channel_preview("hostile", posts), content_type="text/html")

    app = web.Application()
    app.router.add_get("/to", to)
    app.router.add_get("/chain/{n}", chain)
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/s/hostile", preview)
    article = seed_page(ISTANBUL)

    async def istanbul(request: web.Request) -> web.StreamResponse:
        return web.Response(text=article, content_type="text/html")

    app.router.add_get("/istanbul.html", istanbul)
    return app


@asynccontextmanager
async def loopback_internet() -> AsyncIterator[Net]:
    """The public site on 127.0.0.2:P and the canary on 127.0.0.1:P (and [::1]:P)."""
    port_box = [0]
    site_hits: list[str] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        site_hits.append(request.path_qs)
        response: web.StreamResponse = await handler(request)
        return response

    app = _site(port_box)
    app.middlewares.append(record)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    for _attempt in range(20):  # find a port free on both addresses
        site = web.TCPSite(runner, "127.0.0.2", 0)
        await site.start()
        port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        port_box[0] = port
        try:
            canary = Canary(port)
            await canary.__aenter__()
        except OSError:
            await site.stop()
            continue
        break
    else:  # pragma: no cover
        raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")
    try:
        yield Net(port, canary, site_hits)
    finally:
        await canary.__aexit__(None, None, None)
        await runner.cleanup()


# --------------------------------------------------------------------------
# The table: at least 25 hostile URLs, each refused before any connection

P = "{port}"  # replaced by the canary's port
TO = "http://public.test:{port}/to?u="  # a public page that redirects to u
HOSTILE: list[tuple[str, str]] = [
    # direct private addresses
    ("direct", f"http://127.0.0.1:{P}/admin"),
    ("direct", f"http://[::1]:{P}/"),
    ("direct", f"http://0.0.0.0:{P}/"),
    ("direct", "http://10.0.0.1/"),
    ("direct", "http://192.168.1.1/router"),
    ("direct", "http://172.16.0.1/"),
    ("direct", "http://169.254.169.254/latest/meta-data/"),
    ("direct", "http://[fe80::1]/"),
    ("direct", "http://100.64.0.1/"),
    ("direct", "http://224.0.0.1/"),
    ("direct", "http://240.0.0.1/"),
    ("direct", "http://[fd00::1]/"),
    # encoded forms of loopback and metadata addresses
    ("encoded", f"http://2130706433:{P}/"),
    ("encoded", f"http://0x7f000001:{P}/"),
    ("encoded", f"http://0177.0.0.1:{P}/"),
    ("encoded", f"http://0x7f.1:{P}/"),
    ("encoded", f"http://127.1:{P}/"),
    ("encoded", f"http://127.0.0.1.:{P}/"),
    ("encoded", f"http://%31%32%37.0.0.1:{P}/"),
    ("encoded", f"http://①②⑦.0.0.1:{P}/"),
    ("encoded", f"http://[::ffff:127.0.0.1]:{P}/"),
    ("encoded", f"http://[::ffff:7f00:1]:{P}/"),
    ("encoded", f"http://[0:0:0:0:0:ffff:7f00:1]:{P}/"),
    ("encoded", f"http://[64:ff9b::7f00:1]:{P}/"),
    ("encoded", f"http://[2002:7f00:1::1]:{P}/"),
    ("encoded", "http://[::ffff:a9fe:a9fe]/"),
    ("encoded", "http://0xa9fea9fe/"),
    ("encoded", "http://2852039166/"),
    # not http(s), or credentials
    ("scheme", "file:///etc/passwd"),
    ("scheme", f"gopher://127.0.0.1:{P}/_GET"),
    ("scheme", "ftp://public.test/"),
    ("scheme", "javascript:alert(1)"),
    ("scheme", f"http://admin:secret@public.test:{P}/istanbul.html"),
    # names that resolve to loopback or private addresses
    ("name", f"http://localhost:{P}/"),
    ("name", f"http://LocalHost.:{P}/"),
    ("name", f"http://canary.test:{P}/"),
    ("name", f"http://v6.test:{P}/"),
    ("name", f"http://mapped.test:{P}/"),
    ("name", "http://metadata.test/latest/meta-data/"),
    ("name", "http://intranet.test/"),
    # redirect chains from a public page to loopback
    ("redirect", TO + "http://127.0.0.1:PORT/"),
    ("redirect", TO + "http://localhost:PORT/"),
    ("redirect", TO + "http://2130706433:PORT/"),
    ("redirect", TO + "http://[::ffff:7f00:1]:PORT/"),
    ("redirect", TO + "http://[::1]:PORT/&status=307"),
    ("redirect", TO + "//127.0.0.1:PORT/protocol-relative"),
    ("redirect", TO + "http://canary.test:PORT/&status=308"),
    ("redirect", TO + "file:///etc/passwd"),
    ("redirect", f"http://public.test:{P}/chain/3?u=http://127.0.0.1:PORT/deep"),
    ("redirect", f"http://public.test:{P}/chain/2?u=http://mapped.test:PORT/deep"),
]


def test_the_table_has_at_least_25_urls_of_every_kind() -> None:
    kinds = {kind for kind, _ in HOSTILE}
    assert len(HOSTILE) >= 25
    assert kinds == {"direct", "encoded", "scheme", "name", "redirect"}


async def test_every_hostile_url_is_refused_and_the_canary_hears_nothing() -> None:
    async with loopback_internet() as net, net.fetcher() as fetcher:
        outcomes: dict[str, str] = {}
        for kind, template in HOSTILE:
            url = template.replace("{port}", str(net.port))
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(url)
            outcomes[url] = str(caught.value)
            assert str(caught.value).startswith("refused:"), (kind, url, caught.value)
        # the public page itself is fine: the refusals are not a dead network
        ok = await fetcher.fetch(f"{net.public}/istanbul.html")
        assert "Medinsky" in ok.text or "Мединский" in ok.text
    assert net.canary.hits == [], net.canary.hits
    assert len(outcomes) == len(HOSTILE)
    # the redirectors were asked (so the refusal came at the hop, not before)
    assert sum(1 for hit in net.site_hits if hit.startswith(("/to", "/chain"))) >= 10


async def test_private_address_hint_names_the_setting() -> None:
    async with loopback_internet() as net, net.fetcher() as fetcher:
        with pytest.raises(FetchRefused, match="NEWSBOT_ALLOW_PRIVATE_URLS=1"):
            await fetcher.fetch(f"http://localhost:{net.port}/")
    assert net.canary.hits == []


async def test_dns_rebinding_cannot_swap_the_checked_address() -> None:
    """Public on one lookup, loopback on the next: the connection goes where the check said."""
    async with loopback_internet() as net, net.fetcher() as fetcher:
        fetched = refused = 0
        reasons: list[str] = []
        for _ in range(6):
            try:
                page = await fetcher.fetch(f"http://rebind.test:{net.port}/istanbul.html")
            except FetchRefused as exc:
                reasons.append(str(exc))
                refused += 1
            else:
                assert page.status == 200
                fetched += 1
            # drop pooled connections, so every fetch resolves again
            await fetcher.close()
            fetcher = net.fetcher()
        await fetcher.close()
    assert net.resolver.rebind_lookups >= 6
    assert fetched >= 1
    assert refused >= 1
    assert all("rebind.test resolves to 127.0.0.1" in reason for reason in reasons), reasons
    assert net.canary.hits == []


async def test_a_name_with_public_and_loopback_addresses_connects_to_the_public_one() -> None:
    async with loopback_internet() as net, net.fetcher() as fetcher:
        for _ in range(5):
            page = await fetcher.fetch(f"http://mixed.test:{net.port}/istanbul.html")
            assert page.status == 200
    assert net.canary.hits == []


async def test_allow_private_lifts_it_and_nothing_else_does() -> None:
    async with loopback_internet() as net:
        url = f"http://127.0.0.1:{net.port}/"
        async with Fetcher(allow_private=True) as fetcher:
            page = await fetcher.fetch(url)
        assert page.text == "SECRET"
        assert len(net.canary.hits) == 1
        # a scheme or credentials stay refused even then
        async with Fetcher(allow_private=True) as fetcher:
            for bad in ("file:///etc/passwd", f"http://a:b@127.0.0.1:{net.port}/"):
                with pytest.raises(FetchRefused):
                    await fetcher.fetch(bad)
        assert len(net.canary.hits) == 1


# --------------------------------------------------------------------------
# Every path of the bot goes through the guarded fetcher


@asynccontextmanager
async def bot_on(net: Net, api: BotApiStandIn, db: Path) -> AsyncIterator[NewsbotApp]:
    """The bot with private URLs refused, its fetcher seeing the hostile DNS."""
    settings = Settings(
        token=TOKEN,
        api_url=api.base_url,
        db=str(db),
        tme_url=f"http://tme.test:{net.port}",
        poll_interval=3600.0,
        allow_private_urls=False,
    )
    app = build_application(settings, pace=0.0)
    app.bot_data.make_fetcher = lambda _settings: net.fetcher()
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


async def _final(api: BotApiStandIn, text: str) -> str:
    message_id = await api.say(USER, text)
    found = await api.wait_for(
        lambda: [
            m
            for m in api.replies_to(USER, message_id)
            if not m.text.startswith("Reading the article")
        ],
        what=f"the final reply to {text!r}",
    )
    return str(found[0].text)


async def test_user_links_feeds_channels_and_channel_posts_never_reach_the_canary(
    tmp_path: Path,
) -> None:
    async with loopback_internet() as net, BotApiStandIn() as api:
        port = net.port
        async with bot_on(net, api, tmp_path / "bot.db") as app:
            # user links: direct, encoded, named, redirected, in /summary
            for link in (
                f"http://127.0.0.1:{port}/x",
                f"http://0x7f000001:{port}/x",
                f"http://localhost:{port}/x",
                f"{net.public}/to?u=http://127.0.0.1:PORT/x",
                f"{net.public}/chain/2?u=http://canary.test:PORT/x",
            ):
                for text in (link, f"/summary {link}"):
                    reply = await _final(api, text)
                    assert reply.startswith("Sorry: Refused"), (text, reply)
            # a feed whose items link to loopback (directly, by name, by redirect)
            reply = await _final(api, f"/watch {net.public}/feed.xml")
            assert reply.startswith("Now watching")
            # a public channel whose posts link to loopback
            reply = await _final(api, "/watch @hostile")
            assert reply.startswith("Now watching")
            # a watched feed URL that is itself private: refused at once, not kept
            reply = await _final(api, f"/watch http://127.0.0.1:{port}/feed.xml")
            assert reply.startswith("Sorry: I cannot watch http://127.0.0.1"), reply
            assert "refused:" in reply
            await api.wait_for(
                lambda: len([m for m in api.to_chat(USER) if "could not read" in m.text]) >= 2,
                what="the two first polls",
            )
            # a post in a channel where the bot is an administrator, linking to loopback
            await api.channel_post(-100555, "adminchan", f"Look: http://127.0.0.1:{port}/chan")
            await api.channel_post(-100555, "adminchan", f"And: {net.public}/to?u=//[::1]:PORT/")
            await api.wait_for(
                lambda: api._next_update in api.delivered_updates,
                what="the channel posts to be handled",
            )
            await asyncio.sleep(1.0)  # their (refused) fetches
            assert app.bot_data.store.count_articles() == 0
            report = await app.bot_data.poller.tick()  # one more round over every source
            assert report >= 0
            await asyncio.sleep(0.5)
        assert api.refused == [], api.refused
    assert net.canary.hits == [], net.canary.hits
    # the public side was really asked: the feed, the preview and the redirectors
    assert "/feed.xml" in net.site_hits
    assert any(hit.startswith("/s/hostile") for hit in net.site_hits)


# --------------------------------------------------------------------------
# Concurrency caps


async def test_fetches_are_capped_overall_and_per_host() -> None:
    active = {"now": 0, "max": 0}
    per_host: dict[str, int] = {}
    per_host_max: dict[str, int] = {}

    async def slow(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        active["now"] += 1
        per_host[host] = per_host.get(host, 0) + 1
        active["max"] = max(active["max"], active["now"])
        per_host_max[host] = max(per_host_max.get(host, 0), per_host[host])
        try:
            await asyncio.sleep(0.2)
            return web.Response(text="<html><body>ok</body></html>", content_type="text/html")
        finally:
            active["now"] -= 1
            per_host[host] -= 1

    app = web.Application()
    app.router.add_get("/{name}", slow)
    runners = []
    ports = []
    for _ in range(2):  # two ports on one host name: still one host
        runner = web.AppRunner(app if not runners else _clone(slow), handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        ports.append(int(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
    try:
        async with Fetcher(allow_private=True, limit=3, limit_per_host=2) as fetcher:
            urls = [f"http://127.0.0.1:{ports[i % 2]}/a{i}" for i in range(8)]
            urls += [f"http://localhost:{ports[i % 2]}/b{i}" for i in range(8)]
            started = time.monotonic()
            pages = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
            took = time.monotonic() - started
    finally:
        for runner in runners:
            await runner.cleanup()
    assert all(p.status == 200 for p in pages)
    assert per_host_max == {"127.0.0.1": 2, "localhost": 2}
    assert active["max"] == 3
    assert took >= 16 / 3 * 0.2 * 0.9  # the caps made them queue


def _clone(handler: Any) -> web.Application:
    app = web.Application()
    app.router.add_get("/{name}", handler)
    return app
