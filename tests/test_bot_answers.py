"""Answers in the bot, through the Bot API stand-in, in each interface language: the short
answer, then the sentence and its source; without an answer, the closest sentences,
plainly not an answer ("I'm not sure. The closest I found:")."""

from __future__ import annotations

import asyncio

import pytest

from tests.test_bot import Harness, harness
from tests.test_bot_use import EN, RU, UK, say, store_seed

__all__ = ["harness"]  # the fixture, used by name

NOT_SURE = {
    "en": "I'm not sure. The closest I found:",
    "ru": "Я не уверен. Ближе всего вот что:",
    "uk": "Я не впевнений. Найближче ось що:",
}


async def _reply(harness: Harness, chat: int, text: str, language: str) -> tuple[str, str]:
    message_id = await say(harness, chat, text, language)
    sent = await harness.api.reply(chat, message_id)
    return sent.text, sent.html


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU), ("uk", UK)])
async def test_an_answer_comes_first_then_its_sentence_and_source(
    harness: Harness, language: str, chat: int
) -> None:
    await asyncio.to_thread(store_seed, harness.settings.db)
    text, markup = await _reply(harness, chat, "Who led Russia's delegation?", language)
    first, _, rest = text.partition("\n")
    assert "Medinsky" in first
    assert len(first.split()) <= 4, first  # the short answer alone
    assert markup.startswith("<b>")
    assert "<blockquote>" in markup
    assert "Medinsky" in rest  # the sentence it rests on
    assert "2025-05-16" in rest  # and its source's date


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU), ("uk", UK)])
async def test_without_an_answer_the_closest_sentences_are_shown_not_as_an_answer(
    harness: Harness, language: str, chat: int
) -> None:
    await asyncio.to_thread(store_seed, harness.settings.db)
    text, markup = await _reply(harness, chat, "Who is the mayor of Istanbul?", language)
    assert text.startswith(NOT_SURE[language]), text
    assert not markup.startswith("<b>"), "nothing is given as the answer"
    assert 1 <= markup.count("<blockquote>") <= 3
    assert "Istanbul" in text  # a sentence about what was asked
    assert "2025-05-16" in text  # with its source
    assert len(text) < 4096
