"""Language detection for en, ru and uk."""

from __future__ import annotations

import pytest

from summarizer.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia and Ukraine have agreed to a major prisoner exchange.", "en"),
        ("Военнослужащие завершили выполнение задач в Тулунском районе.", "ru"),
        ("Росія та Україна домовилися про великий обмін полоненими у Стамбулі.", "uk"),
        ("Президент заявив, що переговори тривають і що делегація готова.", "uk"),
        ("Президент заявил, что переговоры продолжаются и делегация готова.", "ru"),
        ("12345 — 678", "en"),
    ],
)
def test_detects_the_three_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_other_latin_languages_fall_back_to_english() -> None:
    assert detect_language("Die Verhandlungen in Istanbul wurden am Freitag fortgesetzt.") == "en"


def test_the_first_check_of_a_russian_text_loads_the_latin_models_too() -> None:
    """Issue 17, finding 2: the Latin detector (~45 MB) loaded on the first Latin text
    that is not plainly English, long after the bot had settled; both now load at the
    first check that needs either, and the next checks build nothing."""
    from summarizer import language

    language._script_detectors.cache_clear()
    russian = "Президент заявил, что переговоры продолжаются и делегация готова. " * 8
    assert language.written_in(russian, "ru")
    built = language._script_detectors.cache_info().misses
    german = "Die Verhandlungen in Istanbul wurden am Freitag fortgesetzt, sagte er. " * 8
    assert not language.written_in(german, "en")
    assert language._script_detectors.cache_info().misses == built == 1
