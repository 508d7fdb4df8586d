"""The texts of messages that are not plain text: stickers, and a message of several links.

In the reader's language (see bot.i18n), from the same catalogue as :mod:`bot.texts`.
A photo's, a video's or a document's caption is read like text and needs none.
"""

from __future__ import annotations

from .i18n import gettext as _


def sticker_hint() -> str:
    """A sticker: what the bot does with words instead."""
    return _(
        "I cannot read stickers. Send me a link and I summarize it, or ask me a question "
        "about the news, for example: Who led Russia's delegation?"
    )
