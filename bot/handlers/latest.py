"""/latest and its "More" button: the user's own newest articles, page by page.

A user's articles are the posts of the sources they watch and the links they sent
(``Store.user_latest``), never another user's: what others follow stays theirs.
The button carries the owner's id, the page size and the last article shown, so the
next page follows that article however many new ones arrived since.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from summarizer.store import StoredArticle

from .. import texts, texts_latest
from .send import own_button, respond

if TYPE_CHECKING:
    from ..context import Context

LATEST_DEFAULT, LATEST_MAX = 5, 10
PATTERN = r"^lt:"
_DATA = re.compile(r"lt:(\d+):(\d+):(\d+)")


async def latest(update: Update, context: Context) -> None:
    """/latest [N]: the user's newest N summaries, with "More" when there are older ones."""
    user = update.effective_user
    if user is None:
        return
    count = LATEST_DEFAULT
    if context.args:
        try:
            count = int(context.args[0])
        except ValueError:
            count = 0
        if not 1 <= count <= LATEST_MAX or len(context.args) > 1:
            await respond(update, context, texts.LATEST_BAD)
            return
    page = await context.bot_data.stored(context.bot_data.store.user_latest, user.id, count + 1)
    if not page:
        await respond(update, context, texts_latest.nothing_yours())
        return
    await send_page(update, context, user.id, page, count)


async def more(update: Update, context: Context) -> None:
    """A press on "More": the next page of the presser's own list."""
    # in a group: another member's list is not the presser's to page
    numbers = await own_button(update, _DATA, texts_latest.not_your_list())
    query, user = update.callback_query, update.effective_user
    if numbers is None or query is None or user is None:
        return
    _, count, last = numbers
    count = min(max(count, 1), LATEST_MAX)
    store = context.bot_data.store
    page = await context.bot_data.stored(
        functools.partial(store.user_latest, user.id, count + 1, before=last)
    )
    if not page:
        await query.answer(texts_latest.no_more())
        return
    await query.answer()
    await send_page(update, context, user.id, page, count)


async def send_page(
    update: Update, context: Context, user_id: int, page: list[StoredArticle], count: int
) -> None:
    """``page[:count]`` as summaries; "More" under them when ``page`` has one more."""
    shown = page[:count]
    blocks = [texts.summary_message(s.article, s.summary) for s in shown]
    markup = None
    if len(page) > count:
        data = f"lt:{user_id}:{count}:{shown[-1].id}"
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(texts_latest.more_button(), callback_data=data)]]
        )
    await respond(update, context, "\n\n".join(blocks), markup)
