"""The texts of managing sources: /sources' remove buttons, /unwatch N, several sources
in one /watch, and sources refused at once.

In the reader's language (see bot.i18n), from the same catalogue as :mod:`bot.texts`.
Button labels and toasts (a button press's answer) are plain text; the rest is HTML.
"""

from __future__ import annotations

from .i18n import gettext as _
from .i18n import ngettext
from .reasons import reason
from .render import esc

MAX_LABEL = 40  # characters of a source's name on its button


def sources_hint() -> str:
    """Under the numbered list: how to stop watching one."""
    return _("Tap a source to stop watching it, or send /unwatch NUMBER.")


def removed(name: str) -> str:
    """A remove button's answer (a toast: plain text)."""
    return _("Stopped watching {name}.").format(name=name)


def already_gone() -> str:
    """A remove button pressed after the source left the list (a toast: plain text)."""
    return _("That source is not on your list any more: nothing was changed.")


def not_your_sources() -> str:
    """Someone else's remove button, in a group (a toast: plain text)."""
    return _("This list is someone else's: send /sources for yours.")


def no_such_number(number: int, count: int) -> str:
    """/unwatch N past the end of the user's list."""
    if not count:
        return _("You watch no sources, so there is no number {number} to stop.").format(
            number=number
        )
    return ngettext(
        "There is no source number {number}: you watch {count}. /sources lists it.",
        "There is no source number {number}: you watch {count}. /sources lists them.",
        count,
    ).format(number=number, count=count)


def too_many_at_once(limit: int) -> str:
    """/watch with more sources than it takes in one message."""
    return ngettext(
        "Send me at most {limit} source in one /watch, apart by spaces or commas.",
        "Send me at most {limit} sources in one /watch, apart by spaces or commas.",
        limit,
    ).format(limit=limit)


def refused(name: str, reason_: str) -> str:
    """A source /watch does not keep: it is no source (no public preview, not a feed)."""
    return _("Sorry: I cannot watch {name}: {reason}. It is not on your list.").format(
        name=esc(name), reason=esc(reason(reason_).rstrip("."))
    )
