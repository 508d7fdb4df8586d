"""What the bot does with each update. The wiring is in :mod:`bot.app`.

Every reply goes through :func:`reply`, which escapes nothing itself (the
texts in :mod:`bot.texts` already are HTML) but splits long replies under
Telegram's limit, and marks a user who blocked the bot inactive. Errors a
user can cause (:class:`~summarizer.errors.NewsbotError`) become a sentence
for that user; anything else goes to :func:`on_error`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from summarizer.core import IngestReport
from summarizer.core import digest as digest_article
from summarizer.errors import BadInput, NewsbotError, NotAnArticle
from summarizer.fetch import check_url
from summarizer.plaintext import read_text
from summarizer.sources import ChannelPost, parse_source
from summarizer.store import DIGEST_FREQUENCIES, MAX_USER_SOURCES, DigestSettings, Source
from summarizer.watch import ADMIN_KIND, ingest_link, ingest_post, off_loop

from . import i18n, texts
from .limits import is_admin
from .render import split_html

if TYPE_CHECKING:
    from .app import Context

logger = logging.getLogger(__name__)

URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
MAX_QUESTION = 1000  # longer plain text is summarized as an article instead
LATEST_DEFAULT, LATEST_MAX = 5, 10
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_OFFSET = re.compile(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?([0-5]\d))?", re.IGNORECASE)


# -- sending ----------------------------------------------------------------------


async def reply(
    context: Context,
    chat_id: int,
    html: str,
    *,
    reply_to: int | None = None,
    edit: Message | int | None = None,
) -> None:
    """Send ``html`` (split under 4,096 characters), editing ``edit`` with the first part."""
    parts = split_html(html)
    edit_id = edit if isinstance(edit, int) or edit is None else edit.id
    try:
        for index, part in enumerate(parts):
            if index == 0 and edit_id is not None:
                await _edit(context, chat_id, edit_id, part)
            else:
                await context.bot.send_message(
                    chat_id,
                    part,
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True)
                        if reply_to is not None and index == 0
                        else None
                    ),
                )
    except Forbidden:
        logger.info("chat %s blocked the bot; marking it inactive", chat_id)
        context.bot_data.store.set_user_active(chat_id, False)


async def _edit(context: Context, chat_id: int, message_id: int, html: str) -> None:
    """Edit a message; one that shows ``html`` already is left as it is.

    That happens when an update is handled again after a restart (see
    :func:`bot.app.replay_unfinished`) and the process killed had edited the
    message but not yet recorded the update as finished. Telegram refuses the
    edit ("message is not modified"): the answer is there, so it is done.
    """
    try:
        await context.bot.edit_message_text(html, chat_id=chat_id, message_id=message_id)
    except BadRequest as exc:
        if "message is not modified" not in str(exc).lower():
            raise
        logger.info("message %s in chat %s shows this answer already", message_id, chat_id)


async def _answer(update: Update, context: Context, html: str) -> None:
    message = update.effective_message
    if message is not None:
        await reply(context, message.chat_id, html, reply_to=message.message_id)
        finished(update, context)  # answered: a restart must not answer it again


def finished(update: Update, context: Context) -> None:
    """The update is handled: a restart will not handle it again (see :func:`remember`)."""
    context.bot_data.store.finish_update(update.update_id)


async def finish(update: Update, context: Context) -> None:
    """The last group, for every update: whatever the handlers did, it is handled."""
    finished(update, context)


# -- group -1: every update -------------------------------------------------------


async def remember(update: Update, context: Context) -> None:
    """Drop an update handled before (a restart), and remember the user who sent it.

    Each update is claimed in the store with its JSON before it is handled and
    finished once answered (:func:`finish`, :func:`_answer`). One claimed by a
    process killed before it answered is handed back at the next start
    (``BotData.replaying``, see ``bot.app.replay_unfinished``) and handled again.
    """
    data = context.bot_data
    store = data.store
    if update.update_id in data.replaying:
        progress_id = data.replaying.pop(update.update_id)
        if progress_id is not None:
            data.progress[update.update_id] = progress_id
        logger.info("update %s: handling again after a restart", update.update_id)
    elif not store.claim_update(update.update_id, update.to_json()):
        logger.info("update %s was handled before a restart; skipped", update.update_id)
        raise ApplicationHandlerStop
    user, chat = update.effective_user, update.effective_chat
    if update.message is not None and user is not None and chat is not None:
        if chat.type == ChatType.PRIVATE:
            # Telegram's language_code picks the language at first contact; /lang changes it
            known = store.get_user(user.id)
            first = known is None or not known.language_code
            store.upsert_user(user.id, chat.id, user.language_code if first else None)
    if user is not None:
        known = store.get_user(user.id)
        i18n.use(known.language_code if known and known.language_code else user.language_code)
    await flood_gate(update, context)


async def flood_gate(update: Update, context: Context) -> None:
    """A user past the request rate gets a polite reply instead of an answer (bot.limits)."""
    user = update.effective_user
    if user is None or (update.message is None and update.callback_query is None):
        return  # channel posts, membership changes: not a person's requests
    limits = context.bot_data.limits
    if limits.allow(user.id):
        return
    logger.info("user %s is over the request rate", user.id)
    html = texts.too_many_requests(limits.rate, limits.retry_in(user.id))
    if update.callback_query is not None:
        await update.callback_query.answer(html, show_alert=True)  # plain text: no markup
    else:
        await _answer(update, context, html)
    finished(update, context)
    raise ApplicationHandlerStop


async def stats(update: Update, context: Context) -> None:
    """/stats, for admins only: store counts, queue lengths, failing sources."""
    user = update.effective_user
    data = context.bot_data
    if not is_admin(data.settings, user.id if user else None):
        await _answer(update, context, texts.ADMIN_ONLY)
        return
    app = context.application
    queues = {
        "updates_waiting": app.update_queue.qsize(),
        "sources_being_polled": len(data.poller._running),
        "fetches_under_way": data.fetcher.in_flight,
        "fetches_waiting": data.fetcher.waiting,
        "links_being_read": data.limits.reading,
        "scheduled_jobs": len(app.job_queue.jobs()) if app.job_queue else 0,
    }
    failing = [(_source_name(s), s) for s in data.store.failing_sources()]
    await _answer(update, context, texts.stats_message(data.store.stats(), queues, failing))


# -- chat commands ----------------------------------------------------------------


async def lang(update: Update, context: Context) -> None:
    """/lang shows the reply language and the choices; /lang ru|uk|en changes it."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    wanted = (context.args or [""])[0].lower()
    if wanted not in i18n.LANGUAGES:
        await _answer(update, context, texts.language_menu(i18n.current()))
        return
    store = context.bot_data.store
    store.upsert_user(user.id, message.chat_id, wanted)
    i18n.use(wanted)
    await _answer(update, context, texts.language_set(wanted))


