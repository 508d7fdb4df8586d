"""Languages: en, ru and uk from the user's language_code, /lang, and the shipped catalogues."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest

from bot import i18n, texts
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.process import newsbot_process

LOCALE = Path(i18n.__file__).parent / "locale"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("uk", "uk"),
        ("uk_UA", "uk"),
        ("en", "en"),
        ("de", "en"),
        (None, "en"),
    ],
)
def test_language_for(code: str | None, expected: str) -> None:
    assert i18n.language_for(code) == expected


def test_texts_follow_the_language() -> None:
    with i18n.using("ru"):
        assert texts.HELP.startswith("<b>newsbot</b> читает новости")
        assert texts.watch_result("@x", 5, 0).startswith("@x: 5 новых статей")
        assert texts.watch_result("@x", 2, 0).startswith("@x: 2 новые статьи")
    with i18n.using("uk"):
        assert texts.HELP.startswith("<b>newsbot</b> читає новини")
        assert texts.unknown_command("/x<") == "Я не знаю команди /x&lt;. /help покаже, що я вмію."
    assert texts.HELP.startswith("<b>newsbot</b> reads the news")


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_shipped_mo_files_match_their_po(language: str) -> None:
    """Every .mo is the compiled .po (run ``pybabel compile -d bot/locale -D newsbot``)."""
    pofile = pytest.importorskip("babel.messages.pofile")
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "newsbot.po").open("rb") as fh:
        catalog = pofile.read_po(fh)
    with (folder / "newsbot.mo").open("rb") as fh:
        shipped = gettext.GNUTranslations(io.BytesIO(fh.read()))
    translated = [m for m in catalog if m.id and m.string]
    assert len(translated) >= 30
    for message in translated:
        if isinstance(message.id, tuple):
            assert shipped.ngettext(message.id[0], message.id[1], 5) == message.string[2]
        else:
            assert shipped.gettext(message.id) == message.string, message.id
    # every text that can be translated is
    for name, english in texts._TEXTS.items():
        assert shipped.gettext(english) != english, name


@pytest.mark.slow
async def test_users_get_start_and_help_in_their_language_and_can_change_it(tmp_path: Path) -> None:
    async with BotApiStandIn() as api, newsbot_process(api, tmp_path):
        ru, uk, en = 101, 102, 103

        async def ask(user: int, text: str, code: str | None) -> str:
            message_id = await api.say(user, text, language_code=code)
            return (await api.reply(user, message_id)).text

        assert (await ask(ru, "/start", "ru")).startswith("newsbot читает новости за вас")
        assert "/lang: язык ответов" in await ask(ru, "/help", "ru")
        assert (await ask(uk, "/start", "uk")).startswith("newsbot читає новини за вас")
        assert "/help: це повідомлення" in await ask(uk, "/help", "uk")
        assert (await ask(en, "/help", "en")).startswith("newsbot reads the news for you")

        # /lang: the menu, then a change that outlives Telegram's language_code
        assert "/lang uk: Українська" in await ask(ru, "/lang", "ru")
        assert (await ask(ru, "/lang uk", "ru")).startswith("Готово: тепер я відповідаю")
        assert (await ask(ru, "/help", "ru")).startswith("newsbot читає новини")
        assert (await ask(ru, "/nonsense", "ru")).startswith("Я не знаю команди /nonsense")
        assert (await ask(ru, "/lang en", "ru")).startswith("Done: I answer in English")
        assert set(api.commands) == {"", "ru", "uk"}
        assert any(c["command"] == "lang" for c in api.commands["ru"])
