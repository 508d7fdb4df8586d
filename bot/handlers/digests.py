"""Digests in chat: /digest now, /subscribe and /unsubscribe, /settings and its buttons, /filter."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest

from summarizer import BadInput
from summarizer.store import DIGEST_FREQUENCIES, DigestSettings

from .. import texts
from ..digest import STORY_PREFIX
from ..schedule import DEFAULT_TIME, parse_subscription
from ..stories import apply_filter_change, parse_filter
from .send import reply, respond

if TYPE_CHECKING:
    from ..context import Context


async def digest(update: Update, context: Context) -> None:
    """A digest now: what is new since the user's last one (which this one then is)."""
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    if await data.stored(data.store.count_articles) == 0:
        await respond(update, context, texts.NOTHING_STORED)
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    settings = await context.bot_data.stored(known_settings, context, user.id, chat_id)
    if settings is not None:
        message = update.effective_message
        await data.digests.send_now(
            settings, update.update_id, reply_to=message.message_id if message else None
        )


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [ZONE] [FREQUENCY]. A bare /subscribe (the menu sends it so)
    starts the default digest, or, for a user who has one, shows it with its buttons:
    it never replaces a digest the user chose."""
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    if not context.args:
        store = data.store
        current = await data.stored(store.digest_settings, user.id)
        if current is not None and current.at is not None:
            await settings(update, context)
            return
    try:
        at, zone, frequency = parse_subscription(context.args or [], data.settings.tz)
    except BadInput as exc:
        await respond(update, context, texts.subscribe_failed(exc))
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    store = data.store

    def save() -> DigestSettings | None:
        store.upsert_user(user.id, chat_id, None)
        store.set_subscription(user.id, at, zone)
        store.set_digest_options(user.id, frequency=frequency)
        return store.digest_settings(user.id)

    upcoming = reschedule(context, await context.bot_data.stored(save))
    await respond(update, context, texts.subscribed(at, zone, frequency, upcoming))


async def unsubscribe(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    store = context.bot_data.store
    current = await context.bot_data.stored(store.digest_settings, user.id)
    if current is None or current.at is None:
        await respond(update, context, texts.NOT_SUBSCRIBED)
        return
    await context.bot_data.stored(store.set_subscription, user.id, None, None)
    reschedule(context, await context.bot_data.stored(store.digest_settings, user.id))
    await respond(update, context, texts.unsubscribed(current.frequency))


def reschedule(context: Context, settings: DigestSettings | None) -> Any:
    """Put the user's digest job at their next slot; that slot in their zone (or None).

    On the event loop: it places a JobQueue job.
    """
    if settings is None:
        return None
    digests = context.bot_data.digests
    digests.schedule(settings)
    return digests.next_delivery(settings)


def known_settings(context: Context, user_id: int, chat_id: int) -> DigestSettings | None:
    """The user's digest settings, the user stored or touched first (blocking: off the loop)."""
    store = context.bot_data.store
    store.upsert_user(user_id, chat_id, None)
    return store.digest_settings(user_id)


async def settings(update: Update, context: Context) -> None:
    """/settings: the digest settings, with buttons to change them."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    current = await context.bot_data.stored(known_settings, context, user.id, message.chat_id)
    if current is None:
        return
    html, keyboard = settings_view(context, current)
    await context.bot.send_message(
        message.chat_id,
        html,
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


def settings_view(context: Context, user: DigestSettings) -> tuple[str, InlineKeyboardMarkup]:
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
    chat_id = query.message.chat.id if query.message is not None else user.id
    current = await context.bot_data.stored(known_settings, context, user.id, chat_id)
    if current is None:
        await query.answer()
        return
    _, kind, *rest = query.data.split(":")
    saved, after = await context.bot_data.stored(
        apply_button, context, current, kind, rest[0] if rest else ""
    )
    upcoming = reschedule(context, after) if saved else None
    # the message first, then the toast: once the press is answered the message shows the
    # settings as they are (answered first, a test or a user's next look could see the old)
    if after is not None and query.message is not None:
        html, keyboard = settings_view(context, after)
        if html != getattr(query.message, "text_html", None):
            try:
                await query.edit_message_text(html, reply_markup=keyboard)
            except BadRequest as exc:  # two quick taps: the first one's edit shows it
                if "message is not modified" not in str(exc).lower():
                    raise
    if saved:
        await query.answer(texts.settings_changed(upcoming))
    else:  # a button of settings that are no more (an old /settings message): shown anew
        await query.answer(texts.SETTINGS_OUT_OF_DATE)


async def story(update: Update, context: Context) -> None:
    """A press on a story's number under a digest: that story, its summary and link."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    raw = (query.data or "").removeprefix(STORY_PREFIX)
    store = context.bot_data.store
    stored = None
    if raw.isdigit() and await context.bot_data.stored(store.is_users_article, user.id, int(raw)):
        stored = await context.bot_data.stored(store.get_article, int(raw))
    if stored is None:  # gone, or not one the presser was sent
        await query.answer(texts.BUTTON_OUT_OF_DATE)
        return
    await query.answer()
    message = query.message
    chat_id = message.chat.id if message is not None else user.id
    await reply(
        context,
        chat_id,
        texts.summary_message(stored.article, stored.summary),
        reply_to=message.message_id if message is not None else None,
    )


async def stale_button(update: Update, context: Context) -> None:
    """A press on a button no handler knows (a message from an older version): say so."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BUTTON_OUT_OF_DATE)


def apply_button(
    context: Context, current: DigestSettings, kind: str, value: str
) -> tuple[bool, DigestSettings | None]:
    """Store what a /settings button changes: whether it changed anything (False for a
    button of settings the user no longer has), and the settings after (blocking: off
    the loop)."""
    store = context.bot_data.store
    user_id, default_zone = current.user_id, context.bot_data.settings.tz
    subscribed = current.at is not None
    if kind == "sub" and not subscribed:
        store.set_subscription(user_id, DEFAULT_TIME, current.tz or default_zone)
    elif kind == "t" and current.at is not None and value.lstrip("-").isdigit():
        hours, minutes = map(int, current.at.split(":"))
        total = (hours * 60 + minutes + int(value)) % (24 * 60)
        store.set_subscription(
            user_id, f"{total // 60:02d}:{total % 60:02d}", current.tz or default_zone
        )
    elif kind == "f" and subscribed and value in DIGEST_FREQUENCIES:
        store.set_digest_options(user_id, frequency=value)
    elif kind == "s" and subscribed and value in {"0", "1"}:
        store.set_digest_options(user_id, skip_empty=value == "1")
    else:
        return False, current
    return True, store.digest_settings(user_id)


async def filter_words(update: Update, context: Context) -> None:
    """/filter +word -word, /filter clear, or /filter alone to see them."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    store = context.bot_data.store
    current = await context.bot_data.stored(known_settings, context, user.id, message.chat_id)
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
            await respond(update, context, str(exc))
            return
        await context.bot_data.stored(
            functools.partial(store.set_digest_options, user.id, include=include, exclude=exclude)
        )
    upcoming = context.bot_data.digests.next_delivery(current)
    await respond(update, context, texts.filters_set(include, exclude, upcoming))