async def start(update: Update, context: Context) -> None:
    await _answer(update, context, texts.HELP)


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    command = (message.text or "/").split()[0] if message else "/"
    await _answer(update, context, texts.unknown_command(command.split("@")[0]))


async def summary(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    url = _first_url(" ".join(context.args or []))
    if url is None and context.args:
        await _answer(update, context, texts.not_a_link(" ".join(context.args)))
        return
    if url is None and message.reply_to_message is not None:
        url = _message_url(message.reply_to_message)
        if url is None:
            await _answer(update, context, texts.NO_LINK_IN_REPLY)
            return
    if url is None:
        await _answer(update, context, texts.SUMMARY_WHAT)
        return
    await summarize_link(update, context, url)


async def ask(update: Update, context: Context) -> None:
    question = " ".join(context.args or []).strip()
    if not question:
        await _answer(update, context, texts.ASK_WHAT)
        return
    await answer_question(update, context, question)


async def text(update: Update, context: Context) -> None:
    """Plain text: a link is summarized, anything else is a question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    url = _message_url(message)
    if url is not None:
        await summarize_link(update, context, url)
    elif len(message.text) > MAX_QUESTION:
        await summarize_text(update, context, message.text)
    else:
        await answer_question(update, context, message.text.strip())


async def latest(update: Update, context: Context) -> None:
    count = LATEST_DEFAULT
    if context.args:
        try:
            count = int(context.args[0])
        except ValueError:
            count = 0
        if not 1 <= count <= LATEST_MAX or len(context.args) > 1:
            await _answer(update, context, texts.LATEST_BAD)
            return
    await _send_latest(update, context, count, header=None)


async def digest(update: Update, context: Context) -> None:
    """A digest now: what is new since the user's last one (which this one then is)."""
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    if data.store.count_articles() == 0:
        await _answer(update, context, texts.NOTHING_STORED)
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    data.store.upsert_user(user.id, chat_id, None)
    settings = data.store.digest_settings(user.id)
    if settings is not None:
        message = update.effective_message
        await data.digests.send_now(
            settings, update.update_id, reply_to=message.message_id if message else None
        )


async def _send_latest(update: Update, context: Context, count: int, header: Any) -> None:
    stored = context.bot_data.store.latest(count)
    if not stored:
        await _answer(update, context, texts.NOTHING_STORED)
        return
    blocks = [texts.summary_message(s.article, s.summary) for s in stored]
    if header is not None:
        blocks.insert(0, header(len(stored)))
    await _answer(update, context, "\n\n".join(blocks))


async def watch(update: Update, context: Context) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    if not context.args:
        await _answer(update, context, texts.WATCH_WHAT)
        return
    data = context.bot_data
    try:
        if len(context.args) > 1:
            raise BadInput("chat.one_source")
        ref = parse_source(context.args[0], data.settings.tme_url)
        source, created = data.store.watch_source(user.id, ref.kind, ref.key, ref.url)
    except NewsbotError as exc:
        await _answer(update, context, texts.failed(exc))
        return
    name = _source_name(source)
    # started before anything awaits, so the polling job cannot read the new posts first
    first_poll = data.poller.poll_soon(source) if created else None
    await _answer(update, context, texts.watching(name, created))
    if first_poll is not None:
        # the first read can take a while: the user hears back when it is done
        context.application.create_task(
            _report_first_poll(context, message.chat_id, source, first_poll),
            update=update,
            name=f"watch-{name}",
        )


async def _report_first_poll(
    context: Context, chat_id: int, source: Source, task: asyncio.Task[IngestReport]
) -> None:
    report = await asyncio.shield(task)
    name = _source_name(source)
    if report.failed and not report.added and not report.duplicates:
        await reply(context, chat_id, texts.watch_failed(name, report.failed[0][1]))
    else:
        await reply(
            context, chat_id, texts.watch_result(name, len(report.added), len(report.duplicates))
        )


async def unwatch(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    if not context.args:
        await _answer(update, context, texts.UNWATCH_WHAT)
        return
    data = context.bot_data
    try:
        ref = parse_source(" ".join(context.args), data.settings.tme_url)
    except NewsbotError as exc:
        await _answer(update, context, texts.failed(exc))
        return
    name = f"@{ref.key}" if ref.kind == "channel" else ref.url
    removed = data.store.unwatch_source(user.id, ref.key)
    await _answer(update, context, texts.unwatched(name, removed))


async def sources(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    rows = context.bot_data.store.user_sources(user.id)
    if not rows:
        await _answer(update, context, texts.NO_SOURCES)
        return
    lines = [texts.sources_header(len(rows), MAX_USER_SOURCES)]
    lines += [texts.source_line(_source_name(s), s) for s in rows]
    await _answer(update, context, "\n".join(lines))


async def facts(update: Update, context: Context) -> None:
    name = " ".join(context.args or []).strip()
    if not name:
        await _answer(update, context, texts.FACTS_WHAT)
        return
    try:
        from summarizer.answer import facts_about
    except ImportError:
        await _answer(update, context, texts.NO_QA)
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    found = await off_loop(facts_about, context.bot_data.store, name)
    await _answer(update, context, texts.facts_message(name, list(found)))


async def subscribe(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    try:
        at, zone, frequency = parse_subscription(context.args or [], data.settings.tz)
    except BadInput as exc:
        await _answer(update, context, texts.subscribe_failed(exc))
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    data.store.upsert_user(user.id, chat_id, None)
    data.store.set_subscription(user.id, at, zone)
    data.store.set_digest_options(user.id, frequency=frequency)
    upcoming = _reschedule(context, user.id)
    await _answer(update, context, texts.subscribed(at, zone, frequency, upcoming))


async def unsubscribe(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    store = context.bot_data.store
    row = store.get_user(user.id)
    if row is None or row.digest_time is None:
        await _answer(update, context, texts.NOT_SUBSCRIBED)
        return
    store.set_subscription(user.id, None, None)
    _reschedule(context, user.id)
    await _answer(update, context, texts.UNSUBSCRIBED)


def _reschedule(context: Context, user_id: int) -> Any:
    """Put the user's digest job at their next slot; that slot in their zone (or None)."""
    digests = context.bot_data.digests
    settings = context.bot_data.store.digest_settings(user_id)
    if settings is None:
        return None
    digests.schedule(settings)
    return digests.next_delivery(settings)


async def settings(update: Update, context: Context) -> None:
    """/settings: the digest settings, with buttons to change them."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    data = context.bot_data
    data.store.upsert_user(user.id, message.chat_id, None)
    current = data.store.digest_settings(user.id)
    if current is None:
        return
    html, keyboard = _settings_view(context, current)
    await context.bot.send_message(
        message.chat_id,
        html,
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


def _settings_view(context: Context, user: DigestSettings) -> tuple[str, InlineKeyboardMarkup]:
    digests = context.bot_data.digests
    zone = user.tz or context.bot_data.settings.tz
    html = texts.settings_message(
        user.at,
        zone,
        user.frequency,
        user.skip_empty,
        user.include,
        user.exclude,
        digests.next_delivery(user),
    )
    if user.at is None:
        rows = [[InlineKeyboardButton(texts.BUTTON_SUBSCRIBE, callback_data="dg:sub")]]
    else:
        rows = [
            [
                InlineKeyboardButton(texts.BUTTON_EARLIER_HOUR, callback_data="dg:t:-60"),
                InlineKeyboardButton(texts.BUTTON_EARLIER, callback_data="dg:t:-15"),
                InlineKeyboardButton(texts.BUTTON_LATER, callback_data="dg:t:15"),
                InlineKeyboardButton(texts.BUTTON_LATER_HOUR, callback_data="dg:t:60"),
            ],
            [
                InlineKeyboardButton(
                    texts.button_frequency(f, user.frequency), callback_data=f"dg:f:{f}"
                )
                for f in DIGEST_FREQUENCIES
            ],
            [
                InlineKeyboardButton(
                    texts.button_skip(user.skip_empty),
                    callback_data=f"dg:s:{0 if user.skip_empty else 1}",
                )
            ],
        ]
    return html, InlineKeyboardMarkup(rows)


async def settings_button(update: Update, context: Context) -> None:
    """A press on one of the /settings buttons: change, reschedule, show the new settings."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or query.data is None:
        return
    data = context.bot_data
    store = data.store
    chat_id = query.message.chat.id if query.message is not None else user.id
    store.upsert_user(user.id, chat_id, None)
    current = store.digest_settings(user.id)
    if current is None:
        await query.answer()
        return
    _, kind, *rest = query.data.split(":")
    value = rest[0] if rest else ""
    if kind == "sub":
        store.set_subscription(user.id, current.at or "08:00", current.tz or data.settings.tz)
    elif kind == "t" and current.at is not None and value.lstrip("-").isdigit():
        hours, minutes = map(int, current.at.split(":"))
        total = (hours * 60 + minutes + int(value)) % (24 * 60)
        store.set_subscription(
            user.id, f"{total // 60:02d}:{total % 60:02d}", current.tz or data.settings.tz
        )
    elif kind == "f" and value in DIGEST_FREQUENCIES:
        store.set_digest_options(user.id, frequency=value)
    elif kind == "s" and value in {"0", "1"}:
        store.set_digest_options(user.id, skip_empty=value == "1")
    upcoming = _reschedule(context, user.id)
    changed = store.digest_settings(user.id)
    await query.answer(texts.settings_changed(upcoming))
    if changed is not None and query.message is not None:
        html, keyboard = _settings_view(context, changed)
        if html != getattr(query.message, "text_html", None):
            await query.edit_message_text(html, reply_markup=keyboard)


async def filter_words(update: Update, context: Context) -> None:
    """/filter +word -word, /filter clear, or /filter alone to see them."""
    from .digest import apply_filter_change, parse_filter

    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    store = context.bot_data.store
    store.upsert_user(user.id, message.chat_id, None)
    current = store.digest_settings(user.id)
    if current is None:
        return
    body = (message.text or "").partition(" ")[2] if message.text else ""
    if not body.strip():
        include, exclude = current.include, current.exclude
    else:
        try:
            change = parse_filter(body)
            include, exclude = apply_filter_change(current.include, current.exclude, change)
        except ValueError as exc:
            await _answer(update, context, str(exc))
            return
        store.set_digest_options(user.id, include=include, exclude=exclude)
    upcoming = context.bot_data.digests.next_delivery(current)
    await _answer(update, context, texts.filters_set(include, exclude, upcoming))


def parse_subscription(args: list[str], default_zone: str) -> tuple[str, str, str]:
    """``[HH:MM] [ZONE] [daily|weekdays|weekly]`` → ("HH:MM", zone, frequency).

    A BadInput names what cannot be used by its code (:func:`texts.subscribe_failed` says it).
    """
    if len(args) > 3:
        raise BadInput("chat.subscribe_usage")
    at, zone, frequency = "08:00", default_zone, "daily"
    for arg in args:
        if arg[:1].isdigit():
            match = _TIME.fullmatch(arg)
            if not match:
                raise BadInput("chat.subscribe_time", value=arg)
            at = f"{int(match.group(1)):02d}:{match.group(2)}"
        elif arg.lower() in DIGEST_FREQUENCIES:
            frequency = arg.lower()
        else:
            zone = arg
    if parse_zone(zone) is None:
        raise BadInput("chat.subscribe_zone", value=zone)
    return at, normalize_zone(zone), frequency


def parse_zone(name: str) -> tzinfo | None:
    """An IANA zone, ``UTC`` or ``UTC±H[:MM]`` (up to ±14:00); None when it is none of those."""
    if len(name) > 64:
        return None
    if name.upper() in {"UTC", "GMT", "Z"}:
        return UTC
    match = _OFFSET.fullmatch(name)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours * 60 + minutes > 14 * 60:
            return None
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*", name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def normalize_zone(name: str) -> str:
    match = _OFFSET.fullmatch(name)
    if match:
        return f"UTC{match.group(1)}{int(match.group(2)):02d}:{match.group(3) or '00'}"
    return "UTC" if name.upper() in {"UTC", "GMT", "Z"} else name


# -- the work: summaries and answers -----------------------------------------------


async def summarize_link(update: Update, context: Context, url: str) -> None:
    message = update.effective_message
    if message is None:
        return
    data = context.bot_data
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    with data.limits.article(user_id) as slot:
        if not slot:
            await _answer(update, context, texts.too_many_articles(data.limits.articles))
            return
        # handled again after a restart: edit the "Reading…" sent before, do not send another
        progress: Message | int | None = data.progress.pop(update.update_id, None)
        if progress is None:
            progress = await context.bot.send_message(
                message.chat_id,
                texts.WORKING_ON_LINK,
                reply_parameters=ReplyParameters(
                    message.message_id, allow_sending_without_reply=True
                ),
            )
            data.store.note_progress(update.update_id, progress.message_id)
        try:
            # a malformed URL ("http://[x]") is refused here, before the store parses it
            url = check_url(url, allow_private=True)  # addresses: checked by the fetcher
            # the facts now, not later: a link sent is a link about to be asked about
            result = await ingest_link(url, data.store, data.fetcher, facts=True)
            stored = data.store.get_article(result.article_id)
            if stored is None:
                raise NotAnArticle("chat.not_stored")
            html = texts.summary_message(stored.article, stored.summary)
        except NewsbotError as exc:
            html = texts.failed(exc)
        await reply(context, message.chat_id, html, edit=progress)
        finished(update, context)


async def summarize_text(update: Update, context: Context, body: str) -> None:
    """A long text pasted in chat: summarized like an article (and not stored)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    try:
        article = read_text(body, tme_url=context.bot_data.settings.tme_url)
        result = await off_loop(digest_article, article)
    except NotAnArticle:
        await _answer(update, context, texts.TOO_LONG_QUESTION)
        return
    except NewsbotError as exc:
        await _answer(update, context, texts.failed(exc))
        return
    await _answer(update, context, texts.summary_message(result.article, result.summary))


async def answer_question(update: Update, context: Context, question: str) -> None:
    try:
        from summarizer.answer import answer_question as answer
    except ImportError:
        await _answer(update, context, texts.NO_QA)
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    metrics = context.bot_data.metrics
    try:
        with metrics.answering():
            result = await off_loop(answer, context.bot_data.store, question)
    except NewsbotError as exc:
        await _answer(update, context, texts.failed(exc))
        return
    metrics.answers.labels("yes" if result.answer is not None else "no").inc()
    await _answer(update, context, texts.answer_message(result))


# -- channels ------------------------------------------------------------------------


async def channel_post(update: Update, context: Context) -> None:
    """A post in a channel where the bot is an administrator: ingested, never answered."""
    post = update.channel_post
    if post is None:
        return
    data = context.bot_data
    chat = post.chat
    body = post.text or post.caption or ""
    links = [u for u in _entity_urls(post) if u.lower().startswith(("http://", "https://"))]
    base = data.settings.tme_url.rstrip("/")
    if chat.username:
        url = f"{base}/{chat.username.lower()}/{post.message_id}"
    else:
        url = f"{base}/c/{str(chat.id).removeprefix('-100')}/{post.message_id}"
    source, _ = data.store.add_source(ADMIN_KIND, f"admin:{chat.id}", url.rsplit("/", 1)[0])
    item = ChannelPost(
        channel=(chat.username or str(chat.id)).lower(),
        post_id=post.message_id,
        url=url,
        published=post.date.astimezone(UTC).isoformat(timespec="seconds"),
        text=body,
        links=links,
    )
    report = await ingest_post(data.store, data.fetcher, data.settings, source, item)
    logger.info(
        "channel %s post %s: %d new, %d known, %d failed",
        chat.id,
        post.message_id,
        len(report.added),
        len(report.duplicates),
        len(report.failed),
    )


async def my_chat_member(update: Update, context: Context) -> None:
    """A user blocked (or unblocked) the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    active = status not in {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}
    context.bot_data.store.set_user_active(change.chat.id, active)


async def poll_job(context: Context) -> None:
    await context.bot_data.poller.tick()


# -- errors --------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """The one error handler: log with the traceback, tell the user something went wrong."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat:
        context.bot_data.store.set_user_active(update.effective_chat.id, False)
        return
    logger.error("error while handling %s", type(update).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        if update.effective_chat and update.effective_chat.type == ChatType.CHANNEL:
            return
        try:
            await _answer(update, context, texts.INTERNAL_ERROR)
        except Exception:  # the apology failed too: logged, not raised again
            logger.warning("could not tell the user about the error", exc_info=True)


# -- helpers ---------------------------------------------------------------------------


def _first_url(body: str) -> str | None:
    match = URL_RE.search(body)
    return match.group(0).rstrip(".,;:!?)»”") if match else None


def _entity_urls(message: Message) -> list[str]:
    urls: list[str] = []
    for entities in (
        message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK]),
        message.parse_caption_entities([MessageEntity.URL, MessageEntity.TEXT_LINK]),
    ):
        for entity, value in entities.items():
            is_link = entity.type == MessageEntity.TEXT_LINK and entity.url
            urls.append(entity.url if is_link and entity.url else value)
    if not urls:
        found = _first_url(message.text or message.caption or "")
        urls = [found] if found else []
    return urls


def _message_url(message: Message) -> str | None:
    for url in _entity_urls(message):
        if not url.lower().startswith(("http://", "https://")):
            url = "https://" + url
        return url
    return None


def _source_name(source: Source) -> str:
    return f"@{source.key}" if source.kind == "channel" else source.url
