"""Language detection: English, Russian or Ukrainian.

lingua, restricted to the three languages newsbot works in, is accurate and
fast. For other languages it still picks the closest of the three by script,
which selects the sentence splitter and stemmer that fit best; the summary
stays verbatim either way.

:func:`written_in` tells whether a text really is in the language picked, not
merely closest to it: the parsers (spaCy's English model, natasha) read a
Portuguese, German or Korean page as English or Russian and find junk names and
facts in it (measured on the Zyte pages: 16 of the 181 are in other languages,
and gave ~1,500 entity mentions such as "você terá sempre" and ~350 facts, all
wrong), so facts are only extracted from texts in a language the parsers know.
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


#: Frequent English function words that are rare in other languages written in Latin letters
_ENGLISH_WORDS = frozenset(
    "the and of that with for this was were are have has been from which would will there "
    "their they what when about said its by at but not who than after".split()
)
#: English prose has ~20-35% of such words; other languages ~0-10%. Below this, lingua decides.
_ENGLISH_SHARE = 0.12
_LETTERS = re.compile(r"[^\W\d_]+")
#: Below this many words lingua's trigram mode is unreliable: the script alone decides
_FEW_WORDS = 40


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


def _script_detector(script: str) -> Any:
    """lingua over every language written in ``script`` ("latin" or "cyrillic"), in its
    low-accuracy mode (trigrams only: small and fast, and accurate on paragraphs)."""
    return _script_detectors()[script]


@lru_cache(maxsize=1)
def _script_detectors() -> dict[str, Any]:
    """Both script detectors, built together when either is first needed. Each loads
    all its models when built (~45 MB for Latin, ~17 MB for Cyrillic): built one at a
    time, the Latin one would load on the first Latin text that is not plainly English
    (a German page, a page of "ab ab"), long after the bot had settled at its steady
    size, which then jumped by 45 MB (measured by ``bench.memory``, issue 17)."""
    from lingua import LanguageDetectorBuilder

    latin = LanguageDetectorBuilder.from_all_languages_with_latin_script()
    cyrillic = LanguageDetectorBuilder.from_all_languages_with_cyrillic_script()
    return {
        script: builder.with_low_accuracy_mode().with_preloaded_language_models().build()
        for script, builder in (("latin", latin), ("cyrillic", cyrillic))
    }


def written_in(text: str, language: str) -> bool:
    """Whether ``text`` is written in ``language`` (one of :data:`SUPPORTED`).

    :func:`detect_language` gives the closest of the three; this tells a German or
    Japanese page from an English one, a Bulgarian page from a Russian one. Most
    of the letters must be in the language's script; English prose is then
    recognised by its function words, and anything less clear is left to lingua
    over all the languages of that script. Reads the first 2,000 characters; a text
    of a few words passes on its script alone.
    """
    sample = text[:2000]
    letters = sum(len(w) for w in _LETTERS.findall(sample))
    script = "cyrillic" if language in ("ru", "uk") else "latin"
    pattern = _CYRILLIC if script == "cyrillic" else _LATIN
    if not letters or len(pattern.findall(sample)) * 2 < letters:
        return False
    words = _LETTERS.findall(sample)
    if len(words) < _FEW_WORDS:
        return True  # too short to tell reliably: the script decides
    if language == "en" and (
        sum(w.lower() in _ENGLISH_WORDS for w in words) >= _ENGLISH_SHARE * len(words)
    ):
        return True
    try:
        found = _script_detector(script).detect_language_of(sample)
    except Exception:  # pragma: no cover - lingua is a compiled extension
        return True  # no second opinion: trust the first
    if found is None:
        return False
    code = found.iso_code_639_1.name.lower()
    return code in ("ru", "uk") if script == "cyrillic" else code == language


def preload() -> None:
    """Load the script detectors' models now, not on the first text that needs them
    (for warm-ups). The three-language detector stays lazy: it loads only the models a
    text needs (~10 MB for Russian), where preloading them all takes ~130 MB."""
    _script_detectors()
