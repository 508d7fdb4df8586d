"""Polling the watched sources, for the JobQueue.

The job (:meth:`Poller.tick`, every ``NEWSBOT_POLL_INTERVAL`` seconds) never
waits for a poll: it starts one task per source that is due and not already
being polled, and returns. So a slow source delays no other source and no
later round. At most ``concurrency`` sources are fetched at a time, and each
poll is cut off after ``source_timeout`` seconds.

A source that failed ``n`` times in a row is due again only after
``interval * 2**n`` seconds (at most ``max_backoff``): the failures and the
time of the last poll live in the store, so the backoff survives a restart.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from summarizer.config import Settings
from summarizer.core import IngestReport
from summarizer.fetch import Fetcher
from summarizer.store import Source, Store
from summarizer.watch import ADMIN_KIND, poll_source

logger = logging.getLogger(__name__)

MAX_BACKOFF = 6 * 3600.0


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
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.settings = settings
        self.source_timeout = source_timeout
        self.max_backoff = max_backoff
        self._gate = asyncio.Semaphore(max(1, concurrency))
        self._running: dict[int, asyncio.Task[IngestReport]] = {}

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
        started = 0
        for source in self.store.list_sources():
            if source.id in self._running or not self.is_due(source):
                continue
            self._start(source)
            started += 1
        return started

    def poll_soon(self, source: Source) -> asyncio.Task[IngestReport]:
        """The poll of ``source`` under way, or a new one started now (no await: no race)."""
        return self._running.get(source.id) or self._start(source)

    async def poll_now(self, source: Source) -> IngestReport:
        """Poll ``source`` now (or join the poll under way) and return its report."""
        return await asyncio.shield(self.poll_soon(source))

    def _start(self, source: Source) -> asyncio.Task[IngestReport]:
        task = asyncio.create_task(self._poll(source), name=f"poll-{source.key}")
        self._running[source.id] = task
        task.add_done_callback(lambda _: self._running.pop(source.id, None))
        return task

    async def _poll(self, source: Source) -> IngestReport:
        async with self._gate:
            try:
                async with asyncio.timeout(self.source_timeout):
                    report = await poll_source(self.store, self.fetcher, source, self.settings)
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
