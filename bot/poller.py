"""Polling the watched sources, for the JobQueue.

The job (:meth:`Poller.tick`, every ``NEWSBOT_POLL_INTERVAL`` seconds) never
waits for a poll: it starts one task per source that is due and not already
being polled, and returns. So a slow source delays no other source and no
later round. At most ``concurrency`` sources are fetched at a time, and each
poll is cut off after ``source_timeout`` seconds.

A source that failed ``n`` times in a row is due again only after
``interval * 2**n`` seconds (at most ``max_backoff``): the failures and the
time of the last poll live in the store, so the backoff survives a restart.

**Claiming** (``claim_as``, a PostgreSQL store with several processes): instead
of reading every source, :meth:`Poller.tick` leases the due ones from the store
(:meth:`Store.claim_sources`: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), at
most as many as it has free slots, and gives each back
(:meth:`Store.release_source`) when its poll ends. Due means not polled for
``interval`` seconds (or, for a failing source, for its backoff), so ticks can
come often (:data:`CLAIM_EVERY`) and any number of processes (``newsbot
worker``, the leader) split the sources: none is fetched twice in one round. A
process that dies keeps its leases only until they expire (``lease_seconds``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from summarizer import ADMIN_KIND, Fetcher, IngestReport, Settings, off_loop, poll_source
from summarizer.store import Source, Store

logger = logging.getLogger(__name__)

MAX_BACKOFF = 6 * 3600.0
CLAIM_EVERY = 2.0  # seconds between claims when claiming (capped at the poll interval)


class Poller:
    """Polls sources in the background: bounded concurrency, backoff per failing source."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        settings: Settings,
        *,
        concurrency: int = 4,
        source_timeout: float = 300.0,
        max_backoff: float = MAX_BACKOFF,
        claim_as: str | None = None,
        lease_seconds: float | None = None,
        on_report: Callable[[Source, IngestReport], None] | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.settings = settings
        self.source_timeout = source_timeout
        self.max_backoff = max_backoff
        self.concurrency = max(1, concurrency)
        self.claim_as = claim_as  # None: read every source (one process); else lease them
        # a lease outlives the longest poll, so no other process takes a source mid-poll
        self.lease_seconds = lease_seconds or source_timeout + 60.0
        self.on_report = on_report  # told of every poll that ended (metrics, the worker)
        self._gate = asyncio.Semaphore(self.concurrency)
        self._running: dict[int, asyncio.Task[IngestReport]] = {}

    @property
    def tick_interval(self) -> float:
        """Seconds between ticks: the poll interval, or :data:`CLAIM_EVERY` when claiming."""
        interval = self.settings.poll_interval
        return min(interval, CLAIM_EVERY) if self.claim_as is not None else interval

    @property
    def running(self) -> list[asyncio.Task[IngestReport]]:
        """The polls under way."""
        return list(self._running.values())

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the last poll of a source that failed ``failures`` times."""
        if failures <= 0:
            return 0.0
        return float(min(self.settings.poll_interval * 2**failures, self.max_backoff))

    def is_due(self, source: Source, now: datetime | None = None) -> bool:
        if source.kind == ADMIN_KIND:
            return False
        if not source.failures or not source.last_polled:
            return True
        now = now or datetime.now(UTC)
        try:
            last = datetime.fromisoformat(source.last_polled)
        except ValueError:
            return True
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return (now - last).total_seconds() >= self.backoff(source.failures)

    async def tick(self) -> int:
        """Start polling every due source that is not being polled; returns how many."""
        if self.claim_as is not None:
            return await self._claim_and_start()
        started = 0
        for source in self.store.list_sources():
            if source.id in self._running or not self.is_due(source):
                continue
            self._start(source)
            started += 1
        return started

    async def _claim_and_start(self) -> int:
        free = self.concurrency - len(self._running)
        if free <= 0:
            return 0
        worker = self.claim_as or ""
        claimed = await off_loop(
            functools.partial(
                self.store.claim_sources,
                worker,
                min_age=self.settings.poll_interval,
                lease_seconds=self.lease_seconds,
                max_backoff=self.max_backoff,
                limit=free,
            )
        )
        started = 0
        for source in claimed:
            if source.id in self._running:  # its first poll (/watch) is under way here
                self._release(source.id)
                continue
            self._start(source, release=True)
            started += 1
        return started

    def _release(self, source_id: int) -> None:
        try:
            self.store.release_source(source_id, self.claim_as or "")
        except Exception:  # the lease then simply expires
            logger.warning("could not release source %s", source_id, exc_info=True)

    def poll_soon(
        self, source: Source, *, on_open: Callable[[], None] | None = None
    ) -> asyncio.Task[IngestReport]:
        """The poll of ``source`` under way, or a new one started now (no await: no race).

        ``on_open``: called once the source reads as what it is (see
        :func:`summarizer.watch.poll_source`); at once when a poll was under way already.
        """
        running = self._running.get(source.id)
        if running is not None:
            if on_open is not None:
                on_open()
            return running
        return self._start(source, on_open=on_open)

    async def poll_now(self, source: Source) -> IngestReport:
        """Poll ``source`` now (or join the poll under way) and return its report."""
        return await asyncio.shield(self.poll_soon(source))

    def _start(
        self,
        source: Source,
        *,
        release: bool = False,
        on_open: Callable[[], None] | None = None,
    ) -> asyncio.Task[IngestReport]:
        task = asyncio.create_task(self._poll(source, on_open), name=f"poll-{source.key}")
        self._running[source.id] = task

        def done(_: object) -> None:
            self._running.pop(source.id, None)
            if release:
                self._release(source.id)

        task.add_done_callback(done)
        return task

    async def _poll(
        self, source: Source, on_open: Callable[[], None] | None = None
    ) -> IngestReport:
        report = await self._poll_once(source, on_open)
        if self.on_report is not None:
            self.on_report(source, report)
        return report

    async def _poll_once(
        self, source: Source, on_open: Callable[[], None] | None = None
    ) -> IngestReport:
        async with self._gate:
            try:
                async with asyncio.timeout(self.source_timeout):
                    report = await poll_source(
                        self.store, self.fetcher, source, self.settings, on_open=on_open
                    )
            except TimeoutError:
                reason = f"no answer within {self.source_timeout:.0f} s"
                self.store.update_source(source.id, error=reason)
                return IngestReport(failed=[(source.key, reason)])
            except Exception:  # a bug: logged, counted as a failure, never a lost task
                logger.exception("polling %s failed unexpectedly", source.key)
                self.store.update_source(source.id, error="internal error")
                return IngestReport(failed=[(source.key, "internal error")])
        logger.info(
            "polled %s: %d new, %d known, %d failed",
            source.key,
            len(report.added),
            len(report.duplicates),
            len(report.failed),
        )
        return report

    async def close(self) -> None:
        """Cancel the polls under way and wait for them to end."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
