"""Dates written in text, and URLs normalized for deduplication."""

from __future__ import annotations

from datetime import date

import pytest

from summarizer.dates import find_date, is_date_line
from summarizer.urls import find_urls, normalize_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("negotiators meet in Istanbul on May 16, 2025. Credit", date(2025, 5, 16)),
        ("16 May 2025", date(2025, 5, 16)),
        ("2019-08-10 17:12:51", date(2019, 8, 10)),
        ("опубликовано 10 августа 2019 года", date(2019, 8, 10)),
        ("16 травня 2025", date(2025, 5, 16)),
        ("10.08.2019", date(2019, 8, 10)),
        ("February 30, 2025", None),
        ("no date here, just 2025", None),
    ],
)
def test_find_date(text: str, expected: date | None) -> None:
    assert find_date(text) == expected


def test_date_lines_are_short() -> None:
    assert is_date_line("21 ноября 2008")
    assert is_date_line("Published May 16, 2025")
    assert not is_date_line("The talks in Istanbul on May 16, 2025 ended without a ceasefire.")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.com/a/?utm_source=tg&utm_medium=x", "https://example.com/a"),
        ("https://www.example.com:443/a#comments", "https://example.com/a"),
        ("http://example.com:8080/a?b=2&a=1&fbclid=z", "http://example.com:8080/a?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_find_urls_strips_trailing_punctuation() -> None:
    text = "See https://example.com/a. Or t.me/chan/5, (https://x.org/b)"
    assert find_urls(text) == [
        "https://example.com/a",
        "https://t.me/chan/5",
        "https://x.org/b",
    ]
