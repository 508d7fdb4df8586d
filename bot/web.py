"""The bot's HTTP side: health, Prometheus metrics and, in webhook mode, the webhook.

One small aiohttp server (``NEWSBOT_HTTP_HOST``:``NEWSBOT_HTTP_PORT``) runs
beside the bot in both modes:

* ``GET /healthz``: 200 when the store answers a query and the Bot API
  answered recently (any successful call in the last :data:`API_FRESH`
  seconds, or else a ``getMe`` bounded by :data:`API_PROBE_TIMEOUT`); 503
  with the reason otherwise;
* ``GET /metrics``: Prometheus text format (:class:`Metrics`);
* ``POST /<path of the webhook URL>`` (webhook mode only): an update from
  Telegram, accepted only with the right ``X-Telegram-Bot-Api-Secret-Token``
  header (403 otherwise) and handed to the application's update queue.

Why not PTB's ``run_webhook``: its tornado server serves the webhook path
only, and health and metrics must be on the same port. PTB documents this
way (``examples/customwebhookbot.py``): any asyncio web server that puts
``Update`` objects in ``application.update_queue``. :func:`serve` runs the
application's lifecycle the way ``run_polling``/``run_webhook`` do
(initialize, ``post_init``, start, ..., ``post_stop``, shutdown,
``post_shutdown``), with this server up for the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from telegram import Update
from telegram.request import HTTPXRequest

from summarizer.config import Settings
from summarizer.core import IngestReport
from summarizer.errors import BadInput
from summarizer.store import DigestSettings, Source

from .digest import Digests
from .poller import Poller

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from .app import NewsbotApp

logger = logging.getLogger(__name__)

API_FRESH = 60.0  # a Bot API call this recent proves the API reachable
API_PROBE_TIMEOUT = 5.0  # the getMe made by /healthz when none is that recent
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# endpoints that put a message in a chat: "messages sent and failed"
MESSAGE_ENDPOINTS = frozenset(
    {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendMediaGroup"}
)


# -- metrics ------------------------------------------------------------------------


class Metrics:
    """The bot's Prometheus metrics, in a registry of its own (one per application).

    Events are counted where they happen: every HTTP call to the Bot API in
    :class:`MeasuredRequest`, polls and digests in :mod:`bot.app`, answers in
    :mod:`bot.handlers`. Counts that live in the store (articles, sources) are
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

    def render(self) -> bytes:
        return generate_latest(self.registry)


class StoreCollector(Collector):
    """Counts kept in the store, read at scrape time: articles, pending facts and sources."""

    def __init__(self, application: NewsbotApp) -> None:
        self.application = application

    def collect(self) -> Iterator[Metric]:
        store = self.application.bot_data._store
        if store is None:  # before post_init, after shutdown
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


class MeasuredPoller(Poller):
    """The poller, counting each poll and the new articles it found."""

    def __init__(self, metrics: Metrics, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def _poll(self, source: Source) -> IngestReport:
        report = await super()._poll(source)
        failed = bool(report.failed) and not report.added and not report.duplicates
        self.metrics.polls.labels("failed" if failed else "ok").inc()
        self.metrics.polled_articles.inc(len(report.added))
        return report


class MeasuredDigests(Digests):
    """The digests, timing how late each scheduled one starts going out."""

    def __init__(self, metrics: Metrics, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def deliver(self, user: DigestSettings, slot: datetime, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("scheduled", True):
            late = (self.clock() - slot).total_seconds()
            self.metrics.digest_lateness.observe(max(0.0, late))
        return await super().deliver(user, slot, *args, **kwargs)


# -- the server ----------------------------------------------------------------------


def webhook_path(url: str) -> str:
    """The path the webhook listens on: the public URL's path (``/`` if it has none)."""
    return urlsplit(url).path or "/"


class HttpServer:
    """``/healthz``, ``/metrics`` and (with ``webhook_url``) the webhook, on one port."""

    def __init__(
        self, application: NewsbotApp, settings: Settings, webhook_url: str | None = None
    ) -> None:
        self.application = application
        self.settings = settings
        self.metrics: Metrics = application.bot_data.metrics
        self.webhook = webhook_path(webhook_url) if webhook_url else None
        self._runner: web.AppRunner | None = None
        self.port = 0  # the port actually bound (NEWSBOT_HTTP_PORT=0 picks a free one)
        with contextlib.suppress(ValueError):  # registered already (a second start)
            self.metrics.registry.register(StoreCollector(application))

    def routes(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)
        if self.webhook is not None:
            if self.webhook in {"/healthz", "/metrics"}:
                raise ValueError(f"the webhook path cannot be {self.webhook}")
            app.router.add_post(self.webhook, self.receive)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.routes(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise BadInput(
                "web.listen",
                host=self.settings.http_host,
                port=self.settings.http_port,
                reason=exc.strerror or exc,
            ) from None
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.settings.http_port
        logger.info(
            "http: /healthz and /metrics%s on %s:%s",
            f" and the webhook {self.webhook}" if self.webhook else "",
            self.settings.http_host,
            self.port,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers

    async def healthz(self, request: web.Request) -> web.Response:
        problems: dict[str, str] = {}
        store = self.application.bot_data._store
        if store is None:
            problems["store"] = "not open"
        else:
            try:
                store.count_articles()
            except Exception as exc:
                problems["store"] = f"{type(exc).__name__}: {exc}"
        if not await self._api_reachable():
            problems["bot_api"] = "unreachable"
        body = {"store": problems.get("store", "ok"), "bot_api": problems.get("bot_api", "ok")}
        return web.json_response(body, status=503 if problems else 200)

    async def _api_reachable(self) -> bool:
        last = self.metrics.last_api_ok
        if last is not None and time.monotonic() - last < API_FRESH:
            return True
        try:
            async with asyncio.timeout(API_PROBE_TIMEOUT):
                await self.application.bot.get_me()
        except Exception as exc:
            logger.warning("healthz: the Bot API did not answer getMe: %s", exc)
            return False
        return True

    async def metrics_page(self, request: web.Request) -> web.Response:
        body = self.metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def receive(self, request: web.Request) -> web.Response:
        """One update from Telegram: checked against the secret, then queued."""
        secret = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            self.metrics.webhook_updates.labels("forbidden").inc()
            logger.warning("webhook: a request without the right secret token was refused")
            return web.Response(status=403, text="Forbidden")
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, json.JSONDecodeError):
            self.metrics.webhook_updates.labels("bad").inc()
            return web.Response(status=400, text="Bad Request: not an update")
        if update is None:
            self.metrics.webhook_updates.labels("bad").inc()
            return web.Response(status=400, text="Bad Request: not an update")
        await self.application.update_queue.put(update)
        self.metrics.webhook_updates.labels("accepted").inc()
        return web.Response(text="OK")


# -- running ---------------------------------------------------------------------------


async def serve(
    application: NewsbotApp, settings: Settings, webhook_url: str | None = None
) -> None:
    """Run the bot until SIGINT or SIGTERM: long polling, or a webhook at ``webhook_url``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    server = HttpServer(application, settings, webhook_url)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await server.start()
        try:
            await application.start()
            if webhook_url:
                await application.bot.set_webhook(
                    webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                logger.info("receiving updates at the webhook %s", webhook_url)
            else:
                updater = application.updater
                if updater is None:
                    raise RuntimeError("long polling needs the application's updater")
                await updater.start_polling(allowed_updates=Update.ALL_TYPES)
                logger.info("receiving updates by long polling")
            await stop.wait()
            logger.info("stopping")
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
            await server.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
