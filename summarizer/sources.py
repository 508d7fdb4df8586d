"""Where news comes from: Telegram channels, RSS/Atom feeds and news pages.

Pure parsing, no network code:

* :func:`parse_source` turns what a user typed (``@name``, ``t.me/name``, a
  post link, an http(s) URL) into a :class:`SourceRef`;
* :func:`parse_channel_preview` reads the public web preview of a channel
  (``https://t.me/s/<name>``) into :class:`ChannelPost` items and the cursor
  for the next, older page; :func:`is_channel_preview` tells such a page from
  the plain channel page Telegram shows for channels without a preview;
* :func:`looks_like_feed`, :func:`parse_feed` and :func:`discover_feeds` deal
  with RSS and Atom feeds (through feedparser).

Channel posts: a post whose text is empty is kept when it has links (for
example a link preview alone), so the caller can follow them; a post with
neither text nor links (a photo, a sticker, a voice message without caption)
is skipped, and so are service messages ("channel created", "pinned …").
A poll is kept, its text being the question followed by one "- option" line
per answer.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from time import struct_time
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit
from xml.sax import SAXException

import feedparser
from lxml import etree
from lxml import html as lxml_html
from yarl import URL

from . import budgets, memory
from .errors import BadInput, FetchFailed, NotAnArticle
from .urls import is_well_formed, normalize_url, split_url

log = logging.getLogger(__name__)

_CHANNEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_TELEGRAM_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"})
# First path segments of t.me links that are not channel names.
_RESERVED = frozenset(
    {
        "joinchat", "addstickers", "addemoji", "addtheme", "addlist", "share", "proxy", "socks",
        "setlanguage", "login", "confirmphone", "invoice", "boost", "contact", "iv", "bg",
        "c", "s", "k", "a", "z", "i",
    }
)  # fmt: skip
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_FEED_START = re.compile(r"<(?:[\w-]+:)?(rss|feed|RDF)\b")
_PROLOG = re.compile(r"^(?:\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*", re.DOTALL)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    {"p", "div", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
     "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr"}
)  # fmt: skip
_ESCAPED_HTML = re.compile(r"<(?:p|div|br|a\s+href|!--)\b", re.IGNORECASE)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})
_RFC822 = re.compile(
    r"^(?:[^\W\d]+\.?,?\s+)?(\d{1,2})\s+([^\W\d]+\.?)\s+(\d{4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|GMT|UTC|UT|Z)?\s*$"
)
# The first three letters of month names: English, Portuguese, Spanish, French,
# German and Italian (where they differ). French "juin"/"juil." share theirs: left out.
_MONTHS = {
    **dict.fromkeys(("jan", "ene", "gen"), 1),
    **dict.fromkeys(("feb", "fev", "fév"), 2),
    **dict.fromkeys(("mar", "mär", "mrz"), 3),
    **dict.fromkeys(("apr", "abr", "avr"), 4),
    **dict.fromkeys(("may", "mai", "mag"), 5),
    **dict.fromkeys(("jun", "giu"), 6),
    **dict.fromkeys(("jul", "lug"), 7),
    **dict.fromkeys(("aug", "ago", "aoû", "aou"), 8),
    **dict.fromkeys(("sep", "set"), 9),
    **dict.fromkeys(("oct", "out", "okt", "ott"), 10),
    **dict.fromkeys(("nov",), 11),
    **dict.fromkeys(("dec", "dez", "dic", "déc"), 12),
}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
#: items read from one feed (summarizer.budgets.FEED_ITEMS); the rest are left out
#: (counted in Feed.total), so a huge feed costs bounded work and memory
MAX_FEED_ITEMS = budgets.FEED_ITEMS
#: Telegram's message ids are 32-bit: a larger "post id" on a preview page is junk
MAX_POST_ID = 2**31 - 1
#: lxml's (libxml2's) depth limit: what lies deeper in a page is dropped without a word
MAX_DEPTH = 256


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceRef:
    """A source the bot can watch.

    ``kind`` is ``"channel"`` for a public Telegram channel, or ``"url"`` for an
    http(s) address not yet known to be a feed or a page (the fetcher decides
    and may store ``"feed"`` or ``"page"``). ``key`` is the canonical form used
    to compare sources: the lower-cased channel name, or the normalized URL.
    ``url`` is where to fetch it.
    """

    kind: str
    key: str
    url: str


def parse_source(text: str, tme_url: str = "https://t.me") -> SourceRef:
    """Recognise a channel (``@name``, ``t.me/name``, a post link) or an http(s) URL.

    Links under ``tme_url`` (a local stand-in for t.me in tests) count as
    Telegram links too. Raises :class:`BadInput` with a sentence for the user
    when ``text`` is neither.
    """
    base = tme_url.rstrip("/")
    value = text.strip().strip("<>").strip()
    if not value:
        raise BadInput("source.empty")
    if any(ch.isspace() for ch in value):
        raise BadInput("source.spaces", value=_shorten(value))
    if value.startswith("@"):
        return _channel_ref(value[1:], base, value)
    if not is_well_formed(value) and "://" in value:
        raise BadInput("source.bad_address", value=_shorten(value))
    if value.lower().startswith("tg://"):
        query = parse_qs(urlsplit(value).query)
        return _channel_ref((query.get("domain") or [""])[0], base, value)

    base_parts = urlsplit(base)
    base_host = (base_parts.netloc or "").lower()
    if "://" not in value:
        first = value.lower().split("/", 1)[0]
        if first in _TELEGRAM_HOSTS or (base_host and first == base_host):
            value = (
                f"{base_parts.scheme or 'https'}://{value}"
                if first == base_host
                else ("https://" + value)
            )
        else:
            raise BadInput("source.not_channel_or_url", value=_shorten(value))
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"}:
        raise BadInput("source.scheme", scheme=parts.scheme)
    host = (parts.hostname or "").lower()
    if not host:
        raise BadInput("source.no_host", value=_shorten(value))
    if not _idn_readable(host):  # "xn--zz": the fetcher would refuse it at every poll
        raise BadInput("source.bad_address", value=_shorten(value))
    netloc = parts.netloc.lower().rsplit("@", 1)[-1]
    is_base = (
        bool(base_host)
        and netloc == base_host
        and (
            parts.path == base_parts.path.rstrip("/")
            or parts.path.startswith(base_parts.path.rstrip("/") + "/")
        )
    )
    if host in _TELEGRAM_HOSTS or is_base:
        path = parts.path
        if is_base and base_parts.path:
            path = path[len(base_parts.path.rstrip("/")) :]
        return _channel_from_path(path, base, value)
    return SourceRef(kind="url", key=normalize_url(value), url=value)


def _idn_readable(host: str) -> bool:
    """Whether each ``xn--`` label of ``host`` decodes, as the fetcher decodes it."""
    if "xn--" not in host:
        return True
    try:
        _ = URL.build(scheme="http", host=host).host
    except (UnicodeError, ValueError):
        return False
    return True


def _channel_from_path(path: str, base: str, original: str) -> SourceRef:
    segments = [unquote(s) for s in path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments:
        raise BadInput("source.no_channel", value=_shorten(original))
    name = segments[0]
    if name.startswith("+") or name.lower() == "joinchat":
        raise BadInput("source.invite")
    if name.lower() == "c":
        raise BadInput("source.private")
    if name.lower() in _RESERVED:
        raise BadInput("source.not_channel_link", value=_shorten(original))
    rest = segments[1:]
    if rest and not (len(rest) == 1 and rest[0].isdigit()):
        raise BadInput("source.not_post_link", value=_shorten(original))
    return _channel_ref(name, base, original)


def _channel_ref(name: str, base: str, original: str) -> SourceRef:
    if not _CHANNEL_NAME.fullmatch(name):
        raise BadInput("source.bad_name", value=_shorten(original))
    key = name.lower()
    return SourceRef(kind="channel", key=key, url=f"{base}/s/{key}")


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --------------------------------------------------------------------------- channels


@dataclass
class ChannelPost:
    """One message from a channel's web preview."""

    channel: str  # lower-cased channel name
    post_id: int
    url: str  # f"{tme_url}/{channel}/{post_id}"
    published: str | None  # ISO 8601, UTC
    text: str  # plain text, line breaks kept
    links: list[str] = field(default_factory=list)  # link preview first, then links in the text
    title: str | None = None  # title of the link preview


