"""The bot's Prometheus metrics: counters where events happen, store counts at scrape time.

The poller and the digests are handed :meth:`Metrics.polled` and
:meth:`Metrics.digest_late` as callbacks; PTB's HTTP client is the one
subclass (:class:`MeasuredRequest`), as PTB documents for custom requests.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from telegram.request import HTTPXRequest

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from summarizer import IngestReport
    from summarizer.store import Store

logger = logging.getLogger(__name__)

# endpoints that put a message in a chat: "messages sent and failed"
MESSAGE_ENDPOINTS = frozenset(
    {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendMediaGroup"}
)


class Metrics:
    """The bot's Prometheus metrics, in a registry of its own (one per application).

    Events are counted where they happen: every HTTP call to the Bot API in
    :class:`MeasuredRequest`, polls and digests through the callbacks the poller
    and the digests are given (:meth:`polled`, :meth:`digest_late`), answers in
    :mod:`bot.handlers.chat`. Counts that live in the store (articles, sources) are
    read from it at scrape time by :class:`StoreCollector`.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.api_calls = Counter(
            "newsbot_bot_api_calls", "HTTP calls to the Bot API", ["method", "status"], registry=r
        )
        self.messages_sent = Counter(
            "newsbot_messages_sent", "Messages delivered (sent or edited)", registry=r
        )
        self.messages_failed = Counter(
            "newsbot_messages_failed",
            "Attempts to send a message that failed (4xx other than 429, 5xx, network)",
            ["reason"],
            registry=r,
        )
        self.rate_limited = Counter(
            "newsbot_telegram_429", "429 Too Many Requests answers from the Bot API", registry=r
        )
        self.polls = Counter(
            "newsbot_source_polls", "Polls of watched sources", ["result"], registry=r
        )
        self.polled_articles = Counter(
            "newsbot_polled_articles", "New articles found by polling sources", registry=r
        )
        self.answers = Counter(
            "newsbot_answers",
            "Questions answered, by whether an answer was found",
            ["found"],
            registry=r,
        )
        self.answer_latency = Histogram(
            "newsbot_answer_latency_seconds",
            "Time to answer a question (search and answer extraction)",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=r,
        )
        self.digest_lateness = Histogram(
            "newsbot_digest_lateness_seconds",
            "How long after its scheduled time a digest started going out",
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
            registry=r,
        )
        self.webhook_updates = Counter(
            "newsbot_webhook_requests", "Requests to the webhook", ["result"], registry=r
        )
        self.api_last_ok = Gauge(
            "newsbot_bot_api_last_success_timestamp_seconds",
            "Unix time of the last successful Bot API call",
            registry=r,
        )
        self.leader = Gauge(
            "newsbot_leader",
            "1 while this instance runs the digest and polling schedules (bot.leader), else 0",
            registry=r,
        )
        self.last_api_ok: float | None = None  # monotonic time of the last 2xx

    def api_answered(self, method: str, status: int) -> None:
        self.api_calls.labels(method, str(status)).inc()
        if 200 <= status < 300:
            self.last_api_ok = time.monotonic()
            self.api_last_ok.set_to_current_time()
        if status == 429:
            self.rate_limited.inc()
        if method in MESSAGE_ENDPOINTS:
            if 200 <= status < 300:
                self.messages_sent.inc()
            elif status != 429:
                self.messages_failed.labels(str(status)).inc()

    def api_unreachable(self, method: str) -> None:
        self.api_calls.labels(method, "network").inc()
        if method in MESSAGE_ENDPOINTS:
            self.messages_failed.labels("network").inc()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Time one question's answer into ``newsbot_answer_latency_seconds``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.answer_latency.observe(time.perf_counter() - started)

    def polled(self, report: IngestReport) -> None:
        """One poll of a source ended (the poller's ``on_report``)."""
        failed = bool(report.failed) and not report.added and not report.duplicates
        self.polls.labels("failed" if failed else "ok").inc()
        self.polled_articles.inc(len(report.added))

    def digest_late(self, seconds: float) -> None:
        """A scheduled digest started going out ``seconds`` after its slot (``on_late``)."""
        self.digest_lateness.observe(max(0.0, seconds))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class StoreCollector(Collector):
    """Counts kept in the store, read at scrape time: articles, pending facts and sources."""

    def __init__(self, store: Callable[[], Store | None]) -> None:
        self.store = store  # the open store, or None (before post_init, after shutdown)

    def collect(self) -> Iterator[Metric]:
        store = self.store()
        if store is None:
            return
        try:
            articles = store.count_articles()
            pending = store.count_pending_facts()
            sources = store.list_sources()
        except Exception:  # a scrape never takes the bot down
            logger.warning("metrics: the store did not answer", exc_info=True)
            return
        yield CounterMetricFamily(
            "newsbot_articles_ingested", "Articles in the store", value=articles
        )
        yield GaugeMetricFamily(
            "newsbot_facts_pending",
            "Articles whose facts are still to be read (the leader reads them when idle)",
            value=pending,
        )
        yield GaugeMetricFamily("newsbot_sources_watched", "Watched sources", value=len(sources))
        yield GaugeMetricFamily(
            "newsbot_sources_failing",
            "Watched sources whose last poll failed",
            value=sum(1 for s in sources if s.failures),
        )


class MeasuredRequest(HTTPXRequest):
    """PTB's HTTP client, counting every call's status (so retries and 429s count too)."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except Exception:
            self.metrics.api_unreachable(endpoint)
            raise
        self.metrics.api_answered(endpoint, code)
        return code, payload
