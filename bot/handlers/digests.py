"""Digests in chat: /digest now, /subscribe and /unsubscribe, /settings and its buttons, /filter."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest

from summarizer import BadInput
from summarizer.store import DIGEST_FREQUENCIES, DigestSettings

from .. import i18n, texts, texts_zones
from ..digest import STORY_PREFIX
from ..schedule import DEFAULT_TIME, find_zone, parse_subscription
from ..stories import apply_filter_change, parse_filter
from .send import ask_for, reply, respond

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
    """/subscribe [TIME] [ZONE] [FREQUENCY]. A bare /subscribe (the menu sends it so)
    starts the default digest, or, for a user who has one, shows it with its buttons:
    it never replaces a digest the user chose. A digest is never started in a zone the
    user did not choose: without one given or stored, the zone picker asks for it."""
    user = update.effective_user
    if user is None:
        return
    data = context.bot_data
    current = await data.stored(data.store.digest_settings, user.id)
    if not context.args and current is not None and current.at is not None:
        await settings(update, context)
        return
    try:
        at, zone, frequency = parse_subscription(
            context.args or [], current.tz if current is not None else None
        )
    except BadInput as exc:
        await respond(update, context, texts.subscribe_failed(exc))
        return
    if zone is None:
        await respond(update, context, *zone_picker(context, at, frequency))
        return
    await start_digest(update, context, at, zone, frequency)


async def start_digest(
    update: Update, context: Context, at: str, zone: str, frequency: str
) -> None:
    """Store the user's digest (time, zone, frequency), schedule it and say when it comes."""
    user = update.effective_user
    if user is None:
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    store = context.bot_data.store

    def save() -> DigestSettings | None:
        store.upsert_user(user.id, chat_id, None)
        store.set_subscription(user.id, at, zone)
        store.set_digest_options(user.id, frequency=frequency)
        return store.digest_settings(user.id)

    upcoming = reschedule(context, await context.bot_data.stored(save))
    await respond(update, context, texts.subscribed(at, zone, frequency, upcoming))


async def zone_reply(update: Update, context: Context, body: str, at: str, frequency: str) -> None:
    """The reply to the zone question (:func:`.texts_zones.zone_ask`): a city or offset,
    maybe with a time ("8:00 Kyiv"); the digest the question was about starts there."""
    try:
        at, zone, frequency = parse_subscription(body.split(), None, at=at, frequency=frequency)
    except BadInput as exc:
        await respond(update, context, texts.subscribe_failed(exc))
        return
    if zone is None:  # a time alone: the question again
        await ask_zone(update, context, at, frequency)
        return
    await start_digest(update, context, at, zone, frequency)


async def ask_zone(update: Update, context: Context, at: str, frequency: str) -> None:
    await ask_for(
        update, context, texts_zones.zone_ask(at, frequency), texts_zones.zone_placeholder()
    )


#: the zones offered first to a reader of each language (the operator's NEWSBOT_TZ before them)
PICKER_ZONES = {
    "uk": ("Europe/Kyiv", "Europe/Warsaw", "Europe/Berlin", "Europe/London", "UTC"),
    "ru": (
        "Europe/Moscow",
        "Europe/Kyiv",
        "Europe/Minsk",
        "Asia/Yekaterinburg",
        "Asia/Novosibirsk",
        "Asia/Almaty",
        "UTC",
    ),
    "en": (
        "UTC",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Australia/Sydney",
    ),
}


def zone_picker(context: Context, at: str, frequency: str) -> tuple[str, InlineKeyboardMarkup]:
    """The picker's message and buttons for a digest at ``at`` (``dg:z:HHMM:FREQUENCY:ZONE``
    each, then ``dg:zo:HHMM:FREQUENCY``, "send me a city or UTC offset")."""
    zones = list(PICKER_ZONES.get(i18n.current(), PICKER_ZONES["en"]))
    default = context.bot_data.settings.tz
    if default not in zones and default != "UTC":
        zones.insert(0, default)
    when = f"{at.replace(':', '')}:{frequency}"
    buttons = [
        InlineKeyboardButton(texts_zones.zone_label(z), callback_data=f"dg:z:{when}:{z}")
        for z in zones
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [InlineKeyboardButton(texts_zones.button_other_zone(), callback_data=f"dg:zo:{when}")]
    )
    return texts_zones.zone_picker(at, frequency), InlineKeyboardMarkup(rows)


async def unsubscribe(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    store = context.bot_data.store
    current = await context.bot_data.stored(store.digest_settings, user.id)
    if current is None or current.at is None:
        await respond(update, context, texts.NOT_SUBSCRIBED)
        return
    # the zone is kept: the next /subscribe need not ask for it again
    await context.bot_data.stored(store.set_subscription, user.id, None, current.tz)
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
            [InlineKeyboardButton(texts_zones.button_zone(zone), callback_data="dg:zp")],
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
    _, kind, *rest = query.data.split(":", 4)
    if await zone_button(update, context, current, kind, rest):
        return
    saved, after = await context.bot_data.stored(
        apply_button, context, current, kind, ":".join(rest)
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


async def zone_button(
    update: Update, context: Context, current: DigestSettings, kind: str, rest: list[str]
) -> bool:
    """The buttons that ask for a zone before anything is saved; whether it was one.

    "Start a digest" with no zone known, or the /settings zone button (``dg:zp``), show
    the zone picker in the message; its "send me a city or UTC offset" (``dg:zo``) asks
    for it with a ForceReply (answered in :func:`zone_reply`)."""
    query = update.callback_query
    if query is None:
        return False
    if (kind == "sub" and current.at is None and current.tz is None) or (
        kind == "zp" and current.at is not None
    ):
        await query.answer(texts_zones.choose_zone())
        html, keyboard = zone_picker(context, current.at or DEFAULT_TIME, current.frequency)
        if query.message is not None:
            await query.edit_message_text(html, reply_markup=keyboard)
        return True
    when = _when(rest)
    if kind == "zo" and when is not None:
        await query.answer()
        await ask_zone(update, context, *when)
        return True
    return False


def _when(rest: list[str]) -> tuple[str, str] | None:
    """("HH:MM", frequency) from a picker button's ``HHMM:FREQUENCY`` (None: not one)."""
    if len(rest) < 2 or not re.fullmatch(r"([01]\d|2[0-3])[0-5]\d", rest[0]):
        return None
    if rest[1] not in DIGEST_FREQUENCIES:
        return None
    return f"{rest[0][:2]}:{rest[0][2:]}", rest[1]


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
    user_id, default_zone = current.user_id, current.tz or context.bot_data.settings.tz
    subscribed = current.at is not None
    zone = find_zone(value.split(":", 2)[-1]) if kind == "z" else None
    when = _when(value.split(":", 2)) if kind == "z" else None
    if kind == "sub" and not subscribed and current.tz is not None:
        store.set_subscription(user_id, DEFAULT_TIME, current.tz)
    elif kind == "z" and zone is not None and when is not None:  # a zone of the picker
        store.set_subscription(user_id, when[0], zone)
        store.set_digest_options(user_id, frequency=when[1])
    elif kind == "t" and current.at is not None and value.lstrip("-").isdigit():
        hours, minutes = map(int, current.at.split(":"))
        total = (hours * 60 + minutes + int(value)) % (24 * 60)
        store.set_subscription(user_id, f"{total // 60:02d}:{total % 60:02d}", default_zone)
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
