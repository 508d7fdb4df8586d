"""The :class:`Article`, the unit every pipeline stage passes on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    """One news article as read from a page, a feed item or a text file.

    ``text`` holds the body only, paragraphs separated by a blank line.
    ``published`` is an ISO 8601 date or date-time string, or None.
    ``via`` is where newsbot found the link (a Telegram post, a feed), if known.
    """

    text: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    author: str | None = None
    site: str | None = None
    language: str | None = None
    via: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
