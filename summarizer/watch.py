"""Watched sources: ingesting channels, feeds and pages, and polling them.

A source is a public Telegram channel (read through its web preview,
``<tme_url>/s/<name>``), an RSS/Atom feed, or a web page (whose feed is
discovered through ``<link rel=alternate>``, or which is read as one article).
Each post or feed item is remembered once handled, so a poll only ingests what
is new. A failing source is recorded with its error and never stops the round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .config import Settings
from .core import IngestReport, article_from_page, digest, ingest_one, is_url, store_digest
from .errors import FetchFailed, NewsbotError, NotAnArticle
from .fetch import Fetcher, Page
from .plaintext import read_text
from .sources import (
    SourceRef,
    discover_feeds,
    is_channel_preview,
    looks_like_feed,
    parse_channel_preview,
    parse_feed,
    parse_source,
)
from .store import Source, Store
from .urls import is_telegram_url

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_POLL = 50  # newest items taken from one feed or channel page in one poll
MIN_POST_CHARS = 200  # a post without a link is an article of its own when this long


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
    result = store_digest(store, digest(article_from_page(page)))
    (report.added if result.created else report.duplicates).append(result.article_id)


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
) -> IngestReport:
    """One round over every watched source."""
    report = IngestReport()
    for source in store.list_sources():
        _merge(report, await poll_source(store, fetcher, source, settings))
        if progress:
            progress(source.key)
    return report


async def poll_source(
    store: Store, fetcher: Fetcher, source: Source, settings: Settings
) -> IngestReport:
    """Fetch one source (conditionally) and ingest what it has that is new."""
    report = IngestReport()
    try:
        page = await fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        if not page.not_modified:
            if source.kind == "channel":
                await _ingest_channel_page(page, store, fetcher, settings, report, source)
            elif looks_like_feed(page.text, page.content_type):
                await _ingest_feed_page(page, store, fetcher, settings, report, source)
            else:
                feeds = discover_feeds(page.text, page.url)
                if feeds:
                    feed_page = await fetcher.fetch(feeds[0])
                    await _ingest_feed_page(feed_page, store, fetcher, settings, report, source)
                else:
                    result = store_digest(store, digest(article_from_page(page)))
                    (report.added if result.created else report.duplicates).append(
                        result.article_id
                    )
    except NewsbotError as exc:
        logger.info("source %s failed: %s", source.key, exc)
        store.update_source(source.id, error=str(exc))
        report.failed.append((source.key, str(exc)))
        return report
    store.update_source(source.id, etag=page.etag, last_modified=page.last_modified)
    return report


async def _ingest_channel_page(
    page: Page,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    report: IngestReport,
    source: Source,
) -> None:
    if not is_channel_preview(page.text):
        raise FetchFailed(
            f"@{source.key} has no public preview (the channel is private, restricted "
            "or does not exist)"
        )
    posts, _before = parse_channel_preview(page.text, settings.tme_url)
    for post in posts[-MAX_ITEMS_PER_POLL:]:
        key = str(post.post_id)
        if store.seen_post(source.id, key):
            continue
        try:
            # a link to another Telegram post (a forward's source) is not an article
            links = [u for u in post.links if not is_telegram_url(u, settings.tme_url)]
            if links:
                result = await ingest_one(
                    links[0], store, fetcher, tme_url=settings.tme_url, via=post.url
                )
            elif len(post.text) >= MIN_POST_CHARS:
                article = read_text(post.text, tme_url=settings.tme_url)
                article.url, article.via = post.url, post.url
                article.published = article.published or post.published
                result = store_digest(store, digest(article))
            else:
                store.mark_post(source.id, key, None)
                continue
        except NewsbotError as exc:
            report.failed.append((post.url, str(exc)))
            if isinstance(exc, NotAnArticle):
                store.mark_post(source.id, key, None)  # retrying would not help
            continue
        (report.added if result.created else report.duplicates).append(result.article_id)
        store.mark_post(source.id, key, result.article_id)


async def _ingest_feed_page(
    page: Page,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    report: IngestReport,
    source: Source | None,
) -> None:
    feed = parse_feed(page.text, base_url=page.url)
    for item in feed.items[:MAX_ITEMS_PER_POLL]:
        if not item.url:
            continue
        if source is not None and store.seen_post(source.id, item.guid):
            continue
        try:
            result = await ingest_one(
                item.url,
                store,
                fetcher,
                tme_url=settings.tme_url,
                via=source.url if source else page.url,
            )
        except NewsbotError as exc:
            report.failed.append((item.url, str(exc)))
            if source is not None and isinstance(exc, NotAnArticle):
                store.mark_post(source.id, item.guid, None)
            continue
        (report.added if result.created else report.duplicates).append(result.article_id)
        if source is not None:
            store.mark_post(source.id, item.guid, result.article_id)


__all__ = ["SourceRef", "ingest_any", "poll_all", "poll_source"]