def is_channel_preview(html: str) -> bool:
    """True when ``html`` is a channel's message list (``t.me/s/<name>``).

    Telegram answers ``t.me/s/<name>`` for a channel without a public preview
    (or for a user, a bot, a group) with a redirect to the plain ``t.me/<name>``
    page, which has no message history.
    """
    root = _parse_html(html)
    if root is None:
        return False
    return bool(
        root.xpath(f"//*[{_has_class('tgme_channel_history')}]")
        or root.xpath(f"//*[{_has_class('tgme_widget_message')} and @data-post]")
    )


def parse_channel_preview(
    html: str, tme_url: str = "https://t.me"
) -> tuple[list[ChannelPost], int | None]:
    """The posts on a channel preview page, oldest first, and the paging cursor.

    The cursor is the ``before`` value for the next, older page: taken from the
    "load more" link, or the smallest post id on the page when that link has
    no number. It is None when the page has no "load more" link (the start of
    the channel was reached).
    """
    base = tme_url.rstrip("/")
    root = _parse_html(html, whole=True)
    if root is None:
        return [], None
    posts: dict[int, ChannelPost] = {}
    for node in root.xpath(f"//*[{_has_class('tgme_widget_message')} and @data-post]"):
        post = _parse_message(node, base)
        if post is not None:
            posts.setdefault(post.post_id, post)
    ordered = [posts[key] for key in sorted(posts)]
    return ordered, _before_cursor(root, ordered)


