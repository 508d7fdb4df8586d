"""Tests of summarizer.fetch, all against servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import re
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from summarizer.errors import FetchFailed, FetchRefused
from summarizer.fetch import (
    USER_AGENT,
    Fetcher,
    GuardedResolver,
    IPAddress,
    Page,
    address_problem,
    check_url,
)
from tests.helpers.pages import LoopbackServer, page, redirect

HTML = "<html><head><title>Hi</title></head><body><p>Привет, мир</p></body></html>"

RUSSIAN = (
    "Вчера в Москве прошло заседание городской думы, на котором депутаты обсудили "
    "новый бюджет столицы. Мэр города заявил, что расходы на образование и "
    "здравоохранение вырастут на десять процентов. Оппозиция раскритиковала план, "
    "назвав бюджет непродуманным и слишком дорогим для жителей города."
)

LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


def only_test_server(ip: IPAddress) -> str | None:
    """A policy that lets 127.0.0.1 (the test server) through and nothing else private."""
    return None if ip == LOOPBACK else address_problem(ip)


class StaticResolver(AbstractResolver):
    """Fake DNS: resolves names from a table, like a hostile DNS server could."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.table:
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
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


# --------------------------------------------------------------------------
# Fetching pages


async def test_ok_page_sends_honest_user_agent() -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(server.url("/"))
    assert result == Page(
        url=server.url("/"),
        status=200,
        text=HTML,
        content_type="text/html",
        etag=None,
        last_modified=None,
    )
    assert len(server.requests) == 1
    user_agent = server.requests[0].headers["User-Agent"]
    assert user_agent == USER_AGENT
    assert user_agent.startswith("newsbot/")
    assert "Python" not in user_agent


async def test_session_is_created_lazily_and_reused() -> None:
    async with LoopbackServer({"/a": page("a"), "/b": page("b")}) as server:
        fetcher = Fetcher(allow_private=True)
        try:
            first = await fetcher.fetch(server.url("/a"))
            session = fetcher._session
            second = await fetcher.fetch(server.url("/b"))
            assert fetcher._session is session is not None
        finally:
            await fetcher.close()
    assert (first.text, second.text) == ("a", "b")
    assert fetcher._session is None
    with pytest.raises(RuntimeError):
        await fetcher.fetch(server.url("/a"))


async def test_feed_and_plain_text_are_accepted() -> None:
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    routes = {
        "/feed": page(feed, content_type="application/rss+xml"),
        "/atom": page(feed, content_type="application/atom+xml"),
        "/xml": page(feed, content_type="text/xml"),
        "/txt": page("just text", content_type="text/plain"),
        "/xhtml": page(HTML, content_type="application/xhtml+xml"),
    }
    async with LoopbackServer(routes) as server, Fetcher(allow_private=True) as fetcher:
        for path in routes:
            result = await fetcher.fetch(server.url(path))
            assert result.status == 200
            assert result.text
    assert result.content_type == "application/xhtml+xml"


