"""The texts of messages that are not plain text: stickers, and a message of several links.

In the reader's language (see bot.i18n), from the same catalogue as :mod:`bot.texts`.
A photo's, a video's or a document's caption is read like text and needs none.
"""

from __future__ import annotations

from .i18n import gettext as _
from .i18n import ngettext


def sticker_hint() -> str:
    """A sticker: what the bot does with words instead."""
    return _(
        "I cannot read stickers. Send me a link and I summarize it, or ask me a question "
        "about the news, for example: Who led Russia's delegation?"
    )


def links_left_out(taken: int, left: int) -> str:
    """A message with more links than the user may have read at once (the per-user
    limit): ``taken`` are being summarized, ``left`` are not."""
    reading = ngettext(
        "I am summarizing the first {taken} link of your message.",
        "I am summarizing the first {taken} links of your message.",
        taken,
    ).format(taken=taken)
    skipped = ngettext(
        "I left out {left} more: I read only so many links for you at once. "
        "Send it again when these are done.",
        "I left out {left} more: I read only so many links for you at once. "
        "Send them again when these are done.",
        left,
    ).format(left=left)
    return f"{reading} {skipped}"