def _parse_message(node: Any, base: str) -> ChannelPost | None:
    data_post = str(node.get("data-post") or "")
    channel, _, number = data_post.strip().partition("/")
    post_id = int(number) if re.fullmatch(r"[0-9]{1,10}", number) else 0
    if not channel or not 0 < post_id <= MAX_POST_ID:
        log.debug("skipping a message with data-post %r", data_post)
        return None
    channel = channel.lower()
    if "service_message" in (node.get("class") or "").split():
        log.debug("skipping service message %s/%s", channel, post_id)
        return None

    published = None
    for stamp in node.xpath(f".//*[{_has_class('tgme_widget_message_date')}]//time[@datetime]"):
        published = _iso_utc(str(stamp.get("datetime")))
        break

    text = ""
    text_nodes = node.xpath(
        f".//*[{_has_class('tgme_widget_message_text')}]"
        f"[not(ancestor::*[{_has_class('tgme_widget_message_text')}])]"
        f"[not(ancestor::*[{_has_class('tgme_widget_message_reply')}])]"
    )
    if text_nodes:
        text = _element_text(text_nodes[0])
    poll = node.xpath(f".//*[{_has_class('tgme_widget_message_poll')}]")
    if poll and not text:
        text = _poll_text(poll[0])

    hrefs: list[str] = []
    title = None
    preview = node.xpath(f".//a[{_has_class('tgme_widget_message_link_preview')}]")
    if preview:
        if preview[0].get("href"):
            hrefs.append(str(preview[0].get("href")))
        titles = preview[0].xpath(f".//*[{_has_class('link_preview_title')}]")
        if titles:
            title = _SPACES.sub(" ", titles[0].text_content()).strip() or None
    if text_nodes:
        for anchor in text_nodes[0].iter("a"):
            href = str(anchor.get("href") or "")
            label = anchor.text_content().strip()
            if label.startswith(("@", "#")) or href.startswith("?"):
                continue  # a mention or a hashtag
            hrefs.append(href)
    links = _clean_links(hrefs, channel, base)

    if not text and not links:
        log.debug("skipping %s/%s: no text and no links", channel, post_id)
        return None
    return ChannelPost(
        channel=channel,
        post_id=post_id,
        url=f"{base}/{channel}/{post_id}",
        published=published,
        text=text,
        links=links,
        title=title,
    )


