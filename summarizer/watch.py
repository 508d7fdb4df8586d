"""Watched sources: ingesting channels, feeds and pages, and polling them.

A source is a public Telegram channel (read through its web preview,
``<tme_url>/s/<name>``), an RSS/Atom feed, or a web page (whose feed is
discovered through ``<link rel=alternate>``, or which is read as one article).
Each post or feed item is remembered once handled, so a poll only ingests what
is new. A failing source is recorded with its error and never stops the round.

A channel seen for the first time is read a few pages back (``?before=``), and
the newest post id read is kept in the source's state. Posts reaching the bot
as ``channel_post`` updates (channels where it is an administrator) go through
:func:`ingest_post` like the posts of a preview page.

Parsing feeds and channel previews, discovering a page's feeds, extraction and
summarizing are CPU-bound: they run in the event loop's default executor
(:func:`off_loop`), so a big feed or a long article never stalls the loop. A
feed is read up to :data:`~summarizer.sources.MAX_FEED_ITEMS` items; a longer
one is reported in :attr:`IngestReport.notes`, never as an error. Sources are
polled concurrently (at most ``concurrency`` at a time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .article import Article
from .config import Settings
from .core import (
    IngestReport,
    article_from_page,
    ingest_one,
    is_url,
    off_loop,
    summarize_and_store,
)
from .errors import FetchFailed, FetchRefused, NewsbotError, NotAnArticle, note
from .fetch import Fetcher, Page
from .plaintext import read_text, site_of
from .sources import (
    ChannelPost,
    FeedItem,
    SourceRef,
    discover_feeds,
    is_channel_preview,
    looks_like_feed,
    parse_channel_preview,
    parse_feed,
    parse_source,
)
from .store import IngestResult, Source, Store
from .urls import is_telegram_url

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_POLL = 50  # newest items taken from one feed or channel page in one poll
MIN_POST_CHARS = 200  # a post without a link is an article of its own when this long
BACKFILL_PAGES = 2  # older preview pages read (?before=) when a channel is first seen
ADMIN_KIND = "admin"  # a channel whose posts reach the bot as channel_post updates


def _page_and_store(store: Store, page: Page, via: str | None, facts: bool = False) -> IngestResult:
    return summarize_and_store(store, article_from_page(page), via, facts)


async def ingest_link(
    url: str, store: Store, fetcher: Fetcher, *, via: str | None = None, facts: bool = False
) -> IngestResult:
    """Fetch, digest (off the loop) and store one article URL, unless it is stored already."""
    existing = store.find_article(url=url)
    if existing is not None:
        return IngestResult(existing, created=False)
    page = await fetcher.fetch(url)
    if page.url != url:  # redirected: the final address may be stored already
        existing = store.find_article(url=page.url)
        if existing is not None:
            return IngestResult(existing, created=False)
    return await off_loop(_page_and_store, store, page, via, facts)


@dataclass
class _Target:
    """What one source resolves to when fetched."""

    kind: str
    key: str
    url: str


async def ingest_any(
    items: Iterable[str],
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    *,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files, article URLs, feed URLs and channels (``@name``, ``t.me/name``)."""
    report = IngestReport()
    for item in items:
        try:
            if item.startswith("@") or _is_channel_link(item, settings.tme_url):
                ref = parse_source(item, settings.tme_url)
                source, _ = store.add_source(ref.kind, ref.key, ref.url)
                _merge(report, await poll_source(store, fetcher, source, settings))
            elif is_url(item):
                await _ingest_url(item, store, fetcher, settings, report)
            else:
                result = await ingest_one(item, store, None, tme_url=settings.tme_url)
                (report.added if result.created else report.duplicates).append(result.article_id)
                report.notes.extend((item, n) for n in result.notes)
        except NewsbotError as exc:
            report.failed.append((item, str(exc)))
        if progress:
            progress(item)
    return report


async def _ingest_url(
    url: str, store: Store, fetcher: Fetcher, settings: Settings, report: IngestReport
) -> None:
    existing = store.find_article(url=url)
    if existing is not None:
        report.duplicates.append(existing)
        return
    page = await fetcher.fetch(url)
    if looks_like_feed(page.text, page.content_type):
        await _ingest_feed_page(page, store, fetcher, settings, report, source=None)
        return
    result = await off_loop(_page_and_store, store, page, None)
    (report.added if result.created else report.duplicates).append(result.article_id)
    report.notes.extend((url, n) for n in result.notes)


