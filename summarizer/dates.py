"""Finding publication dates written in English, Russian or Ukrainian."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Russian, genitive as in dates
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    # Ukrainian, genitive
    "січня": 1, "лютого": 2, "березня": 3, "квітня": 4, "травня": 5, "червня": 6,
    "липня": 7, "серпня": 8, "вересня": 9, "жовтня": 10, "листопада": 11, "грудня": 12,
}  # fmt: skip

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY_NUM = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_DMY = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


def find_date(text: str) -> date | None:
    """The first full calendar date written in ``text``, or None.

    Understands ISO dates (2025-05-16, 2025/05/16), day.month.year,
    "May 16, 2025", "16 May 2025", "16 мая 2025" and "16 травня 2025".
    """
    candidates: list[tuple[int, date]] = []
    for match in _ISO.finditer(text):
        found = _make(int(match[1]), int(match[2]), int(match[3]))
        if found:
            candidates.append((match.start(), found))
    for match in _DMY_NUM.finditer(text):
        found = _make(int(match[3]), int(match[2]), int(match[1]))
        if found:
            candidates.append((match.start(), found))
    for match in _MDY.finditer(text):
        found = _make(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
        if found:
            candidates.append((match.start(), found))
    for match in _DMY.finditer(text):
        found = _make(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
        if found:
            candidates.append((match.start(), found))
    return min(candidates)[1] if candidates else None


def is_date_line(line: str) -> bool:
    """True when ``line`` is a date and little else (a byline date under a title)."""
    found = find_date(line)
    if found is None:
        return False
    rest = _ISO.sub("", _MDY.sub("", _DMY.sub("", _DMY_NUM.sub("", line))))
    return len(re.findall(r"\w+", rest)) <= 3