def _clean_links(hrefs: Iterable[str], channel: str, base: str) -> list[str]:
    """http(s) links, without links to ``channel`` itself, deduplicated in order.

    Two links that differ only in the scheme count as one; the https form is kept.
    """
    base_host = urlsplit(base).netloc.lower()
    out: list[str] = []
    seen: dict[str, int] = {}
    for raw in hrefs:
        href = raw.strip()
        if not is_well_formed(href):
            continue
        parts = urlsplit(href)
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            continue
        netloc = parts.netloc.lower()
        if netloc in _TELEGRAM_HOSTS or netloc == base_host:
            first = next((s for s in parts.path.split("/") if s and s != "s"), "")
            if first.lower() == channel:
                continue
        key = normalize_url(href).split("://", 1)[-1]
        if key in seen:
            if parts.scheme.lower() == "https" and out[seen[key]].lower().startswith("http:"):
                out[seen[key]] = href
            continue
        seen[key] = len(out)
        out.append(href)
    return out


def _poll_text(poll: Any) -> str:
    question = poll.xpath(f".//*[{_has_class('tgme_widget_message_poll_question')}]")
    options = poll.xpath(f".//*[{_has_class('tgme_widget_message_poll_option_text')}]")
    lines = [_SPACES.sub(" ", q.text_content()).strip() for q in question]
    lines += ["- " + _SPACES.sub(" ", o.text_content()).strip() for o in options]
    return "\n".join(line for line in lines if line.strip("- "))


def _before_cursor(root: Any, posts: list[ChannelPost]) -> int | None:
    for link in root.xpath(f"//*[{_has_class('tme_messages_more')}]"):
        href = str(link.get("href") or "")
        parts = split_url(href)
        query = parse_qs(parts.query) if parts else {}
        before = link.get("data-before") or next(iter(query.get("before", [])), None)
        if before is None and (link.get("data-after") or "after" in query):
            continue  # the link to newer posts
        before = str(before or "").strip()
        if before.isdigit():
            return int(before) if int(before) > 1 else None
        return posts[0].post_id if posts and posts[0].post_id > 1 else None
    return None


# --------------------------------------------------------------------------- feeds


@dataclass
class FeedItem:
    """One entry of a feed."""

    url: str | None
    title: str | None
    published: str | None  # ISO 8601, UTC
    summary: str | None  # plain text
    guid: str


@dataclass
class Feed:
    """A parsed RSS or Atom feed."""

    title: str | None
    link: str | None
    items: list[FeedItem]  # at most the ``limit`` given to parse_feed
    total: int = 0  # items in the document: more than len(items) when the cap was reached


def looks_like_feed(text: str, content_type: str = "") -> bool:
    """True when a fetched document is (most likely) an RSS, RDF or Atom feed.

    A feed media type decides; otherwise the first element of ``text`` must be
    ``<rss>``, ``<feed>`` or ``<rdf:RDF>``.
    """
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _FEED_TYPES:
        return True
    # Skip the XML declaration, processing instructions, comments and a doctype.
    head = _PROLOG.sub("", text[:4096].lstrip("\ufeff"), count=1)
    return bool(_FEED_START.match(head))


def parse_feed(
    text_or_bytes: str | bytes, base_url: str | None = None, limit: int = MAX_FEED_ITEMS
) -> Feed:
    """Parse an RSS, RDF or Atom feed: its first ``limit`` items (``total`` counts all).

    CPU-bound: async callers use ``off_loop``. A feed of more than ``limit`` items is
    cut to its first ``limit`` before it is parsed (:func:`first_items`), so a 5 MB feed
    of 50,000 items costs what 1,000 do.

    Bytes are decoded as the feed declares (``windows-1251``, ``ISO-8859-1``,
    …). Dates become ISO 8601 in UTC, summaries plain text, and relative links
    are resolved against ``base_url``. Raises :class:`NotAnArticle` when the
    document is not a feed. A big feed is read alone
    (:func:`summarizer.memory.one_big_input`).
    """
    with memory.one_big_input(len(text_or_bytes)):
        return _parse_feed(text_or_bytes, base_url, limit)


