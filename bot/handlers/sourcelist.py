"""/sources and its remove buttons: the user's sources, numbered as ``/unwatch N`` takes them.

Each source has a button under the list; its callback data carries the owner's id
and the source's id (not its number, which shifts as sources are removed), so a
button pressed after its source is gone says so and changes nothing, and a button
of someone else's list (in a group) removes nothing of the presser's. After a
removal the message shows the list as it is now.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from summarizer.store import MAX_USER_SOURCES, Source

from .. import texts, texts_sources
from ..stories import source_name
from .send import edit_text, own_button, respond

if TYPE_CHECKING:
    from ..context import Context

PATTERN = r"^sr:"
_DATA = re.compile(r"sr:(\d+):(\d+)")
MAX_LABEL = 40  # characters of a source's name on its button


def label(source: Source) -> str:
    """How a user's source is named in the lists they act on (a channel, or the URL)."""
    return source_name(source.kind, source.key, source.url, short=False)


def listing(user_id: int, rows: list[Source]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The numbered list of ``rows`` with a remove button per source (none: no buttons)."""
    if not rows:
        return texts.NO_SOURCES, None
    lines = [texts.sources_header(len(rows), MAX_USER_SOURCES)]
    lines += [texts.source_line(n, label(s), s) for n, s in enumerate(rows, 1)]
    lines += ["", texts_sources.sources_hint()]
    buttons = [
        [InlineKeyboardButton(_button(n, label(s)), callback_data=f"sr:{user_id}:{s.id}")]
        for n, s in enumerate(rows, 1)
    ]
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def _button(number: int, name: str) -> str:
    """A remove button's label: "✖", the source's number and its name (no words to say)."""
    short = name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"
    return f"✖ {number}. {short}"


async def sources(update: Update, context: Context) -> None:
    """/sources: the user's sources, numbered, each with its remove button."""
    user = update.effective_user
    if user is None:
        return
    rows = await context.bot_data.stored(context.bot_data.store.user_sources, user.id)
    html, markup = listing(user.id, rows)
    await respond(update, context, html, markup)


async def remove(update: Update, context: Context) -> None:
    """A remove button: stop watching its source, if the presser still does."""
    numbers = await own_button(update, _DATA, texts_sources.not_your_sources())
    query, user = update.callback_query, update.effective_user
    if numbers is None or query is None or user is None:
        return
    source_id = numbers[1]
    data = context.bot_data
    rows = await data.stored(data.store.user_sources, user.id)
    source = next((s for s in rows if s.id == source_id), None)
    # gone already (removed by another button, /unwatch, or another device): nothing to do
    removed = source is not None and await data.stored(
        data.store.unwatch_source, user.id, source.key
    )
    if source is None or not removed:
        await query.answer(texts_sources.already_gone())
    else:
        await query.answer(texts_sources.removed(label(source)))
        rows = [s for s in rows if s.id != source_id]
    message = query.message
    if message is not None:  # the list as it is now
        html, markup = listing(user.id, rows)
        await edit_text(context, message.chat.id, message.message_id, html, markup)
