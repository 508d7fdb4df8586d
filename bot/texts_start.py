"""The texts of /start (a short welcome and its buttons) and the /lang keyboard.

In the reader's language (see bot.i18n), from the same catalogue as :mod:`bot.texts`.
"""

from __future__ import annotations

from .i18n import gettext as _


def welcome() -> str:
    """/start: what the bot does, one example, and where the commands are."""
    return _(
        "<b>newsbot</b> reads the news for you.\n\n"
        "Send me a link and I reply with a short summary in the article's own words. "
        "Ask me a question, or /ask one, and I answer from the articles I have read, "
        "quoting them. For example:\n"
        "<i>Who led Russia's delegation at the talks in Istanbul?</i>\n\n"
        "/watch a channel or a feed and I read its new posts; /help lists every command."
    )


def button_language() -> str:
    return _("🌐 Language")


def button_link() -> str:
    return _("🔗 Send me a link")


def button_ask() -> str:
    return _("❓ Ask a question")


def button_watch() -> str:
    return _("📡 Watch a channel")


def link_hint() -> str:
    """The "send me a link" button: how."""
    return _(
        "Send me a link to a news article (paste it, or forward a post that has one) and "
        "I reply with its summary in the article's own words."
    )


def ask_hint() -> str:
    """The "ask a question" button: how, with an example."""
    return _(
        "Ask me about the news in a sentence, for example: Who led Russia's delegation? "
        "I answer from the articles I have read and quote the sentence my answer rests on."
    )
