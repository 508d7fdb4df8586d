"""Fetching web pages and feeds, carefully.

This is the only module of newsbot that talks to the network. It fetches one
URL at a time with an honest User-Agent and guards against what a URL sent by
a stranger can do to the machine running the bot:

* only ``http`` and ``https`` URLs without a user name or password are fetched;
* unless private URLs are allowed (``NEWSBOT_ALLOW_PRIVATE_URLS=1``), no
  connection is made to a loopback, private, link-local, shared (CGNAT),
  multicast, reserved or unspecified address. IP literals are checked before
  any request (including legacy forms such as ``http://2130706433/``), and host
  names are checked *after* resolution by the resolver the connection itself
  uses, so a DNS answer that changes between the check and the connect cannot
  slip through. Every redirect hop is checked again;
* redirects are followed by hand, at most ``max_redirects`` of them;
* the body is read in chunks and abandoned once it passes ``max_bytes`` after
  decompression, so neither huge pages nor gzip bombs fill the memory;
* connect, read and total timeouts bound the time spent on one URL;
* at most ``limit`` fetches run at once, and at most ``limit_per_host`` to
  one host name (any port), so one slow or hostile site cannot take every
  connection; a fetch waiting for its turn counts against its total timeout;
* only HTML, plain text and XML feeds are accepted; the text is decoded from
  the charset the server or the page declares, else a detected one, and never
  raises on broken bytes.

Typical use::

    async with Fetcher.from_settings(settings) as fetcher:
        page = await fetcher.fetch("https://example.com/news/1")

Every failure is a :class:`~summarizer.errors.FetchRefused` (the URL may not
be fetched) or a :class:`~summarizer.errors.FetchFailed` (the request was made
but gave no usable page), whose message is one sentence fit for the user.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
import charset_normalizer
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict
from yarl import URL

from .errors import FetchFailed, FetchRefused

__all__ = [
    "USER_AGENT",
    "AddressPolicy",
    "Fetcher",
    "GuardedResolver",
    "Page",
    "address_problem",
    "check_url",
    "decode_body",
]

logger = logging.getLogger(__name__)

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot/newsbot)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Given an address, say why it may not be connected to ("a loopback
#: address"), or return None when it may.
AddressPolicy = Callable[[IPAddress], "str | None"]

ALLOW_SETTING = "NEWSBOT_ALLOW_PRIVATE_URLS"  # named in a refusal: set it to 1 to allow

ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
ACCEPT_HEADER = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 4096  # where a <meta charset> or an XML declaration is looked for
DETECT_BYTES = 64 * 1024  # how much charset-normalizer looks at

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_LOOKS_NUMERIC = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class Page:
    """One fetched page."""

    url: str  # final URL after redirects
    status: int
    text: str  # decoded body ("" when not_modified)
    content_type: str  # e.g. "text/html"
    etag: str | None
    last_modified: str | None
    not_modified: bool = False  # True on 304 for a conditional request


# --------------------------------------------------------------------------
# Addresses and URLs


def address_problem(ip: IPAddress) -> str | None:
    """Why newsbot will not connect to ``ip`` by default, or None if it may.

    The answer completes the sentence "127.0.0.1 is …", e.g. "a loopback
    address". IPv6 addresses that embed an IPv4 address (IPv4-mapped,
    IPv4-compatible, NAT64, 6to4) are judged by the embedded address too.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and int(ip) >> 32 == 0 and int(ip) > 1:
            embedded = ipaddress.IPv4Address(int(ip))  # deprecated IPv4-compatible form
        if embedded is not None:
            problem = address_problem(embedded)
            if problem is not None:
                return f"a form of {embedded}, {problem}"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public address"
    return None


