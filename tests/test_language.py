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