@pytest.mark.parametrize(
    ("content_type", "label"),
    [
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
async def test_non_pages_refused(content_type: str, label: str) -> None:
    async with LoopbackServer({"/f": page(b"%PDF-1.4 ...", content_type=content_type)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            with pytest.raises(FetchFailed, match=rf"^not a web page \({label}\)"):
                await fetcher.fetch(server.url("/f"))


@contextlib.asynccontextmanager
async def raw_http(answer: bytes) -> AsyncIterator[str]:
    """Answer every connection with ``answer`` verbatim (for answers aiohttp.web won't send)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        server.close()
        await server.wait_closed()


def raw_answer(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


async def test_missing_content_type_is_sniffed() -> None:
    async with Fetcher(allow_private=True) as fetcher:
        async with raw_http(raw_answer(HTML.encode())) as url:
            result = await fetcher.fetch(url)
        async with raw_http(raw_answer(b"just words")) as url:
            text = await fetcher.fetch(url)
        async with raw_http(raw_answer(b"\x89PNG\r\n\x1a\n\x00\x00\x00")) as url:
            with pytest.raises(FetchFailed, match="not a web page"):
                await fetcher.fetch(url)
    assert (result.content_type, result.text) == ("text/html", HTML)
    assert (text.content_type, text.text) == ("text/plain", "just words")


# --------------------------------------------------------------------------
# Address checks


async def test_loopback_refused_before_any_request() -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher() as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(server.url("/"))
    assert str(caught.value) == (
        "refused: 127.0.0.1 is a loopback address (set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)."
    )
    assert server.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # decimal
        "0x7f000001",  # hex
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",
        "127.1",  # short form
        "017700000001",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::ffff:7f00:1]",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
    ],
)
async def test_loopback_literal_forms_refused(host: str) -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        url = f"http://{host}:{server.port}/"
        with pytest.raises(FetchRefused, match="loopback address"):
            check_url(url)
        async with Fetcher() as fetcher:
            with pytest.raises(FetchRefused, match="loopback address"):
                await fetcher.fetch(url)
    assert server.requests == []


async def test_legacy_literal_forms_work_when_private_allowed() -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(f"http://0x7f000001:{server.port}/")
    assert result.url == server.url("/")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://10.0.0.1/", "a private address"),
        ("http://172.16.5.4/", "a private address"),
        ("http://192.168.1.1/", "a private address"),
        ("http://[fc00::1]/", "a private address"),
        ("http://[fd12:3456::1]/", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://100.64.0.1/", "a shared (CGNAT) address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://[ff02::1]/", "a multicast address"),
        ("http://240.0.0.1/", "a reserved address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://[::]/", "an unspecified address"),
        ("http://[::ffff:10.0.0.1]/", "a private address"),
        ("http://[::ffff:169.254.169.254]/", "a link-local address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "a link-local address"),  # NAT64 of 169.254.169.254
        ("http://0xa9fea9fe/", "a link-local address"),
        ("http://2852039166/", "a link-local address"),
    ],
)
def test_non_public_addresses_refused(url: str, problem: str) -> None:
    with pytest.raises(FetchRefused, match=re.escape(problem)) as caught:
        check_url(url)
    message = str(caught.value)
    assert message.startswith("refused: ")
    assert "NEWSBOT_ALLOW_PRIVATE_URLS=1" in message
    assert "\n" not in message
    assert check_url(url, allow_private=True).startswith("http://")


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/",
        "https://[2001:4860:4860::8888]/x",
        "http://1.1.1.1:8080/",
        "http://example.com/",
    ],
)
def test_public_addresses_pass(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "refused: only http and https URLs are fetched, not ftp."),
        ("file:///etc/passwd", "refused: only http and https URLs are fetched, not file."),
        ("javascript:alert(1)", "refused: only http and https URLs are fetched, not javascript."),
        ("gopher://example.com/", "refused: only http and https URLs are fetched, not gopher."),
        ("example.com/news", "refused: the URL must start with http:// or https://."),
        ("", "refused: the URL is empty."),
        ("http:///path", "refused: the URL has no host name."),
        (
            "http://user:secret@example.com/",
            "refused: URLs with a user name or password are not fetched.",
        ),
        (
            "https://user@example.com/",
            "refused: URLs with a user name or password are not fetched.",
        ),
        ("http://256.0.0.1/", "refused: 256.0.0.1 is not a valid IP address."),
        ("http://1.2.3.4.5/", "refused: 1.2.3.4.5 is not a valid IP address."),
        ("http://09.0.0.1/", "refused: 09.0.0.1 is not a valid IP address."),
    ],
)
def test_bad_urls_refused(url: str, message: str) -> None:
    with pytest.raises(FetchRefused) as caught:
        check_url(url, allow_private=True)
    assert str(caught.value) == message


def test_check_url_normalizes() -> None:
    assert check_url("  HTTPS://Example.COM/Path?q=1#section ") == "https://example.com/Path?q=1"
    assert check_url("http://0x7f000001:8080/x", allow_private=True) == "http://127.0.0.1:8080/x"
    assert check_url("http://пример.рф/") == "http://xn--e1afmkfd.xn--p1ai/"


async def test_credentials_refused_by_fetcher_before_request() -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            with pytest.raises(FetchRefused, match="user name or password"):
                await fetcher.fetch(f"http://user:pw@127.0.0.1:{server.port}/")
    assert server.requests == []


async def test_localhost_refused_by_resolver() -> None:
    async with LoopbackServer({"/": page(HTML)}) as server:
        url = f"http://localhost:{server.port}/"
        assert check_url(url) == url  # a host name passes the syntactic check ...
        async with Fetcher() as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(url)  # ... and is refused once resolved
    assert str(caught.value).startswith("refused: localhost resolves to ")
    assert "loopback address" in str(caught.value)
    assert server.requests == []


async def test_hostile_dns_answer_refused() -> None:
    dns = StaticResolver({"news.test": ["10.1.2.3", "169.254.169.254"]})
    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher(resolver=dns) as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(f"http://news.test:{server.port}/")
    assert str(caught.value) == (
        "refused: news.test resolves to 10.1.2.3, a private address "
        "(set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)."
    )
    assert dns.asked == ["news.test"]
    assert server.requests == []


async def test_resolver_connects_only_to_allowed_addresses() -> None:
    # A mixed answer: the refused address is dropped, the connection goes to the
    # allowed one (here the test server, let through by the policy).
    dns = StaticResolver({"news.test": ["10.9.9.9", "127.0.0.1"]})
    guarded = GuardedResolver(dns, only_test_server, owns_inner=False)
    answer = await guarded.resolve("news.test", 80)
    assert [result["host"] for result in answer] == ["127.0.0.1"]

    async with LoopbackServer({"/": page(HTML)}) as server:
        async with Fetcher(resolver=dns, address_policy=only_test_server) as fetcher:
            result = await fetcher.fetch(f"http://news.test:{server.port}/")
    assert result.text == HTML
    assert server.requests[0].headers["Host"] == f"news.test:{server.port}"


# --------------------------------------------------------------------------
# Redirects


async def test_redirects_followed_and_final_url_reported() -> None:
    routes = {
        "/a": redirect("/b", status=301),
        "/b": redirect("c", status=307),
        "/c": page(HTML),
    }
    async with LoopbackServer(routes) as server, Fetcher(allow_private=True) as fetcher:
        result = await fetcher.fetch(server.url("/a"))
    assert result.url == server.url("/c")
    assert [r.path for r in server.requests] == ["/a", "/b", "/c"]
    assert all(r.headers["User-Agent"] == USER_AGENT for r in server.requests)


async def test_five_redirects_allowed_six_refused() -> None:
    routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(6)}
    routes["/r6"] = page(HTML)
    async with LoopbackServer(routes) as server, Fetcher(allow_private=True) as fetcher:
        result = await fetcher.fetch(server.url("/r1"))  # r1 -> r6: five redirects
        assert result.url == server.url("/r6")
        with pytest.raises(FetchFailed, match=r"redirected too many times \(more than 5\)"):
            await fetcher.fetch(server.url("/r0"))  # six redirects


async def test_redirect_loop_refused() -> None:
    async with LoopbackServer({"/loop": redirect("/loop")}) as server:
        async with Fetcher(allow_private=True, max_redirects=3) as fetcher:
            with pytest.raises(FetchFailed, match="too many times"):
                await fetcher.fetch(server.url("/loop"))
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("http://127.0.0.2:{port}/", "127.0.0.2 is a loopback address"),
        ("http://2130706434:{port}/", "2130706434 means 127.0.0.2, a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:10.0.0.1]/", "a private address"),
        ("http://intranet.test:{port}/", "intranet.test resolves to 10.0.0.7, a private address"),
        ("file:///etc/passwd", "not file"),
        ("http://u:p@127.0.0.1:{port}/", "user name or password"),
    ],
)
async def test_redirect_to_refused_address_refused(target: str, problem: str) -> None:
    # The policy lets the test server (127.0.0.1) through, so the first hop is
    # fetched; the redirect target is refused like any other URL would be.
    dns = StaticResolver({"intranet.test": ["10.0.0.7"]})
    served: list[str] = []

    async def hop(request: web.Request) -> web.StreamResponse:
        location = target.format(port=request.url.port)
        served.append(location)
        return web.Response(status=302, headers={"Location": location})

    async with LoopbackServer({"/start": hop, "/": page(HTML)}) as server:
        async with Fetcher(resolver=dns, address_policy=only_test_server) as fetcher:
            with pytest.raises(FetchRefused, match=r"^refused: ") as caught:
                await fetcher.fetch(server.url("/start"))
    assert problem in str(caught.value)
    assert [r.path for r in server.requests] == ["/start"]


async def test_bad_location_fails_cleanly() -> None:
    async with LoopbackServer({"/": redirect("http://[::1/")}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            with pytest.raises(FetchFailed, match="redirected to an invalid address"):
                await fetcher.fetch(server.url("/"))


# --------------------------------------------------------------------------
# Size limits


async def test_body_over_cap_abandoned() -> None:
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()  # no Content-Length
        await response.prepare(request)
        for _ in range(50):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    async with LoopbackServer({"/": chunked}) as server:
        async with Fetcher(allow_private=True, max_bytes=10_000) as fetcher:
            with pytest.raises(FetchFailed, match=r"^the page is larger than 10 kB\.$"):
                await fetcher.fetch(server.url("/"))
        async with Fetcher(allow_private=True, max_bytes=50_000) as fetcher:
            assert len((await fetcher.fetch(server.url("/"))).text) == 50_000


async def test_content_length_over_cap_refused_at_once() -> None:
    body = b"<p>" + b"y" * 200_000
    async with LoopbackServer({"/": page(body, content_type="text/html")}) as server:
        async with Fetcher(allow_private=True, max_bytes=100_000) as fetcher:
            with pytest.raises(FetchFailed) as caught:
                await fetcher.fetch(server.url("/"))
    assert str(caught.value) == "the page is too large (0.2 MB, the limit is 0.1 MB)."


async def test_gzip_bomb_counted_after_decompression() -> None:
    inflated = b"<html>" + b" " * 2_000_000
    bomb = gzip.compress(inflated, compresslevel=9)
    assert len(bomb) < 10_000

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    async with LoopbackServer({"/": handler}) as server:
        async with Fetcher(allow_private=True, max_bytes=100_000) as fetcher:
            with pytest.raises(FetchFailed, match="larger than"):
                await fetcher.fetch(server.url("/"))
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(server.url("/"))  # under the 5 MB default
    assert len(result.text) == len(inflated)


# --------------------------------------------------------------------------
# Charsets


async def test_windows_1251_without_header_charset_is_detected() -> None:
    html = f"<html><body><p>{RUSSIAN}</p></body></html>".encode("windows-1251")
    async with LoopbackServer({"/": page(html, content_type="text/html")}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(server.url("/"))
    assert RUSSIAN in result.text


async def test_meta_charset_used_when_header_has_none() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "</head><body><p>Привет</p></body></html>"
    ).encode("windows-1251")
    html5 = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    feed = '<?xml version="1.0" encoding="windows-1251"?><rss><title>Привет</title></rss>'
    routes = {
        "/meta": page(html, content_type="text/html"),
        "/html5": page(html5, content_type="text/html"),
        "/feed": page(feed.encode("windows-1251"), content_type="application/rss+xml"),
    }
    async with LoopbackServer(routes) as server, Fetcher(allow_private=True) as fetcher:
        for path in routes:
            assert "Привет" in (await fetcher.fetch(server.url(path))).text


async def test_header_charset_wins() -> None:
    html = '<meta charset="utf-8"><p>Привет</p>'.encode("koi8-r")
    async with LoopbackServer(
        {"/": page(html, content_type="text/html; charset=KOI8-R")}
    ) as server:
        async with Fetcher(allow_private=True) as fetcher:
            assert "Привет" in (await fetcher.fetch(server.url("/"))).text


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "text/html; charset=no-such-charset", "text/html"]
)
async def test_broken_bytes_never_crash(content_type: str) -> None:
    body = b"<p>ok \xff\xfe\xc3\x28 \x80\x81 end</p>" + "ünï".encode()
    async with LoopbackServer({"/": page(body, content_type=content_type)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            result = await fetcher.fetch(server.url("/"))
    assert result.text.startswith("<p>ok ")
    assert "end</p>" in result.text


# --------------------------------------------------------------------------
# Conditional requests


async def test_conditional_request_gives_not_modified() -> None:
    etag = '"v1"'
    modified = "Wed, 21 Oct 2015 07:28:00 GMT"

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        if request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304, headers=headers)
        return web.Response(text=HTML, content_type="text/html", headers=headers)

    async with LoopbackServer({"/": handler}) as server, Fetcher(allow_private=True) as fetcher:
        first = await fetcher.fetch(server.url("/"))
        by_etag = await fetcher.fetch(server.url("/"), etag=first.etag)
        by_date = await fetcher.fetch(server.url("/"), last_modified=first.last_modified)
        changed = await fetcher.fetch(server.url("/"), etag='"v0"')

    assert (first.etag, first.last_modified, first.not_modified) == (etag, modified, False)
    assert first.text == HTML
    for result in (by_etag, by_date):
        assert result.not_modified
        assert result.status == 304
        assert result.text == ""
        assert result.url == server.url("/")
    assert not changed.not_modified
    assert changed.text == HTML
    seen = server.requests
    assert "If-None-Match" not in seen[0].headers
    assert "If-Modified-Since" not in seen[0].headers
    assert seen[1].headers["If-None-Match"] == etag
    assert seen[2].headers["If-Modified-Since"] == modified


async def test_unasked_304_is_a_failure() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=304)

    async with LoopbackServer({"/": handler}) as server, Fetcher(allow_private=True) as fetcher:
        with pytest.raises(FetchFailed, match="answered 304 Not Modified"):
            await fetcher.fetch(server.url("/"))


# --------------------------------------------------------------------------
# HTTP and network errors


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "127.0.0.1 answered 404 Not Found."),
        (403, "127.0.0.1 answered 403 Forbidden."),
        (500, "127.0.0.1 answered 500 Internal Server Error."),
        (503, "127.0.0.1 answered 503 Service Unavailable."),
    ],
)
async def test_http_errors(status: int, message: str) -> None:
    async with LoopbackServer({"/": page("nope", status=status)}) as server:
        async with Fetcher(allow_private=True) as fetcher:
            with pytest.raises(FetchFailed) as caught:
                await fetcher.fetch(server.url("/"))
    assert str(caught.value) == message


async def test_unknown_path_is_404() -> None:
    async with LoopbackServer({}) as server, Fetcher(allow_private=True) as fetcher:
        with pytest.raises(FetchFailed, match="answered 404 Not Found"):
            await fetcher.fetch(server.url("/missing"))


async def test_connection_refused() -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(allow_private=True) as fetcher:
        with pytest.raises(FetchFailed) as caught:
            await fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert str(caught.value) == "could not connect to 127.0.0.1."


async def test_silent_server_times_out() -> None:
    async def silent(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(30)  # cancelled when the client gives up
        return web.Response(text="too late")

    async with LoopbackServer({"/": silent}) as server:
        async with Fetcher(allow_private=True, read_timeout=0.2) as fetcher:
            with pytest.raises(FetchFailed, match=r"^127\.0\.0\.1 did not answer in time"):
                await fetcher.fetch(server.url("/"))


async def test_slow_drip_server_hits_total_timeout() -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(300):
            await response.write(b"<p>")
            await asyncio.sleep(0.05)  # each piece is quick, the whole is slow
        return response

    async with LoopbackServer({"/": drip}) as server:
        fetcher = Fetcher(allow_private=True, read_timeout=1, total_timeout=0.4)
        async with fetcher:
            loop = asyncio.get_running_loop()
            start = loop.time()
            with pytest.raises(FetchFailed) as caught:
                await fetcher.fetch(server.url("/"))
            assert loop.time() - start < 2
    assert str(caught.value) == "127.0.0.1 did not answer in time (gave up after 0.4 s)."


async def test_broken_connection_fails_cleanly() -> None:
    async def hang_up(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/html", "Content-Length": "1000"}
        )
        await response.prepare(request)
        await response.write(b"<p>only part")
        assert request.transport is not None
        request.transport.close()
        return response

    async with LoopbackServer({"/": hang_up}) as server, Fetcher(allow_private=True) as fetcher:
        with pytest.raises(FetchFailed) as caught:
            await fetcher.fetch(server.url("/"))
    assert str(caught.value) == "the connection to 127.0.0.1 broke off."


async def test_concurrent_fetches_share_one_session() -> None:
    async def slowish(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.05)
        return web.Response(text=request.path, content_type="text/plain")

    routes = {f"/{i}": slowish for i in range(8)}
    async with LoopbackServer(routes) as server, Fetcher(allow_private=True) as fetcher:
        session = fetcher._session
        results = await asyncio.gather(*(fetcher.fetch(server.url(path)) for path in routes))
        assert fetcher._session is session
    assert [result.text for result in results] == list(routes)
