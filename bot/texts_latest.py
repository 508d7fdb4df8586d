"""The texts of /latest and its "More" button, in the reader's language (see bot.i18n).

A feature's texts live in a module of their own once :mod:`bot.texts` is full; they are
extracted into the same catalogue (``bot/locale``).
"""

from __future__ import annotations

from .i18n import gettext as _


def nothing_yours() -> str:
    """/latest for a user with no sources' posts and no links of their own yet."""
    return _(
        "Nothing of yours yet: /latest lists the posts of the sources you /watch and "
        "the links you send me. Send me a link, or /watch a channel."
    )


def more_button() -> str:
    """The button under a page of /latest that shows the next, older ones."""
    return _("More")


def no_more() -> str:
    """A press on "More" when nothing older is left (a toast: plain text)."""
    return _("That was all: nothing older from your sources and links.")


def not_your_list() -> str:
    """A press on someone else's "More" in a group (a toast: plain text)."""
    return _("This list is someone else's: send /latest for yours.")
