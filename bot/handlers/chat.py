"""The chat itself: a link is summarized, a question answered; the plain chat commands."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from telegram import Message, MessageEntity, ReplyParameters, Update
from telegram.ext import filters

from summarizer import (
    URL_RE,
    NewsbotError,
    NotAnArticle,
    check_url,
    ingest_link,
    off_loop,
    read_text,
    summarize_article,
)

from .. import texts, texts_media
from .send import ask_for, finished, reply, respond
from .updates import GROUPS, addressed, is_command, without_mention

if TYPE_CHECKING:
    from ..context import Context

MAX_LINKS = 10  # links of one message summarized, when the user's links are not limited
MAX_QUESTION = 1000  # longer plain text is summarized as an article instead
# what chat.text reads: a new message's text, or the caption of its photo, video or document
WORDS = (filters.TEXT | filters.CAPTION) & filters.UpdateType.MESSAGE


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    command = (message.text or "/").split()[0]
    if message.chat.type in GROUPS and ("@" not in command or not is_command(message, context.bot)):
        return  # in a group "/x" may be another bot's: said to us, it is "/x@name"
    await respond(update, context, texts.unknown_command(command.split("@")[0]))


async def summary(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    url = first_url(" ".join(context.args or []))
    if url is None and context.args:
        await respond(update, context, texts.not_a_link(" ".join(context.args)))
        return
    if url is None and message.reply_to_message is not None:
        url = message_url(message.reply_to_message)
        if url is None:
            await respond(update, context, texts.NO_LINK_IN_REPLY)
            return
    if url is None:
        await respond(update, context, texts.SUMMARY_WHAT)
        return
    await summarize_link(update, context, url)


async def ask(update: Update, context: Context) -> None:
    question = " ".join(context.args or []).strip()
    if not question:
        await respond(update, context, texts.ASK_WHAT)
        return
    await answer_question(update, context, question)


async def text(update: Update, context: Context) -> None:
    """Plain text, or the caption of a photo, video or document (a forwarded channel post
    usually comes so): a link is summarized, a question answered, anything else gets a hint.

    In a group only what speaks to the bot (mentions it, or replies to it) is read:
    the rest is the group's own talk.
    """
    message = update.effective_message
    words = (message.text or message.caption) if message is not None else None
    if message is None or not words or not addressed(message, context.bot):
        return
    body = without_mention(words, context.bot)
    urls = message_urls(message)
    if urls:
        await summarize_links(update, context, urls)
    elif len(body) > MAX_QUESTION:
        await summarize_text(update, context, body)
    elif not is_question(body):
        await respond(update, context, texts.NOT_A_QUESTION)
    else:
        await answer_question(update, context, body)


async def sticker(update: Update, context: Context) -> None:
    """A sticker said to the bot: a short hint of what it reads instead."""
    message = update.effective_message
    if message is None or not addressed(message, context.bot):
        return
    await respond(update, context, texts_media.sticker_hint())


# the words of a question among its first three ("So who…", "А кто…"), and the words
# that make one only as its first ("Is…", "Did…"), in English, Russian and Ukrainian;
# anything with a question mark is a question too
QUESTION_WORDS = frozenset(
    """who whom whose what which when where why how tell explain
    кто кого кому кем ком что чего чему чем где куда откуда когда почему зачем как какой
    какая какое какие каков какова сколько чей чья чьё чьи ли разве расскажи объясни
    хто кого кому ким кім що чого чому чим де куди звідки коли навіщо як який яка яке які
    скільки чий чия чиє чиї чи хіба розкажи поясни""".split()
)
OPENERS = frozenset(
    "is are was were do does did can could will would should has have had may might".split()
)


def is_question(body: str) -> bool:
    """Whether plain text reads as a question (or a request to explain), not chatter."""
    if "?" in body:
        return True
    words = re.findall(r"\w+", body.lower())
    return bool(words) and (words[0] in OPENERS or any(w in QUESTION_WORDS for w in words[:3]))


async def facts(update: Update, context: Context) -> None:
    """/facts NAME; a bare /facts (the menu sends it so) asks for the name."""
    if not context.args:
        await ask_for(update, context, texts.FACTS_ASK, texts.FACTS_PLACEHOLDER)
        return
    await facts_about_name(update, context, " ".join(context.args))


async def facts_about_name(update: Update, context: Context, name: str) -> None:
    """What the store knows about ``name`` (of /facts, or the reply to its question)."""
    name = name.strip()
    if not name:
        await respond(update, context, texts.FACTS_WHAT)
        return
    if not await start_reading(update, context):
        return
    from summarizer import facts_about

    found = await off_loop(facts_about, context.bot_data.store, name)
    await respond(update, context, texts.facts_message(name, list(found)))


# -- the work: summaries and answers -----------------------------------------------


async def summarize_links(update: Update, context: Context, urls: list[str]) -> None:
    """Each link of a message summarized, at once, as many as the user may have read at a
    time (:class:`~bot.limits.FloodControl`); a note says how many are left out."""
    message = update.effective_message
    if message is None:
        return
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    limits = context.bot_data.limits
    room = limits.room(user_id)
    taken = urls[: MAX_LINKS if room is None else min(room, MAX_LINKS)]
    if not taken:  # every slot is taken already
        await respond(update, context, texts.too_many_articles(limits.articles))
        return
    if len(taken) < len(urls):
        await reply(
            context,
            message.chat_id,
            texts_media.links_left_out(len(taken), len(urls) - len(taken)),
            reply_to=message.message_id,
        )
    await asyncio.gather(
        *(summarize_link(update, context, url, first=i == 0) for i, url in enumerate(taken))
    )


async def summarize_link(update: Update, context: Context, url: str, *, first: bool = True) -> None:
    """Summarize one link, in reply to the message; ``first``: the message's first link,
    whose "Reading…" note is remembered so that a restart edits it instead of sending
    another (the update's others are sent again)."""
    message = update.effective_message
    if message is None:
        return
    data = context.bot_data
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    with data.limits.article(user_id) as slot:
        if not slot:
            await respond(update, context, texts.too_many_articles(data.limits.articles))
            return
        # handled again after a restart: edit the "Reading…" sent before, do not send another
        progress: Message | int | None = (
            data.progress.pop(update.update_id, None) if first else None
        )
        if progress is None:
            progress = await context.bot.send_message(
                message.chat_id,
                texts.WORKING_ON_LINK,
                reply_parameters=ReplyParameters(
                    message.message_id, allow_sending_without_reply=True
                ),
            )
            if first:
                await data.stored(data.store.note_progress, update.update_id, progress.message_id)
        try:
            # a malformed URL ("http://[x]") is refused here, before the store parses it
            url = check_url(url, allow_private=True)  # addresses: checked by the fetcher
            # the facts now, not later: a link sent is a link about to be asked about
            result = await ingest_link(url, data.store, data.fetcher, facts=True)
            # the user's own from now on: their /latest and digests list it
            await data.stored(data.store.add_user_article, user_id, result.article_id)
            stored = await data.stored(data.store.get_article, result.article_id)
            if stored is None:
                raise NotAnArticle("chat.not_stored")
            html = texts.summary_message(stored.article, stored.summary)
        except NewsbotError as exc:
            html = texts.failed(exc)
        await reply(context, message.chat_id, html, edit=progress)
        await finished(update, context)


async def summarize_text(update: Update, context: Context, body: str) -> None:
    """A long text pasted in chat: summarized like an article (and not stored)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot_data.cosmetics.typing(context.bot, chat.id)
    try:
        article = read_text(body, tme_url=context.bot_data.settings.tme_url)
        result = await off_loop(summarize_article, article)
    except NotAnArticle:
        await respond(update, context, texts.TOO_LONG_QUESTION)
        return
    except NewsbotError as exc:
        await respond(update, context, texts.failed(exc))
        return
    await respond(update, context, texts.summary_message(result.article, result.summary))


async def start_reading(update: Update, context: Context) -> bool:
    """Show "typing…" while the store is read; False (and the user told) without the
    question-answering extras installed."""
    try:
        from summarizer import answer_question  # noqa: F401  (its parsers are installed)
    except ImportError:
        await respond(update, context, texts.NO_QA)
        return False
    chat = update.effective_chat
    if chat is not None:
        await context.bot_data.cosmetics.typing(context.bot, chat.id)
    return True


async def answer_question(update: Update, context: Context, question: str) -> None:
    if not await start_reading(update, context):
        return
    from summarizer import answer_question as answer

    metrics = context.bot_data.metrics
    try:
        with metrics.answering():
            result = await off_loop(answer, context.bot_data.store, question)
    except NewsbotError as exc:
        await respond(update, context, texts.failed(exc))
        return
    metrics.answers.labels("yes" if result.answer is not None else "no").inc()
    await respond(update, context, texts.answer_message(result))


# -- links in messages ---------------------------------------------------------------


def written_urls(body: str) -> list[str]:
    """The links written in ``body``, in order (``t.me/…`` given its scheme)."""
    found = []
    for match in URL_RE.finditer(body):
        url = match.group(0).rstrip(".,;:!?)»”")
        found.append(url if url.lower().startswith(("http://", "https://")) else "https://" + url)
    return found


def first_url(body: str) -> str | None:
    """The first link written in ``body``, or None."""
    return next(iter(written_urls(body)), None)


def entity_urls(message: Message) -> list[str]:
    """The links of a message (or its caption): its entities, else the first one written."""
    urls: list[str] = []
    for entities in (
        message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK]),
        message.parse_caption_entities([MessageEntity.URL, MessageEntity.TEXT_LINK]),
    ):
        for entity, value in entities.items():
            is_link = entity.type == MessageEntity.TEXT_LINK and entity.url
            urls.append(entity.url if is_link and entity.url else value)
    return urls or written_urls(message.text or message.caption or "")


def message_urls(message: Message) -> list[str]:
    """The distinct links of a message (or its caption), in order, each with its scheme."""
    found: list[str] = []
    for url in entity_urls(message):
        if not url.lower().startswith(("http://", "https://")):
            url = "https://" + url
        if url not in found:
            found.append(url)
    return found


def message_url(message: Message) -> str | None:
    """The first link of a message (or its caption), or None."""
    return next(iter(message_urls(message)), None)
