"""The map of the bot: every command, job and shared service, in one place.

:func:`build_application` wires python-telegram-bot's ``Application``; the
handlers themselves are in :mod:`bot.handlers`. Shared services (the store,
one fetcher with its aiohttp session, the poller) are created in
:func:`post_init` and closed in :func:`post_stop` / :func:`post_shutdown`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from summarizer.config import Settings
from summarizer.fetch import Fetcher
from summarizer.store import Store, open_store

from . import handlers, texts
from .digest import LANE, Digests
from .poller import Poller
from .web import MeasuredDigests, MeasuredPoller, MeasuredRequest, Metrics

logger = logging.getLogger(__name__)

POLL_JOB = "poll-sources"
# endpoints that put a message in a chat: paced per chat
_PACED = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})


@dataclass
class BotData:
    """``context.bot_data``: settings and the shared services (set in post_init)."""

    settings: Settings = field(default_factory=Settings)
    metrics: Metrics = field(default_factory=Metrics)
    _store: Store | None = None
    _fetcher: Fetcher | None = None
    _poller: Poller | None = None
    _digests: Digests | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened in post_init")
        return self._store

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise RuntimeError("the fetcher is created in post_init")
        return self._fetcher

    @property
    def poller(self) -> Poller:
        if self._poller is None:
            raise RuntimeError("the poller is created in post_init")
        return self._poller

    @property
    def digests(self) -> Digests:
        if self._digests is None:
            raise RuntimeError("the digests are set up in post_init")
        return self._digests


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
NewsbotApp = Application[ExtBot[Any], Any, dict[Any, Any], dict[Any, Any], BotData, Any]


class PriorityPacer:
    """At most ``rate`` sends a second in all, evenly spaced; replies to users go first.

    A send waits for its turn in one of two queues: replies, or the background
    lane (digests, see :data:`bot.digest.LANE`). Each turn goes to the oldest
    waiting reply if there is one, so a user who chats during a fan-out of
    thousands of digests waits for one turn, not for the fan-out.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0  # loop time of the next free turn
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, background: bool) -> None:
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._next and not self._waiting[0] and not self._waiting[1]:
            self._next = now + self.interval
            return
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting[int(background)].append(turn)
        self._arm(loop)
        await turn  # a cancelled wait leaves a done future, which _release skips

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(max(self._next, loop.time()), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        while now >= self._next:
            queue = self._waiting[0] if self._waiting[0] else self._waiting[1]
            while queue and queue[0].done():  # cancelled while waiting
                queue.popleft()
            if not queue:
                if not self._waiting[0] and not self._waiting[1]:
                    return
                continue
            queue.popleft().set_result(None)
            self._next = now + self.interval
        if self._waiting[0] or self._waiting[1]:
            self._arm(loop)


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter, plus a pace per chat and retries on network errors.

    * at most one message every ``pace`` seconds to each chat (Telegram asks
      for about one a second), and ``overall_rate`` messages a second in all
      (Telegram's 30), replies to users before digests (:class:`PriorityPacer`);
    * a 429 is retried after its ``retry_after`` (AIORateLimiter, ``max_retries``);
    * a network error or a 5xx is retried ``network_retries`` times with
      exponential backoff, so a reply is not lost to a passing outage. A 400
      or a 403 is never retried.
    """

    def __init__(
        self,
        *,
        pace: float = 1.0,
        overall_rate: float = 30.0,
        network_retries: int = 5,
        **kwargs: Any,
    ) -> None:
        # the overall limit is ours (with priorities), not aiolimiter's first-come queue
        super().__init__(overall_max_rate=0, **kwargs)
        self._pacer = PriorityPacer(overall_rate)
        self._pace = pace
        self._network_retries = network_retries
        self._next_slot: dict[str, float] = {}
        self._slot_lock = asyncio.Lock()

    async def _wait_turn(self, chat_id: object) -> None:
        if self._pace <= 0:
            return
        async with self._slot_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(str(chat_id), 0.0))
            self._next_slot[str(chat_id)] = slot + self._pace
        if slot > now:
            await asyncio.sleep(slot - now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        paced = endpoint in _PACED and chat_id is not None
        if paced:
            await self._wait_turn(chat_id)
        attempt = 0
        while True:
            if paced:
                await self._pacer.acquire(background=LANE.get() == "digest")
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt >= self._network_retries:
                    raise
                delay = min(0.25 * 2**attempt, 8.0)
                attempt += 1
                logger.info("%s failed (%s); retry %d in %.2f s", endpoint, exc, attempt, delay)
                await asyncio.sleep(delay)


def build_application(
    settings: Settings, *, pace: float = 1.0, overall_rate: float = 30.0
) -> NewsbotApp:
    """The bot: every handler, the polling job and the services, wired once."""
    if not settings.token:
        raise ValueError("a bot token is required")
    # Opt in to PTB 23's timedelta durations now (RetryAfter.retry_after and friends):
    # the old int form warns with a deprecation on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    context_types = ContextTypes(context=CallbackContext, bot_data=BotData)
    metrics = Metrics()  # counts every Bot API call, through the HTTP client
    application: NewsbotApp = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .request(MeasuredRequest(metrics))
        .get_updates_request(MeasuredRequest(metrics, connection_pool_size=1))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_sending_without_reply=True,
            )
        )
        .rate_limiter(PacedRateLimiter(pace=pace, overall_rate=overall_rate, max_retries=5))
        .context_types(context_types)
        .concurrent_updates(True)  # one long article never holds up the other chats
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.metrics = metrics

    # Order matters. Group -1 runs first for every update: it drops updates
    # already handled before a restart and remembers who is talking.
    application.add_handler(TypeHandler(Update, handlers.remember), group=-1)

    # Group 0: the first matching handler wins, so the catch-alls come last.
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.CHANNEL_POST, handlers.channel_post),
            ChatMemberHandler(handlers.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler(["start", "help"], handlers.start),
            CommandHandler("summary", handlers.summary),
            CommandHandler("ask", handlers.ask),
            CommandHandler("latest", handlers.latest),
            CommandHandler("watch", handlers.watch),
            CommandHandler("unwatch", handlers.unwatch),
            CommandHandler("sources", handlers.sources),
            CommandHandler("facts", handlers.facts),
            CommandHandler("subscribe", handlers.subscribe),
            CommandHandler("unsubscribe", handlers.unsubscribe),
            CommandHandler("digest", handlers.digest),
            CommandHandler("settings", handlers.settings),
            CommandHandler("filter", handlers.filter_words),
            CallbackQueryHandler(handlers.settings_button, pattern=r"^dg:"),
            MessageHandler(filters.COMMAND, handlers.unknown_command),
            MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, handlers.text),
        ]
    )
    application.add_error_handler(handlers.on_error)
    return application


async def post_init(application: NewsbotApp) -> None:
    """Open the store, create the fetcher and poller, register the menu, schedule the jobs."""
    data = application.bot_data
    settings = data.settings
    data._store = open_store(settings.db)
    data._fetcher = Fetcher.from_settings(settings)
    data._poller = MeasuredPoller(data.metrics, data._store, data._fetcher, settings)
    for language, commands in texts.COMMANDS.items():
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            language_code=None if language == "en" else language,
        )
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for old in job_queue.get_jobs_by_name(POLL_JOB):
        old.schedule_removal()
    job_queue.run_repeating(
        handlers.poll_job, interval=settings.poll_interval, first=1.0, name=POLL_JOB
    )
    # digests: one job per subscriber, rebuilt from the store (late ones are sent now)
    data._digests = MeasuredDigests(data.metrics, application, data._store, settings.tz)
    data._digests.rebuild()
    logger.info("started: store %s, polling every %s s", settings.db, settings.poll_interval)


async def post_stop(application: NewsbotApp) -> None:
    """Stop the polls under way (they resume from the store on the next start)."""
    if application.bot_data._poller is not None:
        await application.bot_data._poller.close()


async def post_shutdown(application: NewsbotApp) -> None:
    data = application.bot_data
    if data._fetcher is not None:
        await data._fetcher.close()
        data._fetcher = None
    if data._store is not None:
        data._store.close()
        data._store = None