def _parse_feed(text_or_bytes: str | bytes, base_url: str | None, limit: int) -> Feed:
    headers: dict[str, str] = {}
    if base_url:
        headers["content-location"] = base_url
    if isinstance(text_or_bytes, str):
        data = text_or_bytes.lstrip("\ufeff").encode("utf-8")
        # The text is already decoded: the charset given here overrides the
        # encoding named in the XML declaration.
        headers["content-type"] = "application/xml; charset=utf-8"
    else:
        data = text_or_bytes
    data, counted = first_items(data, limit)
    # A BytesIO, never the bytes themselves: feedparser would try them as a file name.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        log.debug("not a feed: %s", parsed.get("bozo_exception"))
        raise NotAnArticle("feed.not_a_feed")
    meta = parsed.feed
    if not base_url:
        # Without the address it was fetched from, resolve against the feed's own.
        base_url = next(
            (
                str(dict.get(item, "href"))
                for item in dict.get(meta, "links") or []
                if dict.get(item, "rel") == "self"
                and str(dict.get(item, "href") or "").startswith(("http://", "https://"))
            ),
            None,
        )
    link = _absolute(dict.get(meta, "link"), base_url)
    if link and not link.startswith(("http://", "https://")):
        link = None
    items = [_feed_item(entry, base_url or link) for entry in parsed.entries[: max(0, limit)]]
    broken = parsed.get("bozo_exception")
    if isinstance(broken, SAXException) and not any(item.url for item in items):
        # a feed that breaks off before its first whole item: not "0 new", but why
        raise NotAnArticle("feed.broken", reason=" ".join(str(broken).split()))
    title = _plain(dict.get(meta, "title"))
    total = len(parsed.entries) if counted is None else max(counted, len(parsed.entries))
    return Feed(title=title, link=link, items=items, total=total)


# The end of an RSS or RDF <item> or an Atom <entry>, with or without a namespace prefix.
_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)


def first_items(data: bytes, limit: int) -> tuple[bytes, int | None]:
    """The feed document ``data`` with only its first ``limit`` items, and how many
    items it has (None when it has no more than ``limit``, and is returned as it is).

    What follows the last item (``</channel></rss>``, ``</feed>``) is kept, so the cut
    document is well-formed whenever the whole one was; a document this cannot cut
    cleanly (an item's end inside a CDATA section, say) is still read by feedparser's
    lenient parser.
    """
    if limit < 1:
        return data, None
    ends = _ITEM_END.finditer(data)
    nth = next(islice(ends, limit - 1, None), None)
    last = None
    count = limit
    for match in ends:
        count, last = count + 1, match
    if nth is None or last is None:
        return data, None
    return data[: nth.end()] + data[last.end() :], count


def _feed_item(entry: dict[str, Any], base_url: str | None) -> FeedItem:
    url = _absolute(entry.get("link"), base_url)
    title = _plain(entry.get("title"))
    published = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = dict.get(entry, key)  # not entry.get: feedparser maps updated to published
        if isinstance(stamp, struct_time):
            try:
                published = datetime(*stamp[:6], tzinfo=UTC).isoformat()
            except ValueError:
                continue
            break
    if published is None:
        for key in ("published", "updated", "created"):
            raw = dict.get(entry, key)
            if raw:
                published = _foreign_date(str(raw))
                if published:
                    break
    summary = _plain(entry.get("summary"))
    if not summary:
        content = entry.get("content") or []
        summary = _plain(content[0].get("value")) if content else None
    guid = str(entry.get("id") or url or "")
    if not guid:
        digest = hashlib.sha1(
            f"{title}\n{published}\n{summary}".encode(), usedforsecurity=False
        ).hexdigest()
        guid = f"sha1:{digest}"
    return FeedItem(url=url, title=title, published=published, summary=summary, guid=guid)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed links announced by a page (``<link rel="alternate" type="application/rss+xml">``).

    Absolute http(s) URLs, in page order, without duplicates. A ``<base href>``
    in the page is honoured.
    """
    root = _parse_html(html)
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, str(element.get("href")).strip())
            break
    out: list[str] = []
    for element in root.iter("link"):
        rels = str(element.get("rel") or "").lower().split()
        kind = str(element.get("type") or "").split(";", 1)[0].strip().lower()
        href = str(element.get("href") or "").strip()
        if "alternate" not in rels or kind not in _FEED_TYPES or not href:
            continue
        url = _absolute(href, base)
        if url and urlsplit(url).scheme.lower() in {"http", "https"} and url not in out:
            out.append(url)
    return out


# --------------------------------------------------------------------------- helpers


def _has_class(name: str) -> str:
    """An XPath predicate: the element's class attribute has the word ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _parse_html(html: str, *, whole: bool = False) -> Any:
    """An lxml tree of ``html``, or None when there is nothing to parse.

    ``whole``: a page nested deeper than :data:`MAX_DEPTH` (whose deeper part the parser
    drops) raises FetchFailed ``watch.too_deep`` rather than giving the part above it.
    """
    text = _XML_DECL.sub("", html.lstrip("\ufeff"), count=1)
    if not text.strip():
        return None
    parser = lxml_html.HTMLParser()
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        log.debug("unparseable HTML (%d characters)", len(html))
        return None
    if whole and any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise FetchFailed("watch.too_deep", depth=MAX_DEPTH)
    return root


