"""Languages: en, ru and uk from the user's language_code, /lang, and the shipped catalogues.

Also: no English-only text reaches a user (every text of bot.texts in ru and uk,
and a scan of bot/*.py for literals passed to the sending calls), and the docs
(README, /help, the command menu) list every command and setting.
"""

from __future__ import annotations

import ast
import gettext
import html
import importlib
import inspect
import io
import re
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.digest_fanout import LimitedStandIn
from bot import i18n, texts
from bot.app import build_application
from summarizer.answer import EntityFacts
from summarizer.article import Article
from summarizer.config import Settings
from summarizer.errors import BadInput, NewsbotError
from summarizer.fetch import check_url
from summarizer.sources import parse_source
from summarizer.store import Source, StoredFact
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.pages import LoopbackServer
from tests.helpers.process import newsbot_process
from tests.test_bot import make_settings, running

LOCALE = Path(i18n.__file__).parent / "locale"
ROOT = Path(__file__).resolve().parent.parent
# the texts of one feature each, once bot/texts.py is full (same catalogue)
TEXT_MODULES = sorted((ROOT / "bot").glob("texts_*.py"))
CYRILLIC = re.compile(r"[а-яіїєґё]", re.IGNORECASE)


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


# -- the catalogues ---------------------------------------------------------------------


def _read_po(path: Path) -> Any:
    pofile = pytest.importorskip("babel.messages.pofile")
    with path.open("rb") as fh:
        return pofile.read_po(fh)


def test_the_pot_holds_every_message_of_bot_texts() -> None:
    """bot/locale/newsbot.pot is what ``pybabel extract -k N_`` finds in bot/texts.py and
    bot/reasons.py now."""
    extract = pytest.importorskip("babel.messages.extract")
    keywords = {**extract.DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for path in (ROOT / "bot" / "texts.py", *TEXT_MODULES, ROOT / "bot" / "reasons.py"):
        with path.open("rb") as fh:
            # (line, message, comments, context); a plural message is (singular, plural)
            found |= {
                m[1][0] if isinstance(m[1], tuple) else m[1]
                for m in extract.extract("python", fh, keywords=keywords)
            }
    pot = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _read_po(LOCALE / "newsbot.pot")}
    pot.discard("")
    assert found - pot == set(), "run pybabel extract (see bot/i18n.py)"
    assert pot - found == set(), "the pot has messages bot/texts.py or reasons.py no longer use"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_message_of_the_pot_is_translated(language: str) -> None:
    po = _read_po(LOCALE / language / "LC_MESSAGES" / "newsbot.po")
    assert po.num_plurals == 3
    for template in _read_po(LOCALE / "newsbot.pot"):
        if not template.id:
            continue
        message = po.get(template.id)
        assert message is not None, f"{language}: not in the catalogue: {template.id!r}"
        assert not message.fuzzy, template.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == (3 if isinstance(template.id, tuple) else 1), template.id
        assert all(s.strip() for s in strings), f"{language}: untranslated: {template.id!r}"
    assert not po.obsolete, f"{language}: obsolete entries left in the .po"


