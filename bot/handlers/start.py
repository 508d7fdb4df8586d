"""/start, /help and /lang: the welcome with its buttons, the commands, the language keyboard.

/start is short: what the bot does, an example, and buttons (language, "send me a
link", "ask a question", "watch a channel"). /help lists the commands, the admins'
only to the admins. /lang without a language shows a keyboard of the three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from .. import i18n, texts, texts_start
from ..limits import is_admin
from .send import ask_for, respond

if TYPE_CHECKING:
    from ..context import Context

PATTERN = r"^(st|lg):"
ADMIN_ONLY = ("/stats",)  # the lines of /help shown to the admins only


async def start(update: Update, context: Context) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts_start.button_link(), callback_data="st:link"),
                InlineKeyboardButton(texts_start.button_ask(), callback_data="st:ask"),
            ],
            [
                InlineKeyboardButton(texts_start.button_watch(), callback_data="st:watch"),
                InlineKeyboardButton(texts_start.button_language(), callback_data="st:lang"),
            ],
        ]
    )
    await respond(update, context, texts_start.welcome(), keyboard)


async def help_command(update: Update, context: Context) -> None:
    """Every command; those for the admins (``NEWSBOT_ADMINS``) only to them."""
    user = update.effective_user
    lines = texts.HELP.splitlines()
    if not is_admin(context.bot_data.settings, user.id if user else None):
        lines = [line for line in lines if not line.startswith(ADMIN_ONLY)]
    await respond(update, context, "\n".join(lines))


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """A button per language, the current one ticked."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    i18n.NAMES[code] + (" ✓" if code == current else ""),
                    callback_data=f"lg:{code}",
                )
                for code in i18n.LANGUAGES
            ]
        ]
    )


async def lang(update: Update, context: Context) -> None:
    """/lang shows the reply language with a keyboard of the choices; /lang ru|uk|en
    changes it."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    wanted = (context.args or [""])[0].lower()
    if wanted not in i18n.LANGUAGES:
        current = i18n.current()
        await respond(update, context, texts.language_menu(current), language_keyboard(current))
        return
    await set_language(update, context, wanted)


async def set_language(update: Update, context: Context, wanted: str) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    await context.bot_data.stored(
        context.bot_data.store.upsert_user, user.id, message.chat_id, wanted
    )
    i18n.use(wanted)
    await respond(update, context, texts.language_set(wanted))


async def button(update: Update, context: Context) -> None:
    """A press on a button of /start (``st:``) or of the language keyboard (``lg:``)."""
    query = update.callback_query
    if query is None:
        return
    kind, _, value = (query.data or "").partition(":")
    if kind == "lg" and value in i18n.LANGUAGES:
        await query.answer()
        await set_language(update, context, value)
    elif kind == "st" and value == "lang":
        await query.answer()
        current = i18n.current()
        await respond(update, context, texts.language_menu(current), language_keyboard(current))
    elif kind == "st" and value == "link":
        await query.answer()
        await respond(update, context, texts_start.link_hint())
    elif kind == "st" and value == "ask":
        await query.answer()
        await respond(update, context, texts_start.ask_hint())
    elif kind == "st" and value == "watch":
        await query.answer()
        await ask_for(update, context, texts.WATCH_ASK, texts.WATCH_PLACEHOLDER)
    else:
        await query.answer(texts.BUTTON_OUT_OF_DATE)
