"""Every update: claimed and its sender remembered first (group -1), marked handled last
(group 1); the flood gate; membership changes; and the one error handler."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop

from .. import i18n, texts
from .send import reply, respond

if TYPE_CHECKING:
    from ..context import Context

logger = logging.getLogger(__name__)


async def remember(update: Update, context: Context) -> None:
    """Drop an update handled before (a restart), and remember the user who sent it.

    Each update is claimed in the store with its JSON before it is handled and
    finished once answered (:func:`finish`, :func:`bot.handlers.send.respond`). One
    claimed by a process killed before it answered is handed back at the next start
    (``BotData.replaying``, see ``bot.app.replay_unfinished``) and handled again.
    The claim and the sender are one transaction (``Store.begin_update``), made on the
    event loop before anything awaits: the updater confirms the update to Telegram with
    its next ``getUpdates``, and a claim not committed by then would be lost to a kill.
    """
    data = context.bot_data
    replayed = update.update_id in data.replaying
    if replayed:
        progress_id = data.replaying.pop(update.update_id)
        if progress_id is not None:
            data.progress[update.update_id] = progress_id
        logger.info("update %s: handling again after a restart", update.update_id)
    user, chat = update.effective_user, update.effective_chat
    # Telegram's language_code picks the language at first contact (private chats); /lang
    # changes it
    private = update.message is not None and chat is not None and chat.type == ChatType.PRIVATE
    claimed, known = data.store.begin_update(
        update.update_id,
        None if replayed else update.to_json(),
        claim=not replayed,
        user_id=user.id if user is not None else None,
        chat_id=chat.id if private and user is not None and chat is not None else None,
        language_code=user.language_code if user is not None else None,
    )
    if not claimed:
        logger.info("update %s was handled before a restart; skipped", update.update_id)
        raise ApplicationHandlerStop
    if user is not None:
        i18n.use(known.language_code if known and known.language_code else user.language_code)
    await flood_gate(update, context)


async def flood_gate(update: Update, context: Context) -> None:
    """A user past the request rate is not answered; the first such request of a run
    gets a polite reply saying so (bot.limits)."""
    user = update.effective_user
    if user is None or not is_request(update, context.bot):
        return
    limits = context.bot_data.limits
    if limits.allow(user.id):
        return
    first = limits.first_refusal(user.id)  # warned once; the rest skipped, as it says
    logger.info("user %s is over the request rate%s", user.id, "" if first else "; skipped")
    html = texts.too_many_requests(limits.rate, limits.retry_in(user.id))
    message = update.effective_message
    if update.callback_query is not None:  # a press is always answered, or it spins on
        await update.callback_query.answer(html if first else None, show_alert=first)
    elif message is not None and first:
        await reply(context, message.chat_id, html, reply_to=message.message_id)
    # the last group does not run after this: the end is recorded here, once
    await context.bot_data.stored(context.bot_data.store.finish_update, update.update_id)
    raise ApplicationHandlerStop


def is_request(update: Update, bot: Any) -> bool:
    """A person's message, edited message or button press: what the rate limit counts.

    Commands run on edited messages too, so an edit counts like a new message. Channel
    posts and membership changes are not a person's requests, nor is the chatter of a
    group that does not speak to the bot (:func:`addressed`).
    """
    if update.callback_query is not None:
        return True
    message = update.effective_message
    return (
        message is not None
        and update.effective_chat is not None
        and (update.channel_post is None and update.edited_channel_post is None)
        and (addressed(message, bot) or is_command(message, bot))
    )


GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


def addressed(message: Message, bot: Any) -> bool:
    """Whether ``message`` speaks to the bot: any message of a private chat; in a group,
    one that mentions the bot (@name, or a mention of its user) or replies to it."""
    if message.chat.type not in GROUPS:
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    name = f"@{bot.username}".lower()
    for entity, value in {**message.parse_entities(), **message.parse_caption_entities()}.items():
        if entity.type == MessageEntity.MENTION and value.lower() == name:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


def is_command(message: Message, bot: Any) -> bool:
    """A message that opens with a command for this bot ("/x", or "/x@this_bot"; in a
    group "/x@other_bot" is another bot's)."""
    if not message.text or not message.text.startswith("/"):
        return False
    _, at, name = message.text.split(maxsplit=1)[0].partition("@")
    return not at or name.lower() == str(bot.username).lower()


def without_mention(text: str, bot: Any) -> str:
    """``text`` without the bot's @name ("@newsbot who led…?" asks "who led…?")."""
    return re.sub(rf"@{re.escape(bot.username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def finish(update: Update, context: Context) -> None:
    """The last group, for every update: whatever the handlers did, it is handled."""
    data = context.bot_data
    if update.update_id in data.finished:
        data.finished.discard(update.update_id)  # recorded when it was answered
        return
    await data.stored(data.store.finish_update, update.update_id)


async def my_chat_member(update: Update, context: Context) -> None:
    """A user blocked (or unblocked) the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    active = status not in {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}
    await context.bot_data.stored(context.bot_data.store.set_user_active, change.chat.id, active)


async def on_error(update: object, context: Context) -> None:
    """The one error handler: log with the traceback, tell the user something went wrong."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat:
        await context.bot_data.stored(
            context.bot_data.store.set_user_active, update.effective_chat.id, False
        )
        return
    logger.error("error while handling %s", type(update).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        if update.effective_chat and update.effective_chat.type == ChatType.CHANNEL:
            return
        try:
            await respond(update, context, texts.INTERNAL_ERROR)
        except Exception:  # the apology failed too: logged, not raised again
            logger.warning("could not tell the user about the error", exc_info=True)