_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
_TAG = re.compile(r"</?([a-z]+)[^>]*>")


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_translations_keep_the_placeholders_and_are_valid_telegram_html(language: str) -> None:
    for message in _read_po(LOCALE / language / "LC_MESSAGES" / "newsbot.po"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(_PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(_PLACEHOLDER.findall(string)) == wanted, (message.id, string)
            # the same tags, balanced, and nothing else that Telegram would parse as markup
            assert _TAG.findall(string) == _TAG.findall(ids[0]), (message.id, string)
            assert _balanced(string), string
            bare = _TAG.sub("", string)
            assert "<" not in bare, string
            assert ">" not in bare, string
            assert not re.search(r"&(?!(?:amp|lt|gt|quot|#\d+);)", bare), string


def _balanced(markup: str) -> bool:
    stack: list[str] = []
    for tag in re.finditer(r"<(/?)([a-z]+)[^>]*>", markup):
        if not tag.group(1):
            stack.append(tag.group(2))
        elif not stack or stack.pop() != tag.group(2):
            return False
    return not stack


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_mo_files_are_compiled_from_the_po_files_as_they_are(language: str) -> None:
    """Exactly the .po's translations are in the .mo (run ``pybabel compile``)."""
    folder = LOCALE / language / "LC_MESSAGES"
    po = _read_po(folder / "newsbot.po")
    with (folder / "newsbot.mo").open("rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    catalog = shipped._catalog  # type: ignore[attr-defined]
    expected: dict[Any, str] = {}
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for index, string in enumerate(message.string):
                expected[(message.id[0], index)] = string
        else:
            expected[message.id] = message.string
    compiled = {k: v for k, v in catalog.items() if k != ""}
    assert compiled == expected
    # and the plural rule of the language: 1 статья, 2 статьи, 5 статей, 11 статей, 21 статья
    plural = [shipped.plural(n) for n in (1, 2, 5, 11, 21, 22, 25, 111)]  # type: ignore[attr-defined]
    assert plural == [0, 1, 2, 2, 0, 1, 2, 2]


# -- every text of bot.texts in every language ----------------------------------------------

_WHEN = datetime(2026, 6, 16, 8, 0, tzinfo=ZoneInfo("Europe/Kyiv"))
_FAILING = Source(
    1, "channel", "kanal1", "u", "2026-06-16", last_error="kanal1.example answered 503.", failures=3
)
_ROLE = StoredFact(
    1, 1, 0, "role", "Zzz", "person:zzz", "zzz", None, [], {}, "Zzz zzz.", *[None] * 3
)
_DEED = StoredFact(
    2, 1, 1, "rel", "Zzz", "person:zzz", "zzz", "qqq", [], {}, "Zzz qqq.", *[None] * 3
)
_READ = Source(2, "feed", "f", "u", "2026-06-16", last_polled="2026-06-16T08:00:00+00:00")
# one call of every public function of bot.texts (a new function must be added here)
SAMPLES: dict[str, tuple[Any, ...]] = {
    "unknown_command": ("/zzz",),
    "dont_know": ("Who?",),
    "failed": ("the page holds too little text to be an article",),
    "watching": ("@kanal1", True),
    "watch_result": ("@kanal1", 5, 2),
    "notes_said": (["read the first 3000 sentences of the article"],),
    "watch_failed": ("@kanal1", "kanal1.example did not answer in time."),
    "unwatched": ("@kanal1", False),
    "sources_header": (3, 50),
    "not_a_link": ("zzz",),
    "when_local": (_WHEN,),
    "next_digest": (_WHEN,),
    "subscribed": ("08:00", "Europe/Kyiv", "weekly", _WHEN),
    "settings_message": ("08:00", "UTC", "weekdays", True, ["zzz"], ["qqq"], _WHEN),
    "filters_set": (["zzz"], [], None),
    "filter_usage": ("zzz",),
    "too_many_filters": (20,),
    "settings_changed": (_WHEN,),
    "unsubscribed": ("weekdays",),
    "button_skip": (True,),
    "button_frequency": ("weekly", "daily"),
    "digest_nothing_new": (True,),
    "digest_no_sources": (),
    "digest_story": (
        1,
        "",
        ["zzz.", "qqq."],
        None,
        [("kanal1", "https://zzz.example"), ("qqq", "")],
        "2026-06-16",
    ),
    "digest_more": (3,),
    "digest_header": (5, 2),
    "bad_time": ("25:99",),
    "bad_zone": ("Mars/Base",),
    "subscribe_usage": (),
    "subscribe_failed": (BadInput("chat.subscribe_zone", value="Mars/Base"),),
    "no_facts": ("Zzz",),
    "facts_header": ("Zzz",),
    "summary_message": (Article(text="zzz"), ["zzz."]),
    "answer_message": (SimpleNamespace(answer=None, question="zzz?"),),
    "facts_message": ("Zzz", [EntityFacts("person:zzz", "Zzz", [_ROLE], [_DEED])]),
    "facts_more": (3,),
    "source_line": (1, "@kanal1", _FAILING),
    "too_many_requests": (20, 12.0),
    "too_many_articles": (3,),
    "language_menu": ("ru",),
    "language_set": ("uk",),
}
NOT_SENT = {"channel_ingested"}  # logged only
NO_WORDS = {"filters_line"}  # "+word -word": the user's own words
# what may stay in Latin letters in a translated text: names, commands' arguments, units
LATIN_OK = {
    "newsbot",
    "utc",
    "europe",
    "kyiv",
    "moscow",
    "daily",
    "weekdays",
    "weekly",
    "clear",
    "english",
    "http",
    "https",
    "url",
    "rss",
    "atom",
    "telegram",
    "name",
    "me",
    "bot",
    "en",  # /lang en, ru, uk
    "ru",
    "uk",
}


def _public_functions() -> list[str]:
    return sorted(
        name
        for name, obj in vars(texts).items()
        if inspect.isfunction(obj)
        and obj.__module__ == texts.__name__
        and not name.startswith("_")
        and name not in {"reason"}
    )


def test_every_text_function_has_a_sample() -> None:
    assert set(_public_functions()) - NOT_SENT - NO_WORDS == set(SAMPLES)


def _latin_words(text: str) -> set[str]:
    bare = html.unescape(re.sub(r"<[^>]*>", " ", text))
    bare = re.sub(r"/\w+|@\w+|https?://\S+|\S+\.example\S*|zzz|qqq|kanal1|Zzz|Mars/Base", " ", bare)
    return {w for w in re.findall(r"[A-Za-z]{2,}", bare) if w.lower() not in LATIN_OK}


@pytest.mark.parametrize("language", ["ru", "uk"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_text_is_translated(name: str, language: str) -> None:
    function = getattr(texts, name)
    english = function(*SAMPLES[name])
    with i18n.using(language):
        translated = function(*SAMPLES[name])
    assert translated != english
    assert CYRILLIC.search(translated), translated
    assert _latin_words(translated) == set(), translated
    assert _balanced(translated), translated


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_constant_text_and_button_is_translated(language: str) -> None:
    for name in texts._TEXTS:
        english = getattr(texts, name)
        with i18n.using(language):
            translated = getattr(texts, name)
        assert translated != english, name
        assert _latin_words(translated) == set() or name == "HELP", (name, translated)


# one call of every public function of bot/texts_*.py that takes arguments
FEATURE_SAMPLES: dict[str, tuple[Any, ...]] = {
    "texts_stats.stats_message": (
        {"users": 3, "pending_digests": 1},
        {"links_being_read": 2},
        [("@kanal1", _FAILING)],
    ),
    "texts_zones.zone_label": ("Europe/Kyiv",),
    "texts_zones.button_zone": ("Europe/Moscow",),
    "texts_zones.zone_picker": ("08:00", "weekdays"),
    "texts_zones.zone_ask": ("07:30", "weekly"),
    "texts_media.links_left_out": (3, 2),
    "texts_sources.removed": ("@kanal1",),
    "texts_sources.no_such_number": (7, 3),
    "texts_sources.too_many_at_once": (10,),
    "texts_sources.refused": (
        "@kanal1",
        "@kanal1 has no public preview (the channel is private, restricted or does not exist)",
    ),
}


def _feature_functions() -> dict[str, Any]:
    found = {}
    for path in TEXT_MODULES:
        module = importlib.import_module(f"bot.{path.stem}")
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                if not name.startswith("_"):
                    found[f"{path.stem}.{name}"] = obj
    return found


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_text_of_the_feature_modules_is_translated(language: str) -> None:
    functions = _feature_functions()
    assert "texts_latest.more_button" in functions
    for name, function in functions.items():
        english = function(*FEATURE_SAMPLES.get(name, ()))
        with i18n.using(language):
            translated = function(*FEATURE_SAMPLES.get(name, ()))
        assert translated != english, name
        assert CYRILLIC.search(translated), translated
        assert _latin_words(translated) == set(), translated
        assert _balanced(translated), translated


def _library_errors() -> list[NewsbotError]:
    """What the library really raises at a user, for inputs a user can send."""
    raised = []
    for value in [
        "",
        "a b",
        "ftp://x.example/a",
        "http://[::1",
        "t.me/+abc",
        "t.me/c/123/4",
        "https://t.me/s",
        "@ab",
        "t.me/kanal1/x/y",
        "example.com",
    ]:
        with pytest.raises(NewsbotError) as caught:
            parse_source(value, "https://t.me")
        raised.append(caught.value)
    for url in [
        "",
        "ftp://x.example/",
        "http://user:pw@x.example/",
        "http:///nohost",
        "http://x.example:99999/",
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://1.2.3.4.5/",
    ]:
        with pytest.raises(NewsbotError) as caught:
            check_url(url)
        raised.append(caught.value)
    return raised


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_librarys_error_sentences_are_translated(language: str) -> None:
    """A refused link or source in the user's language: by the error's code, and the same
    from its English sentence alone (as a source's last error is stored)."""
    raised = _library_errors()
    said = [str(error) for error in raised]
    assert len(set(said)) >= 12
    for error, sentence in zip(raised, said, strict=True):
        with i18n.using(language):
            translated = texts.reason(error)
            reply = texts.failed(error)
            assert texts.reason(sentence) == translated, sentence
            assert texts.failed(sentence) == reply, sentence
        assert CYRILLIC.search(translated), sentence
        assert reply.startswith("Извините: " if language == "ru" else "Вибачте: "), reply
    # English stays as the library wrote it; an unknown sentence is kept, not lost
    assert texts.reason(raised[0]) == texts.reason(said[0]) == said[0]
    with i18n.using(language):
        assert texts.reason("something new happened.") == "something new happened."
        # an error of a code the bot does not know gets the generic text
        assert texts.failed(BadInput("no.such_code")) == texts.INTERNAL_ERROR


# -- nothing English-only is sent: a scan of bot/*.py -----------------------------------------

# call name -> position of its text argument (or the keyword "text")
SENDING_CALLS = {
    "reply_text": 0,
    "reply_html": 0,
    "send_message": 1,
    "edit_message_text": 0,
    "answer": 0,
    "reply": 2,
    "respond": 2,
    "InlineKeyboardButton": 0,
    "failed": 0,
    "ValueError": 0,  # stories.parse_filter: the reply
}
# exceptions whose sentence is the reply, in the modules where that is so (elsewhere a
# ValueError is a programming error); a NewsbotError carries a code, not a sentence, and
# tests/test_errors.py checks that every code is said in every language
ERRORS = {"ValueError"}
ERRORS_REPLIED = {"stories.py", "digest.py", "schedule.py"}


def replies_with_errors(filename: str) -> bool:
    """Modules whose ValueErrors are replies: the handlers and what they call for replies."""
    return filename.startswith("handlers/") or filename in ERRORS_REPLIED


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _translated(node: ast.AST) -> bool:
    """A call that gives translated text: texts.x(...), _(...), ngettext(...)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id == "texts" or func.value.id.startswith("texts_")
    return isinstance(func, ast.Name) and func.id in {"_", "gettext", "ngettext"}


def _words_in(node: ast.AST) -> list[str]:
    """String literals with words in ``node``, outside translated calls."""
    if _translated(node):
        return []
    found = []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if re.search(r"[^\W\d_]{2,}", node.value):
            found.append(node.value)
    for child in ast.iter_child_nodes(node):
        found += _words_in(child)
    return found


def english_only_texts(source: str, filename: str = "x.py") -> list[tuple[int, str]]:
    """(line, literal) for every worded literal passed as a text to a sending call."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name not in SENDING_CALLS:
            continue
        if name in ERRORS and not replies_with_errors(filename):
            continue
        position = SENDING_CALLS[name]
        candidates = [k.value for k in node.keywords if k.arg == "text"]
        if len(node.args) > position:
            candidates.append(node.args[position])
        for argument in candidates:
            problems += [(node.lineno, text) for text in _words_in(argument)]
    return problems


def test_the_scan_finds_english_only_texts() -> None:
    """The scan itself: it flags literals and f-strings, and lets translated texts through."""
    flagged = english_only_texts(
        """
async def h(update, context, message, query, x):
    await respond(update, context, f"Done: {x}.")
    await context.bot.send_message(message.chat_id, "Saved " + x)
    await query.answer("Nothing new")
    await message.reply_text(text="Hello")
    InlineKeyboardButton("Daily", callback_data="dg:f:daily")
    await reply(context, 1, "Next digest: {}".format(x))
    await respond(update, context, texts.failed(f"{x} is not a link"))
    raise ValueError("give one channel at a time")
""",
        "handlers/sources.py",
    )
    assert sorted(line for line, _ in flagged) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert (
        english_only_texts(
            """
async def h(update, context, message, query, x, exc):
    await respond(update, context, texts.HELP)
    await respond(update, context, texts.failed(str(exc)))
    await respond(update, context, "\\n".join(lines))
    await query.answer(texts.settings_changed(x))
    await query.answer()
    InlineKeyboardButton(texts.button_skip(x), callback_data=f"dg:s:{x}")
    await context.bot.send_message(chat_id, texts.WORKING_ON_LINK, reply_parameters=p)
    await reply(context, chat_id, texts.watch_result(name, 1, 0))
    await respond(update, context, str(exc))
"""
        )
        == []
    )


def test_no_english_only_text_is_sent_from_bot() -> None:
    """Every text passed to a sending call in bot/ (its subpackages too) comes from bot.texts."""
    problems = []
    paths = sorted((ROOT / "bot").rglob("*.py"))
    assert any(p.parent.name == "handlers" for p in paths)  # the handlers are scanned
    for path in paths:
        name = path.relative_to(ROOT / "bot").as_posix()
        for line, text in english_only_texts(path.read_text(encoding="utf-8"), name):
            problems.append(f"bot/{name}:{line}: {text!r}")
    assert problems == [], "put these texts in bot/texts.py:\n" + "\n".join(problems)


# -- through the bot: ru and uk users get the digest texts in their language ------------------

RU_USER, UK_USER, EN_USER = 7101, 7102, 7103


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[tuple[LimitedStandIn, Settings]]:
    async with LimitedStandIn() as api, LoopbackServer({}) as site:
        yield api, make_settings(api, site, tmp_path / "bot.db")
        assert api.refused == [], api.refused  # every text valid Telegram HTML


EXPECTED = {
    "ru": {
        "filter": "Фильтры: -санкции. Дайджеста у вас пока нет: его включает /subscribe 08:00.",
        "subscribed": "Готово: ежедневный дайджест в 07:30 (Europe/Moscow). Следующий дайджест:",
        "zone": "Europe/Moscow",
        "when": "Когда: ежедневный дайджест в 07:30 (Europe/Moscow)",
        "when_changed": "Когда: дайджест по будням в 08:30 (Europe/Moscow)",
        "filters": "Фильтры: -санкции",
        "buttons": [
            "−1 ч",
            "−15 мин",
            "+15 мин",
            "+1 ч",
            "Ежедневно ✓",
            "По будням",
            "Раз в неделю (пн)",
            "Если нового нет: сообщить ✓",
            "🌍 Часовой пояс: Москва (UTC+3)",
        ],
        "saved": "Сохранено. Следующий дайджест:",
        "nothing_new": "Ваш дайджест: с прошлого раза нет ничего нового, "
        "что прошло бы ваши фильтры.",
        "months": [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
        "bad_time": "25:00 — это не время суток.",
    },
    "uk": {
        "filter": "Фільтри: -санкції. Дайджесту у вас поки немає: його вмикає /subscribe 08:00.",
        "subscribed": "Готово: щоденний дайджест о 07:30 (Europe/Kyiv). Наступний дайджест:",
        "zone": "Europe/Kyiv",
        "when": "Коли: щоденний дайджест о 07:30 (Europe/Kyiv)",
        "when_changed": "Коли: дайджест у будні о 08:30 (Europe/Kyiv)",
        "filters": "Фільтри: -санкції",
        "buttons": [
            "−1 год",
            "−15 хв",
            "+15 хв",
            "+1 год",
            "Щодня ✓",
            "У будні",
            "Щотижня (пн)",
            "Якщо нового немає: повідомити ✓",
            "🌍 Часовий пояс: Київ (UTC+{kyiv})",
        ],
        "saved": "Збережено. Наступний дайджест:",
        "nothing_new": "Ваш дайджест: від минулого разу немає нічого нового, "
        "що пройшло б ваші фільтри.",
        "months": [
            "січня",
            "лютого",
            "березня",
            "квітня",
            "травня",
            "червня",
            "липня",
            "серпня",
            "вересня",
            "жовтня",
            "листопада",
            "грудня",
        ],
        "bad_time": "25:00 — це не час доби.",
    },
}


async def test_ru_and_uk_users_get_filter_settings_buttons_and_digests_in_their_language(
    limited: tuple[LimitedStandIn, Settings],
) -> None:
    api, settings = limited
    users = {"ru": RU_USER, "uk": UK_USER}

    async def ask(chat_id: int, text: str, code: str) -> str:
        message_id = await api.say(chat_id, text, language_code=code)
        return (await api.reply(chat_id, message_id)).text

    async with running(api, settings) as app:
        for language, chat in users.items():
            want = EXPECTED[language]
            word = "-санкции" if language == "ru" else "-санкції"
            assert await ask(chat, f"/filter {word}", language) == want["filter"]
            assert (await ask(chat, "/subscribe 25:00", language)).startswith(want["bad_time"])
            reply = await ask(chat, f"/subscribe 07:30 {want['zone']}", language)
            assert reply.startswith(want["subscribed"]), reply
            assert any(month in reply for month in want["months"]), reply

            message_id = await api.say(chat, "/settings", language_code=language)
            shown = await api.reply(chat, message_id)
            assert shown.text.startswith(
                "Настройки дайджеста" if language == "ru" else "Налаштування дайджесту"
            )
            assert want["when"] in shown.text
            assert want["filters"] in shown.text
            labels = [b["text"] for row in api.markup(chat, shown.message_id) for b in row]
            kyiv = _offset_hours("Europe/Kyiv")  # +2 in winter, +3 in summer
            assert labels == [label.format(kyiv=kyiv) for label in want["buttons"]]

            # a button press: its update carries language_code "en"; the stored choice wins
            for data in ("dg:t:60", "dg:f:weekdays"):
                answered, edits = len(api.answers), shown.edits
                await api.press(chat, shown.message_id, data)
                await api.wait_for(
                    lambda a=answered, e=edits, m=shown: len(api.answers) > a and m.edits > e,
                    what=f"the answer to {data}",
                )
                assert api.answers[-1]["text"].startswith(want["saved"]), api.answers[-1]
            edited = next(m for m in api.to_chat(chat) if m.message_id == shown.message_id)
            assert want["when_changed"] in edited.text

        # the scheduled digest is sent by a job, with no update: each in its reader's language
        assert await ask(EN_USER, "/filter -war", "en") == (
            "Filters: -war. You have no digest yet: /subscribe 08:00 starts one."
        )
        await ask(EN_USER, "/subscribe 07:30 UTC", "en")
        store, digests = app.bot_data.store, app.bot_data.digests
        slot = datetime(2030, 1, 7, 5, 30, tzinfo=UTC)
        with i18n.using("en"):  # the job's own context says nothing of the user
            for chat in (*users.values(), EN_USER):
                store.watch_source(chat, "channel", "quiet", "https://t.me/s/quiet")
                user = store.digest_settings(chat)
                assert user is not None
                assert await digests.deliver(user, slot) == "sent"
        for language, chat in users.items():
            assert api.to_chat(chat)[-1].text == EXPECTED[language]["nothing_new"]
        assert api.to_chat(EN_USER)[-1].text == (
            "Your digest: nothing new that passes your filters since the last one."
        )


def _offset_hours(zone: str) -> int:
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 3600


# -- docs: every command and every setting -----------------------------------------------------


def _bot_commands() -> set[str]:
    from telegram.ext import CommandHandler

    app = build_application(Settings(token="1:x"))
    commands: set[str] = set()
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                commands |= set(handler.commands)
    return commands


def test_help_menu_and_readme_list_every_command() -> None:
    commands = _bot_commands()
    assert {"lang", "settings", "filter", "subscribe", "stats", "watch"} <= commands
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            help_text = texts.HELP
        menu = {name for name, _ in texts.COMMANDS[language]}
        for command in sorted(commands):
            if command != "start":  # /start is a short welcome; /help lists them
                assert f"\n/{command}" in help_text, (language, command)
                assert command in menu or command == "stats", (language, command)  # admins only
            assert re.search(rf"`/{command}\b", readme), f"README does not list /{command}"
    assert [n for n, _ in texts.COMMANDS["ru"]] == [n for n, _ in texts.COMMANDS["en"]]
    assert [n for n, _ in texts.COMMANDS["uk"]] == [n for n, _ in texts.COMMANDS["en"]]
    for language in ("ru", "uk"):
        assert all(CYRILLIC.search(d) for _, d in texts.COMMANDS[language]), language


def test_readme_lists_every_setting_and_cli_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for field in fields(Settings):
        assert f"`NEWSBOT_{field.name.upper()}`" in readme, field.name
    for variable in ("NEWSBOT_CONFIG", "NEWSBOT_SPACY_MODEL", "NEWSBOT_WEBHOOK_URL"):
        assert f"`{variable}`" in readme
    from bot.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for command in commands:
        assert f"| `newsbot {command}" in readme, f"README's command table lacks {command}"
