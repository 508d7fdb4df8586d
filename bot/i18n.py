"""The bot's languages: English, Russian and Ukrainian, through gettext catalogues.

The English texts in :mod:`bot.texts`, the feature modules ``bot/texts_*.py`` and
:mod:`bot.reasons` (the library's errors, by code) are the message ids; the translations
are in ``bot/locale/<lang>/LC_MESSAGES/newsbot.po``, compiled to ``.mo``
files that ship with the package (package data). To update them::

    pybabel extract -k N_ --no-location --omit-header -o bot/locale/newsbot.pot \
        bot/texts.py bot/texts_*.py bot/reasons.py
    pybabel update --no-fuzzy-matching -i bot/locale/newsbot.pot -d bot/locale -D newsbot
    (translate the .po files: every plural message has three forms in ru and uk)
    pybabel compile -d bot/locale -D newsbot

``tests/test_i18n.py`` fails when the pot misses a text of those modules,
when a message is untranslated, or when a ``.mo`` is not its ``.po`` compiled.

The language of a reply is a context variable, set once per update from the
user's choice (``/lang``) or Telegram's ``language_code`` (:func:`use`), so
the texts need no language argument and handlers stay as they are. Work
handed to a thread does not carry it: texts are made on the event loop.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "newsbot"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ru", "uk")
DEFAULT = "en"
NAMES = {"en": "English", "ru": "Русский", "uk": "Українська"}

_current: ContextVar[str] = ContextVar("newsbot_language", default=DEFAULT)


def language_for(code: str | None) -> str:
    """One of :data:`LANGUAGES` for a Telegram ``language_code`` ("ru", "uk-UA", …)."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT


@cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def use(language: str | None) -> str:
    """Speak ``language`` (a code, normalized) for the rest of this task; returns it."""
    chosen = language_for(language)
    _current.set(chosen)
    return chosen


@contextmanager
def using(language: str | None) -> Iterator[str]:
    token = _current.set(language_for(language))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return _catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _catalogue(_current.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # gettext's name: mark, do not translate
    """Mark ``message`` for extraction; it is translated where it is used."""
    return message
