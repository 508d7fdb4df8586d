"""Answers to the bot's questions: a bare command asks for its argument, the reply is it.

Telegram's command menu sends a command without its argument. ``/watch`` and
``/facts`` then ask for it (:func:`.send.ask_for`, with a ForceReply so that the
user's next message is a reply), and a reply to that question is taken as the
argument: "@channel" watched, "Medinsky" looked up, never read as a question.
The zone picker's "send me a city or UTC offset" asks the same way, its question
naming the digest it is for ("A daily digest at 08:00: which city…"), and the
reply ("Kyiv", "UTC+2", "8:00 Kyiv") starts that digest there.
The question is recognized by its text in any of the bot's languages, so this
needs no state: it works after a restart, on any instance, and with the
user's language changed in between.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.ext import filters

from summarizer.store import DIGEST_FREQUENCIES

from .. import i18n, texts, texts_zones
from .chat import facts_about_name
from .digests import zone_reply
from .sources import watch_source
from .updates import without_mention

if TYPE_CHECKING:
    from ..context import Context

#: command -> the name of its question in bot.texts
PROMPTS = {"watch": "WATCH_ASK", "facts": "FACTS_ASK"}


def prompted(message: Message | None) -> tuple[str, tuple[str, ...]] | None:
    """The command whose question ``message`` replies to, with what the question says
    (for the zone question: its digest's time and frequency), or None."""
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    asked = (replied.text or "").strip()
    found = re.search(r"\b([01]\d|2[0-3]):[0-5]\d\b", asked)
    clock = found.group(0) if found else None
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            for command, name in PROMPTS.items():
                if asked == getattr(texts, name):
                    return command, ()
            for frequency in DIGEST_FREQUENCIES if clock else ():
                if clock and asked == texts_zones.zone_ask(clock, frequency):
                    return "zone", (clock, frequency)
    return None


class RepliesToPrompt(filters.MessageFilter):
    """A text message that answers one of the bot's questions."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and prompted(message) is not None


REPLIES_TO_PROMPT = RepliesToPrompt(name="RepliesToPrompt")


async def answer(update: Update, context: Context) -> None:
    """The reply to a question of the bot's: the argument of the command that asked it."""
    message = update.effective_message
    found = prompted(message)
    if message is None or found is None:
        return
    command, said = found
    body = without_mention(message.text or "", context.bot)
    if command == "zone":
        await zone_reply(update, context, body, *said)
    elif command == "watch":
        await watch_source(update, context, body.split())
    else:
        await facts_about_name(update, context, body)
