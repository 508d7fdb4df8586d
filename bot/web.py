"""The bot's HTTP side: health, Prometheus metrics and, in webhook mode, the webhook.

One small aiohttp server (``NEWSBOT_HTTP_HOST``:``NEWSBOT_HTTP_PORT``) runs
beside the bot in both modes:

* ``GET /healthz``: 200 when the store answers a read and commits a write
  (:meth:`Store.probe`, bounded by :data:`STORE_PROBE_TIMEOUT`), never said
  its file was corrupt (:attr:`Store.damaged`) and has :data:`DISK_LOW` free
  on its disk (``disk_free_mb``, for a SQLite file), and the Bot API answered
  recently (any successful call in the last :data:`API_FRESH` seconds, or
  else a ``getMe`` bounded by :data:`API_PROBE_TIMEOUT`); 503 with the
  reason otherwise;
* ``GET /metrics``: Prometheus text format (:class:`bot.metrics.Metrics`);
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
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram import Update

from summarizer import BadInput, NewsbotError, Settings
from summarizer.store import Store

from .leader import worker_name
from .metrics import Metrics, StoreCollector

if TYPE_CHECKING:
    from .context import NewsbotApp

logger = logging.getLogger(__name__)

API_FRESH = 60.0  # a Bot API call this recent proves the API reachable
API_PROBE_TIMEOUT = 5.0  # the getMe made by /healthz when none is that recent
STORE_PROBE_TIMEOUT = 10.0  # the store's read and write made by /healthz (SQLite waits 5 s)
DISK_LOW = 16 * 2**20  # bytes free on the store's disk under which the store is unhealthy
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
        self.probe_name = worker_name("healthz")  # this process's row in store_probe
        with contextlib.suppress(ValueError):  # registered already (a second start)
            self.metrics.registry.register(
                StoreCollector(lambda: application.bot_data.opened_store)
            )

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
        store = self.application.bot_data.opened_store
        said = "not open" if store is None else await self._store_problem(store)
        free = None if store is None else store.disk_free()
        if said == "ok" and free is not None and free < DISK_LOW:
            said = f"the disk is almost full ({free // 2**20} MB free)"
        api = "ok" if await self._api_reachable() else "unreachable"
        body: dict[str, object] = {"store": said, "bot_api": api}
        if free is not None:
            body["disk_free_mb"] = free // 2**20
        return web.json_response(body, status=200 if said == api == "ok" else 503)

    async def _store_problem(self, store: Store) -> str:
        """``ok`` when the store answered a read and committed a write within
        :data:`STORE_PROBE_TIMEOUT` and never said it was damaged; else why not."""
        try:
            async with asyncio.timeout(STORE_PROBE_TIMEOUT):
                await self.application.bot_data.stored(store.probe, self.probe_name)
        except TimeoutError:
            problem = f"no answer in {STORE_PROBE_TIMEOUT:g} s"
        except NewsbotError as exc:
            problem = " ".join(str(exc).split())
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            problem = "ok"
        if store.damaged is not None:  # a page found corrupt stays so, whatever the probe read
            problem = " ".join(str(BadInput("store.damaged", reason=store.damaged)).split())
        if problem != "ok":
            logger.warning("healthz: the store: %s", problem)
        return problem

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
