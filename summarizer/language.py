"""Language detection: English, Russian or Ukrainian.

lingua, restricted to the three languages newsbot works in, is accurate and
fast. For other languages it still picks the closest of the three by script,
which selects the sentence splitter and stemmer that fit best; the summary
stays verbatim either way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

SUPPORTED = ("en", "ru", "uk")

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_UKRAINIAN_ONLY = re.compile(r"[ґєіїҐЄІЇ]")
_RUSSIAN_ONLY = re.compile(r"[ёыэъЁЫЭЪ]")


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.RUSSIAN, Language.UKRAINIAN
    ).build()


def detect_language(text: str, default: str = "en") -> str:
    """Return ``"en"``, ``"ru"`` or ``"uk"`` for ``text``.

    Only the first few thousand characters are read. Text with no letters gives
    ``default``.
    """
    sample = text[:4000]
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cyrillic + latin == 0:
        return default
    if latin > 3 * cyrillic:
        return "en"
    try:
        found = _detector().detect_language_of(sample)
    except Exception:  # pragma: no cover - lingua is a compiled extension
        found = None
    if found is not None:
        code = found.iso_code_639_1.name.lower()
        if code in SUPPORTED:
            return code
    # lingua unsure: decide by letters that only one of the two alphabets has.
    uk = len(_UKRAINIAN_ONLY.findall(sample))
    ru = len(_RUSSIAN_ONLY.findall(sample))
    return "uk" if uk > ru else "ru"
