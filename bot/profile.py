"""What the bot tells Telegram about itself, and the calls that only make it look nice.

At start (:func:`introduce`) the bot registers, in each of its languages, the
command menu (``setMyCommands``), the description shown in an empty chat
(``setMyDescription``) and the short one on its profile
(``setMyShortDescription``). While it works it shows "typing…"
(``sendChatAction``). None of these is worth an answer: a Bot API that refuses
them (a 5xx, an emulator that answers 404 for a method it does not have, a
400) must not stop the bot or hold up a reply. :class:`Cosmetics` makes each
such call, logs a failure once a method (until it works again) and carries on;
the rate limiter does not retry them either (:mod:`bot.pacing`). Telegram
keeps the menu and descriptions from the last start that set them, so a start
that could not set them loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand
from telegram.constants import ChatAction
from telegram.error import TelegramError

from . import i18n, texts

logger = logging.getLogger(__name__)

__all__ = ["Cosmetics", "introduce"]


class Cosmetics:
    """Calls whose failure costs a nicety, never an answer."""

    def __init__(self) -> None:
        self.failing: set[str] = set()  # methods whose last call failed (logged once)

    async def call(self, method: str, call: Awaitable[Any]) -> bool:
        """Await ``call`` (a Bot API ``method``); False, logged once, if it failed."""
        try:
            await call
        except TelegramError as exc:
            if method in self.failing:
                logger.debug("%s failed again: %s", method, exc)
            else:
                self.failing.add(method)
                logger.warning("%s failed (%s); the bot carries on without it", method, exc)
            return False
        if method in self.failing:
            self.failing.discard(method)
            logger.info("%s works again", method)
        return True

    async def typing(self, bot: Any, chat_id: int) -> bool:
        """Show "typing…" in ``chat_id``."""
        return await self.call("sendChatAction", bot.send_chat_action(chat_id, ChatAction.TYPING))


async def introduce(bot: Any, cosmetics: Cosmetics) -> None:
    """The menu, the description and the short description, in every language (English
    is also the default, for the languages the bot does not speak)."""
    for language in i18n.LANGUAGES:
        code = None if language == i18n.DEFAULT else language
        commands = [BotCommand(name, about) for name, about in texts.COMMANDS[language]]
        with i18n.using(language):
            description, short = texts.DESCRIPTION, texts.SHORT_DESCRIPTION
        await cosmetics.call("setMyCommands", bot.set_my_commands(commands, language_code=code))
        await cosmetics.call(
            "setMyDescription", bot.set_my_description(description, language_code=code)
        )
        await cosmetics.call(
            "setMyShortDescription", bot.set_my_short_description(short, language_code=code)
        )
