"""Watched sources: /watch, /unwatch, posts of channels the bot administers, polling.

/sources and its buttons are in :mod:`.sourcelist`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC
from typing import TYPE_CHECKING

from telegram import Message, Update

from summarizer import (
    ADMIN_KIND,
    ChannelPost,
    IngestReport,
    NewsbotError,
    ingest_post,
    not_a_source,
    parse_source,
)
from summarizer.store import Source

from .. import texts, texts_sources
from ..stories import source_name
from .chat import entity_urls
from .send import ask_for, reply, respond
from .sourcelist import label, listing

if TYPE_CHECKING:
    from ..context import Context

logger = logging.getLogger(__name__)

MAX_AT_ONCE = 10  # sources one /watch takes


async def watch(update: Update, context: Context) -> None:
    """/watch SOURCE; a bare /watch (the menu sends it so) asks for the source."""
    if not context.args:
        await ask_for(update, context, texts.WATCH_ASK, texts.WATCH_PLACEHOLDER)
        return
    await watch_source(update, context, context.args)


async def watch_source(update: Update, context: Context, args: list[str]) -> None:
    """Watch the sources in ``args`` (those of /watch, or the reply to its question): one
    or several, apart by spaces, commas or lines; each gets its own reply."""
    values = list(dict.fromkeys(v for arg in args for v in arg.split(",") if v.strip()))
    if not values:
        await respond(update, context, texts.WATCH_WHAT)
        return
    if len(values) > MAX_AT_ONCE:
        await respond(update, context, texts_sources.too_many_at_once(MAX_AT_ONCE))
        return
    # each runs on the loop up to its first await: its first poll starts before it
    await asyncio.gather(*(watch_one(update, context, value) for value in values))


async def watch_one(update: Update, context: Context, value: str) -> None:
    """Watch one source, and report its first poll when that ends."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    data = context.bot_data
    try:
        ref = parse_source(value, data.settings.tme_url)
        # on the loop on purpose: the first poll is started before anything awaits, so
        # the polling job cannot read the new posts first
        source, created = data.store.watch_source(user.id, ref.kind, ref.key, ref.url)
    except NewsbotError as exc:
        await respond(update, context, texts.failed(exc))
        return
    name = label(source)
    if not created:
        await respond(update, context, texts.watching(name, created))
        return
    opened = asyncio.Event()
    first_poll = data.poller.poll_soon(source, on_open=opened.set)
    # "watching" once the source reads as one (a channel's preview, a feed parsed); a
    # source that is none (no public preview, not a feed) is refused at once, not kept
    waiting = asyncio.ensure_future(opened.wait())
    await data.cosmetics.typing(context.bot, message.chat_id)
    try:
        await asyncio.wait({first_poll, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    if not opened.is_set() and first_poll.done() and not first_poll.cancelled():
        report = first_poll.result()
        error = report.source_error
        if error is not None and not_a_source(error):
            await data.stored(data.store.unwatch_source, user.id, source.key)
            await respond(update, context, texts_sources.refused(name, str(error)))
            return
        if report.failed:  # a reason that may pass (a timeout, a 503): kept, polled again
            await respond(update, context, texts.watch_failed(name, report.failed[0][1]))
            return
    await respond(update, context, texts.watching(name, created))
    # the rest of the first read can take a while: the user hears back when it is done
    context.application.create_task(
        report_first_poll(context, message.chat_id, source, first_poll),
        update=update,
        name=f"watch-{name}",
    )


async def report_first_poll(
    context: Context, chat_id: int, source: Source, task: asyncio.Task[IngestReport]
) -> None:
    report = await asyncio.shield(task)
    name = label(source)
    if report.failed and not report.added and not report.duplicates:
        await reply(context, chat_id, texts.watch_failed(name, report.failed[0][1]))
    else:
        await reply(
            context,
            chat_id,
            texts.watch_result(
                name, len(report.added), len(report.duplicates), [n for _, n in report.notes]
            ),
        )


async def unwatch(update: Update, context: Context) -> None:
    """/unwatch N (the number /sources shows) or /unwatch SOURCE; a bare /unwatch shows
    the list with its remove buttons."""
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    value = " ".join(context.args or [])
    if not value or value.isdigit():
        rows = await data.stored(data.store.user_sources, user.id)
        if not value:
            await respond(update, context, *listing(user.id, rows))
            return
        number = int(value)
        if not 1 <= number <= len(rows):
            await respond(update, context, texts_sources.no_such_number(number, len(rows)))
            return
        source = rows[number - 1]
        removed = await data.stored(data.store.unwatch_source, user.id, source.key)
        await respond(update, context, texts.unwatched(label(source), removed))
        return
    try:
        ref = parse_source(value, data.settings.tme_url)
    except NewsbotError as exc:
        await respond(update, context, texts.failed(exc))
        return
    name = source_name(ref.kind, ref.key, ref.url, short=False)
    removed = await data.stored(data.store.unwatch_source, user.id, ref.key)
    await respond(update, context, texts.unwatched(name, removed))


async def channel_post(update: Update, context: Context) -> None:
    """A post in a channel where the bot is an administrator: ingested, never answered;
    within the channel's budget (``NEWSBOT_CHANNEL_POSTS`` an hour), one at a time."""
    post = update.channel_post
    if post is None:
        return
    gate = context.bot_data.channels
    chat_id = post.chat.id
    if not gate.allow(chat_id):
        if gate.first_refusal(chat_id):
            logger.warning(
                "channel %s is over its budget of %d posts an hour; its posts are skipped",
                chat_id,
                gate.posts,
            )
        return
    async with gate.turn(chat_id):
        await _read_channel_post(post, context)


async def _read_channel_post(post: Message, context: Context) -> None:
    data = context.bot_data
    chat = post.chat
    body = post.text or post.caption or ""
    links = [u for u in entity_urls(post) if u.lower().startswith(("http://", "https://"))]
    base = data.settings.tme_url.rstrip("/")
    if chat.username:
        url = f"{base}/{chat.username.lower()}/{post.message_id}"
    else:
        url = f"{base}/c/{str(chat.id).removeprefix('-100')}/{post.message_id}"
    source, _ = await data.stored(
        data.store.add_source, ADMIN_KIND, f"admin:{chat.id}", url.rsplit("/", 1)[0]
    )
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


async def poll_job(context: Context) -> None:
    await context.bot_data.poller.tick()
