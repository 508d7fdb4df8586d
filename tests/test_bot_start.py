"""Onboarding (issue 16, finding 6), through the Bot API stand-in, in en and ru.

/start was the 1,086-character command list, /help the same with the admins' /stats
shown to everyone, and the language was changed only by typing /lang ru.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.digest_fanout import LimitedStandIn
from tests.helpers.botapi import Sent
from tests.test_bot import Harness
from tests.test_bot_use import EN, RU, buttons, buttons_under, say  # noqa: F401 (a fixture)

WELCOME = {
    "en": (
        "newsbot reads the news for you.",
        "Who led Russia's delegation at the talks in Istanbul?",
        ["🔗 Send me a link", "❓ Ask a question", "📡 Watch a channel", "🌐 Language"],
        "Send me a link to a news article",
        "Ask me about the news in a sentence",
        "Which channel or feed should I watch?",
    ),
    "ru": (
        "newsbot читает новости за вас.",
        "Кто возглавил делегацию России на переговорах в Стамбуле?",
        ["🔗 Прислать ссылку", "❓ Задать вопрос", "📡 Следить за каналом", "🌐 Язык"],
        "Пришлите мне ссылку на новостную статью",
        "Спросите меня о новостях одной фразой",
        "За каким каналом или лентой следить?",
    ),
}


async def _press(api: LimitedStandIn, chat: int, message: Sent, data: str) -> Sent:
    """Press a button under ``message``; the bot's message in reply to it."""
    before = len(api.replies_to(chat, message.message_id))
    answered = len(api.answers)
    await api.press(chat, message.message_id, data)
    found = await api.wait_for(
        lambda: api.replies_to(chat, message.message_id)[before:], what=f"the reply to {data}"
    )
    await api.wait_for(lambda: len(api.answers) > answered, what=f"the answer to {data}")
    return found[0]


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_start_is_a_short_welcome_with_an_example_and_buttons_that_lead_on(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    chat: int,
) -> None:
    api, harness = buttons
    opening, example, labels, link, ask, watch = WELCOME[language]
    welcome = await api.reply(chat, await say(harness, chat, "/start", language))
    assert welcome.text.startswith(opening), welcome.text
    assert example in welcome.text
    assert len(welcome.text) < 600  # not the command list
    assert "/stats" not in welcome.text
    shown = buttons_under(api, welcome)
    assert [b["text"] for b in shown] == labels
    data = {b["text"]: b["callback_data"] for b in shown}
    assert (await _press(api, chat, welcome, data[labels[0]])).text.startswith(link)
    assert (await _press(api, chat, welcome, data[labels[1]])).text.startswith(ask)
    asked = await _press(api, chat, welcome, data[labels[2]])
    assert asked.text.startswith(watch)  # then the reply is the source, as for a bare /watch
    menu = await _press(api, chat, welcome, data[labels[3]])
    assert [b["callback_data"] for b in buttons_under(api, menu)] == ["lg:en", "lg:ru", "lg:uk"]
    done = await _press(api, chat, menu, "lg:uk")
    assert done.text.startswith("Готово: тепер я відповідаю мовою: Українська"), done.text
    again = await api.reply(chat, await say(harness, chat, "/start", language))
    assert again.text.startswith("newsbot читає новини за вас.")


@pytest.mark.parametrize(
    ("language", "chat", "lang_line", "chosen"),
    [("en", EN, "/lang: the language", "English ✓"), ("ru", RU, "/lang: язык", "Русский ✓")],
)
async def test_help_shows_admin_commands_to_admins_only_and_lang_has_a_keyboard(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    chat: int,
    lang_line: str,
    chosen: str,
) -> None:
    api, harness = buttons

    async def ask(text: str) -> Sent:
        return await api.reply(chat, await say(harness, chat, text, language))

    shown = (await ask("/help")).text
    assert lang_line in shown
    assert "/stats" not in shown
    data = harness.app.bot_data
    data.settings = replace(data.settings, admins=(chat,))
    assert "/stats" in (await ask("/help")).text
    menu = await ask("/lang")
    assert [b["text"] for b in buttons_under(api, menu)][i18n_index(language)] == chosen
    assert (await ask("/lang ru")).text.startswith("Готово")  # typing it still works


def i18n_index(language: str) -> int:
    return ["en", "ru", "uk"].index(language)