def _is_channel_link(item: str, tme_url: str) -> bool:
    try:
        return parse_source(item, tme_url).kind == "channel"
    except NewsbotError:
        return False


def _merge(report: IngestReport, other: IngestReport) -> None:
    report.added.extend(other.added)
    report.duplicates.extend(other.duplicates)
    report.failed.extend(other.failed)


async def poll_all(
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    *,
    progress: Callable[[str], None] | None = None,
    concurrency: int = 4,
) -> IngestReport:
    """One round over every watched source, ``concurrency`` at a time; reports in list order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(source: Source) -> IngestReport:
        async with gate:
            result = await poll_source(store, fetcher, source, settings)
        if progress:
            progress(source.key)
        return result

    report = IngestReport()
    for result in await asyncio.gather(*(one(s) for s in store.list_sources())):
        _merge(report, result)
    return report


Opened = Callable[[], None]


async def poll_source(
    store: Store,
    fetcher: Fetcher,
    source: Source,
    settings: Settings,
    *,
    on_open: Opened | None = None,
) -> IngestReport:
    """Fetch one source (conditionally) and ingest what it has that is new.

    ``on_open`` is called once the source is read as what it is (a channel's preview,
    a feed parsed, a page's feed or its article), before its items are ingested. A poll
    that fails before that failed on the source itself: the error is
    ``report.source_error``, and :func:`not_a_source` says whether polling again can
    mend it.
    """
    report = IngestReport()
    if source.kind == ADMIN_KIND:
        return report  # its posts come as channel_post updates; there is nothing to fetch
    state: dict[str, object] | None = None
    opened = on_open or _nothing
    try:
        page = await fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        if page.not_modified:
            opened()
        elif source.kind == "channel":
            state = await _ingest_channel_page(
                page, store, fetcher, settings, report, source, opened
            )
        elif looks_like_feed(page.text, page.content_type):
            await _ingest_feed_page(page, store, fetcher, settings, report, source, opened)
        else:
            feeds = await off_loop(discover_feeds, page.text, page.url)
            if feeds:
                feed_page = await fetcher.fetch(feeds[0])
                await _ingest_feed_page(feed_page, store, fetcher, settings, report, source, opened)
            else:
                result = await off_loop(_page_and_store, store, page, None)
                opened()
                (report.added if result.created else report.duplicates).append(result.article_id)
    except NewsbotError as exc:
        logger.info("source %s failed: %s", source.key, exc)
        store.update_source(source.id, error=str(exc))
        report.failed.append((source.key, str(exc)))
        report.source_error = exc
        return report
    if report.failed and not report.added and not report.duplicates:
        # everything new failed: the source is failing, as the user is told (and its
        # validators are not kept, so that the next poll tries those items again)
        store.update_source(source.id, error=report.failed[0][1], state=state)
        return report
    store.update_source(source.id, etag=page.etag, last_modified=page.last_modified, state=state)
    return report


def _nothing() -> None:
    return None


def not_a_source(error: NewsbotError) -> bool:
    """Whether a source's own error means it is no source to watch, which polling again
    will not mend: a channel without a public preview, a document that is neither a
    feed nor an article, an address refused, or a page that is not there (404, 410)."""
    if isinstance(error, NotAnArticle | FetchRefused):
        return True
    if error.code == "fetch.status":  # "404 Not Found"
        return str(error.params.get("status", "")).split(" ")[0] in {"404", "410"}
    return error.code in {"watch.no_preview", "fetch.not_a_page", "fetch.binary"}


async def _ingest_channel_page(
    page: Page,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    report: IngestReport,
    source: Source,
    opened: Opened = _nothing,
) -> dict[str, object]:
    """Ingest the new posts of a channel preview page; returns the source's new state."""
    read = await off_loop(_read_preview, page.text, settings.tme_url)
    if read is None:
        raise FetchFailed("watch.no_preview", channel=f"@{source.key}")
    opened()
    posts, before = read
    last_post = source.state.get("last_post")
    if not isinstance(last_post, int):
        # first sight: read a few older pages too, so the channel starts with some history
        for _ in range(BACKFILL_PAGES):
            if before is None or len(posts) >= MAX_ITEMS_PER_POLL:
                break
            older_page = await fetcher.fetch(f"{source.url}?before={before}")
            older_read = await off_loop(_read_preview, older_page.text, settings.tme_url)
            if older_read is None:
                break
            older, before = older_read
            known = {p.post_id for p in posts}
            posts = [p for p in older if p.post_id not in known] + posts
    for post in posts[-MAX_ITEMS_PER_POLL:]:
        _merge(report, await ingest_post(store, fetcher, settings, source, post))
    newest = max([p.post_id for p in posts], default=0)
    return {
        **source.state,
        "last_post": max(newest, last_post if isinstance(last_post, int) else 0),
    }


def _read_preview(html: str, tme_url: str) -> tuple[list[ChannelPost], int | None] | None:
    """The posts and the cursor of a channel preview page, or None when it is not one.

    CPU-bound (two HTML parses): called with :func:`off_loop`.
    """
    if not is_channel_preview(html):
        return None
    return parse_channel_preview(html, tme_url)


async def ingest_post(
    store: Store, fetcher: Fetcher, settings: Settings, source: Source, post: ChannelPost
) -> IngestReport:
    """Ingest one channel post once: its article link, or the post itself when long enough.

    A post already handled (by its id, across restarts) is skipped. A post
    that failed for a reason that may pass (a network error) is tried again on
    the next poll; one that is not an article is not.
    """
    report = IngestReport()
    key = str(post.post_id)
    if store.seen_post(source.id, key):
        return report
    try:
        # a link to another Telegram post (a forward's source) is not an article
        links = [u for u in post.links if not is_telegram_url(u, settings.tme_url)]
        if links:
            result = await ingest_link(links[0], store, fetcher, via=post.url)
        elif len(post.text) >= MIN_POST_CHARS:
            result = await off_loop(_store_post_text, store, post, settings.tme_url)
        else:
            store.mark_post(source.id, key, None)
            return report
    except NewsbotError as exc:
        report.failed.append((post.url, str(exc)))
        if isinstance(exc, NotAnArticle):
            store.mark_post(source.id, key, None)  # retrying would not help
        return report
    (report.added if result.created else report.duplicates).append(result.article_id)
    store.mark_post(source.id, key, result.article_id)
    return report


def _store_post_text(store: Store, post: ChannelPost, tme_url: str) -> IngestResult:
    article = read_text(post.text, tme_url=tme_url)
    article.url, article.via = post.url, post.url
    article.published = article.published or post.published
    return summarize_and_store(store, article)


async def _ingest_feed_page(
    page: Page,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    report: IngestReport,
    source: Source | None,
    opened: Opened = _nothing,
) -> None:
    feed = await off_loop(parse_feed, page.text, page.url)
    opened()
    if feed.total > len(feed.items):
        capped = note("feed.capped", count=len(feed.items), total=feed.total)
        report.notes.append((page.url, capped))
    for item in feed.items[:MAX_ITEMS_PER_POLL]:
        if not item.url:
            continue
        if source is not None and store.seen_post(source.id, item.guid):
            continue
        via = source.url if source else page.url
        try:
            result = await ingest_link(item.url, store, fetcher, via=via)
        except NewsbotError as exc:
            # a page that cannot be read: the feed's own title and text are the article
            # (never for a refused address: that item is hostile, not merely unreadable)
            kept = None if isinstance(exc, FetchRefused) else await _item_itself(store, item, via)
            if kept is None:
                report.failed.append((item.url, str(exc)))
                if source is not None and isinstance(exc, NotAnArticle | FetchRefused):
                    store.mark_post(source.id, item.guid, None)  # trying again would not help
                continue
            result = kept
        (report.added if result.created else report.duplicates).append(result.article_id)
        if source is not None:
            store.mark_post(source.id, item.guid, result.article_id)


async def _item_itself(store: Store, item: FeedItem, via: str) -> IngestResult | None:
    """A feed item stored from the feed's own title and text (its description), for an
    item whose page cannot be read; None when the feed gives no text to summarize."""
    if not item.url or not item.summary or not item.summary.strip():
        return None
    article = Article(
        text=item.summary.strip(),
        url=item.url,
        title=item.title,
        published=item.published,
        site=site_of(item.url),
        via=via,
    )
    try:
        return await off_loop(summarize_and_store, store, article)
    except NotAnArticle:
        return None


__all__ = [
    "ADMIN_KIND",
    "SourceRef",
    "ingest_any",
    "ingest_link",
    "ingest_post",
    "not_a_source",
    "off_loop",
    "poll_all",
    "poll_source",
]
