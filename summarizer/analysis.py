"""What reading an article's facts produces: mentions, facts and names.

Plain records, shared by :mod:`summarizer.facts` (which extracts them) and
:mod:`summarizer.store` (which keeps them), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mention:
    position: int  # sentence index in the article
    start: int  # character offsets in the sentence
    end: int
    text: str
    label: str
    key: str
    name: str  # dictionary form of the name (natasha), else the text
    head: str = ""  # for numbers: the concept of the noun they count ("prisoner")


@dataclass
class Fact:
    position: int
    kind: str  # "role" or "rel"
    subject: str
    subject_key: str
    predicate: str  # the role as written, or the verb's concept
    object: str | None = None
    object_terms: list[str] = field(default_factory=list)  # concepts and entity keys
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analysis:
    mentions: list[Mention]
    facts: list[Fact]
    names: dict[str, str]  # entity key -> the fullest name the article gives
