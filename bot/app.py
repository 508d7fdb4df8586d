"""The map of the bot: every command, job and shared service, in one place.

:func:`build_application` wires python-telegram-bot's ``Application``; the
handlers themselves are in :mod:`bot.handlers`, one module a feature. Shared
services (the store, one fetcher with its aiohttp session, the poller, the
digests) are created in :func:`post_init`, handed to :meth:`BotData.start`, and
closed in :func:`post_stop` / :func:`post_shutdown`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from summarizer import Settings, limit_arenas, off_loop, read_pending
from summarizer.store import open_store

from .context import BotData, Context, NewsbotApp
from .digest import STORY_PREFIX, SYNC_EVERY, Digests
from .handlers import (
    admin,
    chat,
    digests,
    latest,
    prompts,
    sourcelist,
    sources,
    start,
    updates,
)
from .leader import Leadership, is_postgres, worker_name
from .limits import ChannelGate, FloodControl
from .metrics import MeasuredRequest, Metrics
from .pacing import OVERALL_RATE, PacedRateLimiter
from .poller import Poller
from .profile import introduce

logger = logging.getLogger(__name__)

POLL_JOB = "poll-sources"
# PostgreSQL: an update claimed this long ago and not finished was left by a dead instance
REPLAY_AFTER = 120.0
# an update whose handling was cut off this many times is dropped (it may be what kills us)
REPLAY_ATTEMPTS = 25
SYNC_JOB = "digest-sync"
# the leader reads the facts ingest left pending (summarizer.read_pending) in small
# batches: at most FACTS_SECONDS of work every FACTS_EVERY seconds, newest articles first
FACTS_JOB = "read-facts"
FACTS_EVERY = 5.0
FACTS_SECONDS = 1.0


def build_application(
    settings: Settings, *, pace: float = 1.0, overall_rate: float = OVERALL_RATE
) -> NewsbotApp:
    """The bot: every handler, the polling job and the services, wired once."""
    if not settings.token:
        raise ValueError("a bot token is required")
    # Opt in to PTB 23's timedelta durations now (RetryAfter.retry_after and friends):
    # the old int form warns with a deprecation on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    limit_arenas()  # before the executor's threads make heaps of their own
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
    application.bot_data.channels = ChannelGate.from_settings(settings)
    application.bot_data.metrics = metrics

    # Order matters. Group -1 runs first for every update: it drops updates
    # already handled before a restart and remembers who is talking.
    application.add_handler(TypeHandler(Update, updates.remember), group=-1)

    # Group 0: the first matching handler wins, so the catch-alls come last.
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.CHANNEL_POST, sources.channel_post),
            ChatMemberHandler(updates.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler("start", start.start),
            CommandHandler("help", start.help_command),
            # a reply to a bare command's question is that command's argument
            MessageHandler(prompts.REPLIES_TO_PROMPT, prompts.answer),
            CommandHandler("lang", start.lang),
            CommandHandler("summary", chat.summary),
            CommandHandler("ask", chat.ask),
            CommandHandler("latest", latest.latest),
            CommandHandler("watch", sources.watch),
            CommandHandler("unwatch", sources.unwatch),
            CommandHandler("sources", sourcelist.sources),
            CommandHandler("facts", chat.facts),
            CommandHandler("subscribe", digests.subscribe),
            CommandHandler("unsubscribe", digests.unsubscribe),
            CommandHandler("digest", digests.digest),
            CommandHandler("settings", digests.settings),
            CommandHandler("filter", digests.filter_words),
            CommandHandler("stats", admin.stats),  # admins only
            CallbackQueryHandler(digests.settings_button, pattern=r"^dg:"),
            CallbackQueryHandler(digests.story, pattern=rf"^{STORY_PREFIX}"),
            CallbackQueryHandler(latest.more, pattern=latest.PATTERN),
            CallbackQueryHandler(start.button, pattern=start.PATTERN),
            CallbackQueryHandler(sourcelist.remove, pattern=sourcelist.PATTERN),
            CallbackQueryHandler(digests.stale_button),  # any other button: out of date
            MessageHandler(filters.COMMAND, chat.unknown_command),
            # text, and the captions of photos, videos and documents, read the same way
            MessageHandler(chat.WORDS, chat.text),
            MessageHandler(filters.Sticker.ALL & filters.UpdateType.MESSAGE, chat.sticker),
        ]
    )
    # Group 1, last for every update (after the error handler too): the update is handled.
    application.add_handler(TypeHandler(Update, updates.finish), group=1)
    application.add_error_handler(updates.on_error)
    return application


async def post_init(application: NewsbotApp) -> None:
    """Open the store, create the fetcher and poller, register the menu, schedule the jobs."""
    data = application.bot_data
    settings = data.settings
    store = open_store(settings.db)
    fetcher = data.make_fetcher(settings)
    poller = Poller(
        store,
        fetcher,
        settings,
        # several processes on PostgreSQL: lease due sources instead of reading them all
        claim_as=worker_name("run") if is_postgres(settings.db) else None,
        on_report=lambda _source, report: data.metrics.polled(report),
    )
    # the menu and descriptions: a Bot API that refuses them does not stop the start
    await introduce(application.bot, data.cosmetics)
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    digests = Digests(application, store, settings.tz, on_late=data.metrics.digest_late)
    # the schedules (polling, digests) run on the leader only: with SQLite this instance,
    # with PostgreSQL the holder of the advisory lock (bot.leader)
    shared = is_postgres(settings.db)
    digests.active = not shared
    leadership = Leadership(
        settings.db if shared else None,
        interval=settings.leader_interval,
        on_gain=lambda: _lead(application),
        on_lose=lambda: _stand_down(application),
    )
    digests.current = leadership.is_current
    data.start(store, fetcher=fetcher, poller=poller, digests=digests, leadership=leadership)
    await leadership.start()
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
            sources.poll_job, interval=data.poller.tick_interval, first=1.0, name=POLL_JOB
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
    await data.stand_down()


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
    """Stop the polls under way, then give up the leader lock (see BotData.stop)."""
    await application.bot_data.stop()


async def post_shutdown(application: NewsbotApp) -> None:
    await application.bot_data.close()
