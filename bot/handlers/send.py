"""Sending: every reply to a user goes through :func:`reply` or :func:`respond`."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from telegram import ForceReply, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden

from .. import texts
from ..render import split_html

if TYPE_CHECKING:
    from ..context import Context

logger = logging.getLogger(__name__)


async def reply(
    context: Context,
    chat_id: int,
    html: str,
    *,
    reply_to: int | None = None,
    edit: Message | int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send ``html`` (split under 4,096 characters), editing ``edit`` with the first part;
    ``markup`` (buttons) goes under the last part.

    The texts of :mod:`bot.texts` are HTML already: nothing is escaped here.
    """
    parts = split_html(html)
    edit_id = edit if isinstance(edit, int) or edit is None else edit.id
    try:
        for index, part in enumerate(parts):
            buttons = markup if index == len(parts) - 1 else None
            if index == 0 and edit_id is not None:
                await edit_text(context, chat_id, edit_id, part, buttons)
            else:
                await context.bot.send_message(
                    chat_id,
                    part,
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True)
                        if reply_to is not None and index == 0
                        else None
                    ),
                    reply_markup=buttons,
                )
    except Forbidden:
        logger.info("chat %s blocked the bot; marking it inactive", chat_id)
        await context.bot_data.stored(context.bot_data.store.set_user_active, chat_id, False)


async def edit_text(
    context: Context,
    chat_id: int,
    message_id: int,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit a message; one that shows ``html`` already is left as it is.

    That happens when an update is handled again after a restart (see
    :func:`bot.app.replay_unfinished`) and the process killed had edited the
    message but not yet recorded the update as finished. Telegram refuses the
    edit ("message is not modified"): the answer is there, so it is done.
    """
    try:
        if markup is None:  # without buttons, as before (a stand-in bot may not take them)
            await context.bot.edit_message_text(html, chat_id=chat_id, message_id=message_id)
        else:
            await context.bot.edit_message_text(
                html, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
    except BadRequest as exc:
        if "message is not modified" not in str(exc).lower():
            raise
        logger.info("message %s in chat %s shows this answer already", message_id, chat_id)


async def respond(
    update: Update, context: Context, html: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Reply to the update's message (``markup`` under it), then mark the update handled."""
    message = update.effective_message
    if message is not None:
        await reply(context, message.chat_id, html, reply_to=message.message_id, markup=markup)
        await finished(update, context)  # answered: a restart must not answer it again


async def finished(update: Update, context: Context) -> None:
    """The update is handled: a restart will not handle it again (recorded once)."""
    data = context.bot_data
    if update.update_id in data.finished:
        return
    data.finished.add(update.update_id)
    await data.stored(data.store.finish_update, update.update_id)


async def ask_for(update: Update, context: Context, question: str, placeholder: str) -> None:
    """Ask for a bare command's argument: ``question`` (plain text, one of
    :data:`bot.handlers.prompts.PROMPTS`) with a ForceReply, so that the user's next
    message answers it; :mod:`bot.handlers.prompts` takes that answer as the argument."""
    message = update.effective_message
    if message is None:
        return
    await context.bot.send_message(
        message.chat_id,
        question,
        reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )
    await finished(update, context)


async def own_button(update: Update, data: re.Pattern[str], not_yours: str) -> list[int] | None:
    """The numbers of a pressed button's data (``data``'s groups, the first the id of the
    user it was made for), or None once the press is answered: a button this version no
    longer makes, or another member's (in a group), told ``not_yours``."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return None
    match = data.fullmatch(query.data or "")
    if match is None:
        await query.answer(texts.BUTTON_OUT_OF_DATE)
        return None
    numbers = [int(group) for group in match.groups()]
    if numbers[0] != user.id:
        await query.answer(not_yours)
        return None
    return numbers
