"""Messages that are not plain text (issue 16, finding 4), through the Bot API stand-in,
in en and ru (uk where cheap).

A photo or video with a caption got no reply (forwarded channel posts usually arrive
that way), nor did a sticker; a message with three links summarized the first and said
nothing of the others.
"""

from __future__ import annotations

import pytest

from tests.helpers.botapi import Sent
from tests.test_bot import Harness, harness

__all__ = ["harness"]  # the fixture, used by name

EN, RU, UK = 5301, 5302, 5303
PROGRESS = ("Reading the article", "Читаю статью", "Читаю статтю")


async def finals(harness: Harness, chat: int, message_id: int, count: int = 1) -> list[Sent]:
    """The replies to ``message_id`` that are no longer "Reading the article…", once
    there are ``count`` of them."""

    def done() -> list[Sent]:
        found = [
            m for m in harness.api.replies_to(chat, message_id) if not m.text.startswith(PROGRESS)
        ]
        return found if len(found) >= count else []

    found: list[Sent] = await harness.api.wait_for(done, what=f"{count} final replies")
    return found


# -- captions are read like text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "chat", "caption", "more"),
    [
        ("en", EN, "Britain eases visas for scientists. Read more", "Read more"),
        ("ru", RU, "Британия упрощает визы для учёных. Подробнее", "Подробнее"),
    ],
)
async def test_a_forwarded_channel_post_with_a_photo_and_a_link_gets_its_summary(
    harness: Harness, language: str, chat: int, caption: str, more: str
) -> None:
    """The post's link is a text link in the caption of a photo, as channels write it."""
    url = harness.site.url("/visas.html")
    message_id = await harness.api.send_media(
        chat,
        "photo",
        caption,
        language_code=language,
        links={more: url},
        forwarded_from="somenews",
    )
    (summary,) = await finals(harness, chat, message_id)
    assert summary.text.startswith("Джонсон поручил"), summary.text  # the article's title
    assert "• " in summary.text
    assert url in summary.html


@pytest.mark.parametrize(
    ("language", "chat", "kind", "question"),
    [
        ("en", EN, "video", "Who led Russia's delegation at the talks in Istanbul?"),
        ("ru", RU, "photo", "Кто возглавил делегацию России на переговорах в Стамбуле?"),
        # a Ukrainian reader asking about an English article in English
        ("uk", UK, "document", "Who led Russia's delegation?"),
    ],
)
async def test_a_question_in_a_caption_gets_an_answer(
    harness: Harness, language: str, chat: int, kind: str, question: str
) -> None:
    link = await harness.api.say(chat, harness.site.url("/istanbul.html"), language_code=language)
    await finals(harness, chat, link)
    message_id = await harness.api.send_media(chat, kind, question, language_code=language)
    answer = await harness.api.reply(chat, message_id)
    # the answer, or (withheld: "I'm not sure…") the sentence that holds it, quoted
    assert "Medinsky" in answer.text, answer.text
    assert "<blockquote>" in answer.html


# -- a sticker gets a short hint ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "chat", "hint"),
    [
        ("en", EN, "I cannot read stickers. Send me a link"),
        ("ru", RU, "Стикеры я читать не умею. Пришлите мне ссылку"),
        ("uk", UK, "Стікери я читати не вмію. Надішліть мені посилання"),
    ],
)
async def test_a_sticker_gets_a_short_hint(
    harness: Harness, language: str, chat: int, hint: str
) -> None:
    message_id = await harness.api.send_media(chat, "sticker", language_code=language)
    reply = await harness.api.reply(chat, message_id)
    assert reply.text.startswith(hint), reply.text
    assert len(reply.text) < 200  # a hint, not the help
    assert len(harness.api.to_chat(chat)) == 1


# -- several links: each summarized, up to the per-user limit ----------------------------------

PAGES = ["/istanbul.html", "/visas.html", "/achinsk.html", "/tulun.html"]
LEFT_OUT = {
    "en": "I am summarizing the first 3 links of your message. I left out 1 more",
    "ru": "Кратко излагаю первые 3 ссылки из вашего сообщения. Ещё 1 я пропустил",
}


def summarized(harness: Harness, replies: list[Sent]) -> list[str]:
    """The pages whose summaries (the bullets, then the link) are among ``replies``."""
    found = []
    for reply in replies:
        for page in PAGES:
            if "• " in reply.text and f'href="{harness.site.url(page)}"' in reply.html:
                found.append(page)
    return sorted(found)


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_a_message_with_several_links_summarizes_each_up_to_the_limit(
    harness: Harness, language: str, chat: int
) -> None:
    site = harness.site
    two = f"{site.url('/istanbul.html')} and {site.url('/achinsk.html')}"
    message_id = await harness.api.say(chat, two, language_code=language)
    replies = await finals(harness, chat, message_id, 2)
    assert summarized(harness, replies) == ["/achinsk.html", "/istanbul.html"]
    assert len(harness.api.replies_to(chat, message_id)) == 2  # no note: none left out

    # four links, three at a time (NEWSBOT_USER_ARTICLES): the fourth is said to be left out
    four = "\n".join(site.url(p) for p in PAGES)
    message_id = await harness.api.say(chat, four, language_code=language)
    replies = await finals(harness, chat, message_id, 4)
    notes = [r for r in replies if r.text.startswith(LEFT_OUT[language])]
    assert len(notes) == 1, [r.text[:80] for r in replies]
    assert summarized(harness, replies) == sorted(PAGES[:3])
    assert len(harness.api.replies_to(chat, message_id)) == 4