def _element_text(element: Any) -> str:
    """Plain text of an HTML element: ``<br>`` and block ends become line breaks."""
    pieces: list[str] = []
    _collect(element, pieces, top=True)
    text = "".join(pieces)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _collect(element: Any, pieces: list[str], top: bool = False, pre: bool = False) -> None:
    """Append the text of ``element`` to ``pieces``; ``pre``: keep its line breaks."""
    tag = element.tag if isinstance(element.tag, str) else ""
    tail = "" if top or not element.tail else _squeeze(element.tail, pre)
    if tag in _SKIP_TAGS:
        pieces.append(tail)
        return
    inner_pre = pre or tag == "pre"
    if tag == "br" or (tag in _BLOCK_TAGS and not top):
        pieces.append("\n")
    if element.text and tag:
        pieces.append(_squeeze(element.text, inner_pre))
    for child in element:
        _collect(child, pieces, pre=inner_pre)
    if tag in _BLOCK_TAGS and not top:
        pieces.append("\n")
    pieces.append(tail)


def _squeeze(text: str, pre: bool) -> str:
    if pre:
        return text.replace("\r\n", "\n")
    return _SPACES.sub(" ", text)


def _plain(value: object, again: bool = False) -> str | None:
    """Plain text of a feed field that may hold HTML, or None when empty."""
    if value is None:
        return None
    text = str(value)
    if "<" in text and ">" in text:
        try:
            fragment = lxml_html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            fragment = None
        if fragment is not None:
            text = _element_text(fragment)
            if _ESCAPED_HTML.search(text) and not again:
                return _plain(text, again=True)  # HTML escaped twice by the publisher
    else:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text)
    text = text.strip()
    return text or None


def _absolute(url: object, base_url: str | None) -> str | None:
    if not url:
        return None
    text = str(url).strip()
    try:
        absolute = urljoin(base_url, text) if base_url else text
    except ValueError:
        return None
    return absolute if is_well_formed(absolute) else None


def _foreign_date(value: str) -> str | None:
    """An RFC 822 date with month names in Portuguese, Spanish, French, German or Italian.

    feedparser reads English names only ("Seg, 24 Set 2018 19:42:40 -0300" stays
    unparsed). Returns ISO 8601 in UTC, or None.
    """
    match = _RFC822.match(value.strip())
    if not match:
        return None
    day, month_name, year, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name.lower().rstrip(".")[:3])
    if month is None:
        return None
    offset = "+00:00"
    if zone and re.fullmatch(r"[+-]\d{4}", zone):
        offset = f"{zone[:3]}:{zone[3:]}"
    text = f"{year}-{month:02d}-{int(day):02d}T{hour}:{minute}:{second or '00'}{offset}"
    try:
        return datetime.fromisoformat(text).astimezone(UTC).isoformat()
    except ValueError:
        return None


def _iso_utc(value: str) -> str | None:
    """``value`` (ISO 8601 with an offset) in UTC, or the value itself if unparseable."""
    text = value.strip()
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat()
