"""The map of the bot: every command, job and shared service, in one place.

:func:`build_application` wires python-telegram-bot's ``Application``; the
handlers themselves are in :mod:`bot.handlers`. Shared services (the store,
one fetcher with its aiohttp session, the poller) are created in
:func:`post_init` and closed in :func:`post_stop` / :func:`post_shutdown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiolimiter import AsyncLimiter
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    BaseRateLimiter,
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
from summarizer.pending import read_pending
from summarizer.store import Store, open_store
from summarizer.watch import off_loop

from . import handlers, texts
from .digest import LANE, SYNC_EVERY, Digests
from .leader import Leadership, is_postgres, worker_name
from .limits import FloodControl
from .poller import Poller
from .web import MeasuredDigests, MeasuredPoller, MeasuredRequest, Metrics

logger = logging.getLogger(__name__)

POLL_JOB = "poll-sources"
# PostgreSQL: an update claimed this long ago and not finished was left by a dead instance
REPLAY_AFTER = 120.0
# an update whose handling was cut off this many times is dropped (it may be what kills us)
REPLAY_ATTEMPTS = 25
SYNC_JOB = "digest-sync"
# the leader reads the facts ingest left pending (summarizer.facts.read_pending) in small
# batches: at most FACTS_SECONDS of work every FACTS_EVERY seconds, newest articles first
FACTS_JOB = "read-facts"
FACTS_EVERY = 5.0
FACTS_SECONDS = 1.0
# endpoints that put a message in a chat: paced per chat
_PACED = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})
# messages in any one second, in all: Telegram allows 30. PriorityPacer counts each message
# from its turn until a second after its answer, so arrivals never exceed it in any second
OVERALL_RATE = 30.0


@dataclass
class BotData:
    """``context.bot_data``: settings and the shared services (set in post_init)."""

    settings: Settings = field(default_factory=Settings)
    limits: FloodControl = field(default_factory=FloodControl)  # per-user flood control
    metrics: Metrics = field(default_factory=Metrics)
    _store: Store | None = None
    _fetcher: Fetcher | None = None
    _poller: Poller | None = None
    _digests: Digests | None = None
    _leadership: Leadership | None = None
    # updates claimed by a process killed before answering them, handed back at start
    # (update id -> its "Reading…" message, if one was sent; see handlers.remember)
    replaying: dict[int, int | None] = field(default_factory=dict)
    progress: dict[int, int] = field(default_factory=dict)

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
    """At most ``rate`` messages in any one second, as Telegram counts them; replies first.

    Telegram counts a message when it arrives, somewhere between the moment we
    give it a turn and the moment its answer comes back. So a message counts
    against the one-second window from its turn until one second after its
    answer, and a turn is given only while fewer than ``int(rate)`` messages are
    in flight or answered within the last second. Any one second of arrivals at
    Telegram then holds at most ``int(rate)`` messages, however late a stalled
    event loop or a slow network delivers them; a stall slows the pace instead
    of drawing 429s. Turns are also at least half an interval apart, so the
    messages of a second are spread over it.

    A send waits for its turn in one of two queues: replies, or the background
    lane (digests, see :data:`bot.digest.LANE`). Each turn goes to the oldest
    waiting reply if there is one, so a user who chats during a fan-out of
    thousands of digests waits for one turn, not for the fan-out. Call
    :meth:`done` when the request given a turn has its answer (or failed).
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.per_second = max(1, int(rate))
        self._next = 0.0  # loop time before which no turn is given (spacing, 429 holds)
        self._in_flight = 0  # turns given whose request has no answer yet
        self._answered: deque[float] = deque()  # answer times within the last second
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )
        self._timer: asyncio.TimerHandle | None = None

    def _free_at(self, now: float) -> float | None:
        """Loop time of the next turn; None: not before an answer comes (see :meth:`done`)."""
        while self._answered and now - self._answered[0] >= 1.0:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.per_second:
            return self._next
        if not self._answered:
            return None
        return max(self._next, self._answered[0] + 1.0)

    def _give(self, now: float) -> None:
        self._in_flight += 1
        self._next = max(self._next, now + self.interval / 2)

    def _is_free(self, now: float) -> bool:
        free_at = self._free_at(now)
        return free_at is not None and now >= free_at

    async def acquire(self, background: bool) -> None:
        """Wait for a turn to send one message."""
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting[0] and not self._waiting[1] and self._is_free(now):
            self._give(now)
            return
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting[int(background)].append(turn)
        self._arm(loop)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.done()  # the turn was given just as the wait was cancelled
            raise

    def done(self) -> None:
        """The request of a turn has its answer, or has failed: it counts one more second."""
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(loop.time())
        self._rearm(loop)

    def hold(self, seconds: float) -> None:
        """No send for ``seconds`` (a 429's ``retry_after``)."""
        loop = asyncio.get_running_loop()
        self._next = max(self._next, loop.time() + seconds)
        self._rearm(loop)

    def _rearm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting[0] or self._waiting[1]:
            self._arm(loop)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            now = loop.time()
            free_at = self._free_at(now)
            if free_at is not None:  # else done() arms it when an answer comes
                self._timer = loop.call_at(max(free_at, now), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        while self._is_free(now):
            queue = self._waiting[0] if self._waiting[0] else self._waiting[1]
            while queue and queue[0].done():  # cancelled while waiting
                queue.popleft()
            if not queue:
                if not self._waiting[0] and not self._waiting[1]:
                    return
                continue
            queue.popleft().set_result(None)
            self._give(now)
        if self._waiting[0] or self._waiting[1]:
            self._arm(loop)


class PacedRateLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits, kept by the sender.

    * at most one message every ``pace`` seconds to each chat (Telegram asks
      for about one a second): messages to one chat go one after another, each
      ``pace`` seconds after the previous one was answered;
    * ``overall_rate`` messages a second in all (Telegram's 30), evenly spaced,
      replies to users before digests (:class:`PriorityPacer`);
    * 20 messages a minute to each group (aiolimiter);
    * a 429 holds every send for its ``retry_after``, then the message is retried
      in its turn (``max_retries`` times): the retries do not come back as a burst;
    * a network error or a 5xx is retried ``network_retries`` times with
      exponential backoff, so a reply is not lost to a passing outage. A 400
      or a 403 is never retried.
    """

    def __init__(
        self,
        *,
        pace: float = 1.0,
        overall_rate: float = OVERALL_RATE,
        network_retries: int = 5,
        max_retries: int = 5,
        group_rate: float = 20.0,
    ) -> None:
        self._pacer = PriorityPacer(overall_rate)
        self._pace = pace
        self._network_retries = network_retries
        self._max_retries = max_retries
        self._group_rate = group_rate
        self._groups: dict[str, AsyncLimiter] = {}
        self._chats: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, users of it
        self._last_sent: dict[str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: object) -> AsyncIterator[None]:
        """Messages to one chat one at a time, ``pace`` seconds apart."""
        if self._pace <= 0:
            yield
            return
        key = str(chat_id)
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                wait = self._last_sent.get(key, -1e9) + self._pace - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    yield
                finally:
                    self._last_sent[key] = time.monotonic()
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
                if time.monotonic() - self._last_sent.get(key, 0.0) >= self._pace:
                    self._last_sent.pop(key, None)
            else:
                self._chats[key] = (lock, users - 1)

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
        if not paced:
            return await self._send(callback, args, kwargs, endpoint, None, rate_limit_args)
        async with self._chat_turn(chat_id):
            return await self._send(callback, args, kwargs, endpoint, chat_id, rate_limit_args)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        chat_id: object,
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        background = LANE.get() == "digest"
        group = self._group(chat_id)
        limited = failed = 0
        while True:
            if chat_id is not None:
                if group is not None:
                    await group.acquire()
                await self._pacer.acquire(background)
            try:
                try:
                    return await callback(*args, **kwargs)
                finally:
                    if chat_id is not None:
                        self._pacer.done()
            except RetryAfter as exc:
                if limited >= (rate_limit_args or self._max_retries):
                    raise
                limited += 1
                value: Any = exc.retry_after
                delay = value.total_seconds() if isinstance(value, timedelta) else float(value)
                logger.info("%s: 429, every send waits %.1f s", endpoint, delay)
                self._pacer.hold(delay + 0.1)
                if chat_id is None:
                    await asyncio.sleep(delay + 0.1)
            except BadRequest:
                raise
            except NetworkError as exc:
                if failed >= self._network_retries:
                    raise
                pause = min(0.25 * 2**failed, 8.0)
                failed += 1
                logger.info("%s failed (%s); retry %d in %.2f s", endpoint, exc, failed, pause)
                await asyncio.sleep(pause)

    def _group(self, chat_id: object) -> AsyncLimiter | None:
        try:
            is_group = chat_id is not None and int(str(chat_id)) < 0
        except ValueError:
            is_group = isinstance(chat_id, str)  # "@channelname"
        if not is_group or self._group_rate <= 0:
            return None
        if len(self._groups) > 512:
            self._groups = {k: v for k, v in self._groups.items() if not v.has_capacity(v.max_rate)}
        key = str(chat_id)
        if key not in self._groups:
            self._groups[key] = AsyncLimiter(self._group_rate, 60)
        return self._groups[key]


def build_application(
    settings: Settings, *, pace: float = 1.0, overall_rate: float = OVERALL_RATE
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
        .rate_limiter(PacedRateLimiter(pace=pace, overall_rate=overall_rate))
        .context_types(context_types)
        .concurrent_updates(True)  # one long article never holds up the other chats
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.limits = FloodControl.from_settings(settings)
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
            CommandHandler("lang", handlers.lang),
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
            CommandHandler("stats", handlers.stats),  # admins only
            CallbackQueryHandler(handlers.settings_button, pattern=r"^dg:"),
            MessageHandler(filters.COMMAND, handlers.unknown_command),
            MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, handlers.text),
        ]
    )
    # Group 1, last for every update (after the error handler too): the update is handled.
    application.add_handler(TypeHandler(Update, handlers.finish), group=1)
    application.add_error_handler(handlers.on_error)
    return application


async def post_init(application: NewsbotApp) -> None:
    """Open the store, create the fetcher and poller, register the menu, schedule the jobs."""
    data = application.bot_data
    settings = data.settings
    data._store = open_store(settings.db)
    data._fetcher = Fetcher.from_settings(settings)
    data._poller = MeasuredPoller(
        data.metrics,
        data._store,
        data._fetcher,
        settings,
        # several processes on PostgreSQL: lease due sources instead of reading them all
        claim_as=worker_name("run") if is_postgres(settings.db) else None,
    )
    for language, commands in texts.COMMANDS.items():
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            language_code=None if language == "en" else language,
        )
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    data._digests = MeasuredDigests(data.metrics, application, data._store, settings.tz)
    # the schedules (polling, digests) run on the leader only: with SQLite this instance,
    # with PostgreSQL the holder of the advisory lock (bot.leader)
    shared = is_postgres(settings.db)
    data._digests.active = not shared
    data._leadership = Leadership(
        settings.db if shared else None,
        interval=settings.leader_interval,
        on_gain=lambda: _lead(application),
        on_lose=lambda: _stand_down(application),
    )
    data._digests.current = data._leadership.is_current
    await data._leadership.start()
    await replay_unfinished(application, older_than=REPLAY_AFTER if shared else 0.0)
    logger.info(
        "started: store %s, polling every %s s", _safe_db(settings.db), settings.poll_interval
    )


async def replay_unfinished(application: NewsbotApp, *, older_than: float) -> int:
    """Queue again the updates a killed process claimed and never answered; how many.

    With SQLite this is the only process, so every unfinished update is handed
    back. With PostgreSQL another instance may be answering one right now, so
    only those claimed at least ``older_than`` seconds ago are.
    """
    data = application.bot_data
    count = 0
    for pending in data.store.unfinished_updates(
        older_than=older_than, max_attempts=REPLAY_ATTEMPTS
    ):
        try:
            update = Update.de_json(json.loads(pending.payload), application.bot)
        except (ValueError, TypeError, KeyError):
            logger.warning("update %s cannot be read back; dropped", pending.update_id)
            data.store.finish_update(pending.update_id)
            continue
        if update is None:
            continue
        data.replaying[pending.update_id] = pending.progress_id
        await application.update_queue.put(update)
        count += 1
    if count:
        logger.info("%d update(s) left unanswered by a killed process: handling them again", count)
    return count


def _safe_db(db: str) -> str:
    """The store's name for the log: a PostgreSQL URL without its password."""
    if not is_postgres(db):
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def _lead(application: NewsbotApp) -> None:
    """Leadership won (or SQLite): the polling job and one digest job per subscriber."""
    data = application.bot_data
    settings = data.settings
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for old in _leader_jobs(job_queue):
        old.schedule_removal()
    shared = is_postgres(settings.db)
    if not shared or settings.leader_polls:
        job_queue.run_repeating(
            handlers.poll_job, interval=data.poller.tick_interval, first=1.0, name=POLL_JOB
        )
    # digests: one job per subscriber, rebuilt from the store (late ones are sent now)
    data.digests.active = True
    data.digests.rebuild()
    if shared:  # subscriptions changed through the other instances
        job_queue.run_repeating(_sync_job, interval=SYNC_EVERY, first=SYNC_EVERY, name=SYNC_JOB)
    job_queue.run_repeating(_facts_job, interval=FACTS_EVERY, first=FACTS_EVERY, name=FACTS_JOB)
    data.metrics.leader.set(1)


async def _stand_down(application: NewsbotApp) -> None:
    """Leadership lost: no more polling or digest jobs here (the new leader has them)."""
    data = application.bot_data
    data.metrics.leader.set(0)
    job_queue = application.job_queue
    if job_queue is not None:
        for old in _leader_jobs(job_queue):
            old.schedule_removal()
    if data._digests is not None:
        data._digests.stand_down()
    if data._poller is not None:
        await data._poller.close()  # polls under way give their sources back


def _leader_jobs(job_queue: Any) -> list[Any]:
    return [
        job for name in (POLL_JOB, SYNC_JOB, FACTS_JOB) for job in job_queue.get_jobs_by_name(name)
    ]


async def _facts_job(context: Context) -> None:
    """Read the facts of a few articles stored with theirs pending (off the loop)."""
    read = functools.partial(read_pending, limit=20, seconds=FACTS_SECONDS)
    await off_loop(read, context.bot_data.store)


async def _sync_job(context: Context) -> None:
    context.bot_data.digests.sync()  # on the loop: it (re)places JobQueue jobs


async def post_stop(application: NewsbotApp) -> None:
    """Stop the polls under way (they resume from the store on the next start), then give
    up the leader lock (the jobs stopped with the application): a standby takes over."""
    if application.bot_data._poller is not None:
        await application.bot_data._poller.close()
    if application.bot_data._leadership is not None:
        await application.bot_data._leadership.stop()


async def post_shutdown(application: NewsbotApp) -> None:
    data = application.bot_data
    if data._fetcher is not None:
        await data._fetcher.close()
        data._fetcher = None
    if data._store is not None:
        data._store.close()
        data._store = None