def _allow_all(ip: IPAddress) -> str | None:
    return None


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` as an IPv4 address the way ``inet_aton`` would, else None.

    Accepts the dotted-quad form and the legacy ones that resolvers still
    honour: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x), the last
    part filling the remaining bytes (``2130706433``, ``0x7f000001``,
    ``0177.0.0.1``, ``127.1``). A host that looks numeric but is out of range
    is refused rather than handed to a resolver.
    """
    text = host[:-1] if host.endswith(".") else host
    parts = text.split(".")
    if not _LOOKS_NUMERIC.fullmatch(parts[-1]):
        return None  # a host name (the URL standard's rule: the last label decides)
    if len(parts) > 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        raise FetchRefused("fetch.ip_invalid", host=host)
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part[0] == "0":
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise FetchRefused("fetch.ip_invalid", host=host)
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _parse_ip(host: str) -> IPAddress | None:
    """The address an IP-literal host means, or None for a host name."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            raise FetchRefused("fetch.ip_invalid", host=host) from None
    return _parse_ipv4(host)


def _refuse_address(what: str, ip: IPAddress, problem: str, resolved: bool = False) -> FetchRefused:
    if what == str(ip):
        return FetchRefused("fetch.ip_refused", ip=ip, problem=problem, setting=ALLOW_SETTING)
    if resolved:
        return FetchRefused(
            "fetch.host_resolves", what=what, ip=ip, problem=problem, setting=ALLOW_SETTING
        )
    return FetchRefused(
        "fetch.host_means", what=what, ip=ip, problem=problem, setting=ALLOW_SETTING
    )


def _check(url: str | URL, policy: AddressPolicy) -> URL:
    """Check ``url`` against the rules and ``policy``; return it normalized."""
    if isinstance(url, URL):
        parsed = url
    else:
        text = url.strip()
        if not text:
            raise FetchRefused("fetch.url_empty")
        try:
            parsed = URL(text)
        except (ValueError, TypeError):
            raise FetchRefused("fetch.url_invalid") from None
    scheme = parsed.scheme.lower()
    if not scheme:
        raise FetchRefused("fetch.url_no_scheme")
    if scheme not in {"http", "https"}:
        raise FetchRefused("fetch.url_scheme", scheme=scheme)
    if parsed.raw_user or parsed.raw_password:
        raise FetchRefused("fetch.url_credentials")
    host = parsed.raw_host
    if not host:
        raise FetchRefused("fetch.url_no_host")
    try:
        _ = parsed.host  # decodes an IDN ("xn--…"): a broken label raises UnicodeError
    except UnicodeError:
        raise FetchRefused("fetch.url_invalid") from None
    try:
        port = parsed.port
    except ValueError:
        raise FetchRefused("fetch.url_port") from None
    if port is not None and not 0 < port < 65536:
        raise FetchRefused("fetch.url_port")
    ip = _parse_ip(host)
    if ip is not None:
        problem = policy(ip)
        if problem is not None:
            raise _refuse_address(host, ip, problem)
        if str(ip) != host:  # write legacy forms the way the connector will accept
            parsed = parsed.with_host(str(ip))
    return parsed.with_fragment(None)


def check_url(url: str, *, allow_private: bool = False) -> str:
    """Check ``url`` before fetching it and return it normalized.

    Only the URL itself is looked at (no DNS lookup): its scheme must be http
    or https, it may carry no user name or password, and unless
    ``allow_private`` an IP-literal host (in any notation) must be a public
    address. Legacy IPv4 notations are rewritten as dotted quads and the
    fragment is dropped. Raises :class:`FetchRefused` with a one-sentence
    reason otherwise. Host names are checked after resolution by
    :class:`Fetcher`.
    """
    return str(_check(url, _allow_all if allow_private else address_problem))


class GuardedResolver(AbstractResolver):
    """A resolver that only returns addresses ``policy`` allows.

    It wraps the resolver that actually looks names up and drops the
    addresses the policy refuses; when none is left it raises
    :class:`FetchRefused`. Because aiohttp connects to exactly the addresses
    its connector's resolver returns, the address that was checked is the one
    connected to.
    """

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy, *, owns_inner: bool) -> None:
        self._inner = inner
        self._policy = policy
        self._owns_inner = owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        refused: tuple[IPAddress, str] | None = None
        for result in results:
            try:
                ip = ipaddress.ip_address(result["host"].split("%", 1)[0])
            except ValueError:
                logger.warning("resolver gave an unreadable address for %s: %r", host, result)
                continue
            problem = self._policy(ip)
            if problem is None:
                allowed.append(result)
            else:
                logger.debug("dropping %s for %s: %s", ip, host, problem)
                refused = refused or (ip, problem)
        if not allowed and refused is not None:
            raise _refuse_address(host, *refused, resolved=True)
        return allowed

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()


# --------------------------------------------------------------------------
# Decoding


def _codec(name: str | None) -> str | None:
    """The Python codec for a charset label, or None if unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    # Browsers read these labels as windows-1252, and so do pages labelled with them.
    if codec in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    return codec


def decode_body(body: bytes, header_charset: str | None) -> str:
    """Decode ``body``: BOM, then the header charset, then the page's own
    declaration, then detection, then UTF-8; bad bytes become U+FFFD."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body.decode(bom_codec, errors="replace")
    codec = _codec(header_charset)
    if codec is None:
        head = body[:SNIFF_BYTES]
        match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii"))
            if codec in {"utf-16", "utf-16-le", "utf-16-be"}:
                codec = "utf-8"  # a declaration readable as ASCII cannot be UTF-16
    if codec is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        best = charset_normalizer.from_bytes(body[:DETECT_BYTES]).best()
        if best is not None:
            codec = _codec(best.encoding)
            logger.debug("detected charset %s", codec)
    return body.decode(codec or "utf-8", errors="replace")


# --------------------------------------------------------------------------
# Fetching


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def _looks_binary(body: bytes) -> bool:
    return b"\x00" in body[:1024]


class Fetcher:
    """Fetches pages over one aiohttp session; use it as an async context manager.

    ``allow_private`` lifts the address checks (for tests and intranet use).
    ``resolver`` replaces the DNS resolver that is wrapped by the address
    check, and ``address_policy`` replaces :func:`address_problem` as the
    check itself (when ``allow_private`` is false); both exist for tests and
    special deployments. ``read_timeout`` bounds the wait for each piece of
    the answer, ``total_timeout`` the whole fetch including redirects.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_bytes: int = 5_000_000,
        connect_timeout: float = 10,
        total_timeout: float = 30,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        limit: int = 10,
        limit_per_host: int = 2,
        read_timeout: float = 15,
        resolver: AbstractResolver | None = None,
        address_policy: AddressPolicy = address_problem,
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.limit = limit
        self.limit_per_host = limit_per_host
        self._inner_resolver = resolver
        self._policy: AddressPolicy = _allow_all if allow_private else address_policy
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None
        self._closed = False
        self._overall = asyncio.Semaphore(max(1, limit))
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}  # host -> gate, users
        self.in_flight = 0  # fetches under way (holding their overall turn)
        self.waiting = 0  # fetches waiting for a turn

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> Fetcher:
        """A Fetcher configured by :class:`~summarizer.config.Settings` (``NEWSBOT_FETCH_*``)."""
        options: dict[str, Any] = {
            "allow_private": settings.allow_private_urls,
            "total_timeout": settings.fetch_timeout,
            "read_timeout": settings.fetch_read_timeout,
            "connect_timeout": min(settings.fetch_timeout, 10.0),
            "max_bytes": settings.fetch_max_bytes,
            "limit": settings.fetch_limit,
            "limit_per_host": settings.fetch_limit_per_host,
        }
        options.update(overrides)
        return cls(**options)

    @asynccontextmanager
    async def _turn(self, gate: asyncio.Semaphore) -> AsyncIterator[None]:
        self.waiting += 1
        try:
            await gate.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            gate.release()

    @asynccontextmanager
    async def _host_turn(self, host: str) -> AsyncIterator[None]:
        """At most ``limit_per_host`` requests to ``host`` at once (whatever the port)."""
        key = host.lower().rstrip(".")
        gate, users = self._hosts.get(key) or (asyncio.Semaphore(max(1, self.limit_per_host)), 0)
        self._hosts[key] = (gate, users + 1)
        try:
            async with self._turn(gate):
                yield
        finally:
            gate, users = self._hosts[key]
            if users <= 1:
                del self._hosts[key]
            else:
                self._hosts[key] = (gate, users - 1)

    async def __aenter__(self) -> Fetcher:
        self._get_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session; the Fetcher cannot be used afterwards."""
        self._closed = True
        session, self._session = self._session, None
        resolver, self._resolver = self._resolver, None
        if session is not None:
            await session.close()
        if resolver is not None:
            await resolver.close()

    def _get_session(self) -> aiohttp.ClientSession:
        """The session, created on first use (inside the running event loop)."""
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        if self._session is None:
            inner = self._inner_resolver or aiohttp.DefaultResolver()
            self._resolver = GuardedResolver(
                inner, self._policy, owns_inner=self._inner_resolver is None
            )
            connector = aiohttp.TCPConnector(
                resolver=self._resolver, limit=self.limit, limit_per_host=self.limit_per_host
            )
            timeout = aiohttp.ClientTimeout(
                total=None,  # the whole fetch is bounded in fetch()
                sock_connect=self.connect_timeout,
                sock_read=self.read_timeout,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=timeout,
                headers={"User-Agent": self.user_agent, "Accept": ACCEPT_HEADER},
                trust_env=False,  # a proxy would resolve names where we cannot check them
            )
        return self._session

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Page:
        """Fetch ``url`` and return the page (or ``not_modified`` on a 304).

        ``etag`` and ``last_modified`` come from an earlier :class:`Page` of
        the same URL and make the request conditional.
        """
        target = _check(url, self._policy)
        session = self._get_session()
        host = target.host or "the server"
        try:
            async with asyncio.timeout(self.total_timeout), self._turn(self._overall):
                self.in_flight += 1
                try:
                    return await self._fetch(session, target, etag, last_modified)
                finally:
                    self.in_flight -= 1
        except TimeoutError:
            logger.info("timeout fetching %s", target)
            raise FetchFailed("fetch.gave_up", host=host, seconds=self.total_timeout) from None

    async def _fetch(
        self,
        session: aiohttp.ClientSession,
        url: URL,
        etag: str | None,
        last_modified: str | None,
    ) -> Page:
        headers: CIMultiDict[str] = CIMultiDict()
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        conditional = bool(headers)
        redirects = 0
        while True:
            host = url.host or "the server"
            logger.debug("GET %s", url)
            try:
                async with (
                    self._host_turn(host),
                    session.get(url, headers=headers, allow_redirects=False) as resp,
                ):
                    if resp.status in REDIRECT_STATUSES and "Location" in resp.headers:
                        redirects += 1
                        if redirects > self.max_redirects:
                            raise FetchFailed(
                                "fetch.redirects", host=host, count=self.max_redirects
                            )
                        url = self._next_hop(resp.url, resp.headers["Location"])
                        logger.debug("redirect %d to %s", redirects, url)
                        continue
                    return await self._page(resp, host, conditional)
            except (FetchRefused, FetchFailed):
                raise
            except TimeoutError:
                logger.info("timeout fetching %s", url)
                raise FetchFailed("fetch.timeout", host=host) from None
            except aiohttp.ClientError as exc:
                logger.info("fetching %s failed: %r", url, exc)
                raise _network_error(host, exc) from None

    def _next_hop(self, current: URL, location: str) -> URL:
        try:
            target = current.join(URL(location))
        except (ValueError, TypeError):
            raise FetchFailed(
                "fetch.bad_redirect", host=current.host, location=location[:100]
            ) from None
        return _check(target, self._policy)

    async def _page(self, resp: aiohttp.ClientResponse, host: str, conditional: bool) -> Page:
        final_url = str(resp.url)
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        has_type = "Content-Type" in resp.headers
        content_type = resp.content_type if has_type else ""
        if resp.status == 304 and conditional:
            logger.debug("not modified: %s", final_url)
            return Page(final_url, 304, "", content_type, etag, last_modified, True)
        if resp.status >= 300:
            reason = f" {resp.reason}" if resp.reason else ""
            raise FetchFailed("fetch.status", host=host, status=f"{resp.status}{reason}")

        if has_type and content_type not in ACCEPTED_TYPES:
            raise FetchFailed("fetch.not_a_page", type=content_type)
        length = resp.content_length
        if length is not None and length > self.max_bytes:
            raise FetchFailed(
                "fetch.too_large", size=_megabytes(length), limit=_megabytes(self.max_bytes)
            )

        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchFailed("fetch.larger_than", limit=_megabytes(self.max_bytes))
            chunks.append(chunk)
        body = b"".join(chunks)

        if not has_type:
            if _looks_binary(body):
                raise FetchFailed("fetch.binary")
            content_type = "text/html" if body.lstrip()[:1] == b"<" else "text/plain"
        text = decode_body(body, resp.charset if has_type else None)
        logger.debug("fetched %s: %d bytes of %s", final_url, size, content_type)
        return Page(final_url, resp.status, text, content_type, etag, last_modified)


def _network_error(host: str, exc: aiohttp.ClientError) -> FetchFailed:
    """The error of a failed connection or a broken answer."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FetchFailed("fetch.dns", host=host)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return FetchFailed("fetch.tls", host=host)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return FetchFailed("fetch.connect", host=host)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return FetchFailed("fetch.broke_off", host=host)
    if isinstance(exc, aiohttp.ClientResponseError):
        return FetchFailed("fetch.unreadable", host=host)
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchFailed("fetch.invalid_url")
    return FetchFailed("fetch.other", host=host)
