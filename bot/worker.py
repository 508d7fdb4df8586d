"""``newsbot worker``: polls watched sources, sharing them with any number of other workers.

The loop: lease the sources that are due (:meth:`Store.claim_sources`, at most
as many as there are free slots, ``NEWSBOT_WORKER_CONCURRENCY``), poll each
with :func:`summarizer.watch.poll_source` (through :class:`bot.poller.Poller`:
per-source timeout, errors recorded in the store), give each back when its poll
ends, and claim again when a poll ends or every :data:`bot.poller.CLAIM_EVERY`
seconds. A source is due when it was not polled for ``NEWSBOT_POLL_INTERVAL``
seconds (failing ones back off). Leases are taken in one statement (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two workers
never fetch one source in one round; a worker that dies holds its sources only
until their leases expire (the per-source timeout plus a minute).

The worker sends nothing to Telegram and needs no token. It loads the language
models before its first claim (so a fresh worker does not hold leases while it
loads them), then logs ``worker … ready``. SIGINT or SIGTERM stop it: polls
under way are cancelled and their sources given back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from dataclasses import dataclass, field

from summarizer import Fetcher, IngestReport, Settings, limit_arenas, off_loop
from summarizer.store import Source, Store, open_store

from .leader import worker_name
from .poller import Poller

logger = logging.getLogger(__name__)


@dataclass
class WorkerReport:
    """What one worker did."""

    name: str
    polled: int = 0
    new: int = 0
    known: int = 0
    failed: int = 0
    sources: list[str] = field(default_factory=list)  # keys, in the order polled
    seconds: float = 0.0

    def count(self, source: Source, result: IngestReport) -> None:
        """One poll ended (the poller's ``on_report``)."""
        self.polled += 1
        self.new += len(result.added)
        self.known += len(result.duplicates)
        self.failed += len(result.failed)
        self.sources.append(source.key)


#: a page like those the sources bring, in each language the detector loads a model for
_WARM_UP_PAGES = [
    f"""<html><head><title>{title}</title>
    <meta property="article:published_time" content="2025-05-16T10:00:00+00:00"></head>
    <body><article><h1>{title}</h1>{"".join(f"<p>{p}</p>" for p in paragraphs)}</article>
    </body></html>"""
    for title, paragraphs in (
        (
            "The worker is ready",
            ["The worker started on Friday and read its first page.", "It summarized it. " * 20],
        ),
        (
            "Обработчик готов",
            ["Обработчик запустили в пятницу, и он прочитал первую страницу.", "Готово. " * 30],
        ),
    )
]


def warm_up() -> None:
    """Load what ingesting needs now rather than in the first poll: trafilatura, the
    language models and the summarizer. Not the parsers (spaCy, natasha: some 400 MB):
    the worker leaves the facts pending (summarizer.read_pending)."""
    from summarizer import extract_html, summarize_article

    for page in _WARM_UP_PAGES:
        try:
            summarize_article(extract_html(page, "https://warm-up.invalid/"), facts=False)
        except Exception:  # a broken install shows up, with its reason, in the first poll
            logger.debug("warm-up failed", exc_info=True)


async def run_worker(
    settings: Settings,
    *,
    name: str | None = None,
    concurrency: int | None = None,
    once: bool = False,
    stop: asyncio.Event | None = None,
    store: Store | None = None,
) -> WorkerReport:
    """Poll due sources until ``stop`` is set (or, with ``once``, until none is due)."""
    name = name or worker_name("worker")
    limit_arenas()  # before the executor's threads make heaps of their own
    report = WorkerReport(name)
    stop = stop or asyncio.Event()
    own_store = store is None
    store = store or open_store(settings.db)
    fetcher = Fetcher.from_settings(settings)
    poller = Poller(
        store,
        fetcher,
        settings,
        concurrency=concurrency or settings.worker_concurrency,
        claim_as=name,
        on_report=report.count,
    )
    try:
        await off_loop(warm_up)
        logger.info("worker %s ready: up to %d sources at once", name, poller.concurrency)
        started = time.perf_counter()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                claimed = await poller.tick()
                running = poller.running
                if once and not claimed and not running:
                    break
                await asyncio.wait(
                    [stopping, *running],
                    timeout=poller.tick_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopping
        report.seconds = time.perf_counter() - started
    finally:
        await poller.close()  # cancelled polls give their sources back
        await fetcher.close()
        if own_store:
            store.close()
    logger.info(
        "worker %s stopped: %d sources polled, %d new articles, %d failed",
        name,
        report.polled,
        report.new,
        report.failed,
    )
    return report


async def main(
    settings: Settings, *, name: str | None, concurrency: int | None, once: bool
) -> WorkerReport:
    """:func:`run_worker` until SIGINT or SIGTERM (the CLI's ``newsbot worker``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        return await run_worker(settings, name=name, concurrency=concurrency, once=once, stop=stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
