"""Extracting the article from an HTML page: trafilatura, then fallbacks for thin texts.

A cascade, each stage only where the previous one came back short (under
:data:`SHORT_TEXT_CHARS` characters of text):

1. trafilatura's fast pass (``fast=True``, ``favor_precision``, tables kept), which
   skips trafilatura's own fallback extractors; it gives the text and the metadata.
   On most pages (about 92% of the Zyte pages) this is the answer.
2. trafilatura in full (its readability and jusText comparisons included); its text
   replaces the fast pass's. The metadata is the same in both passes, so it is read
   again only when the fast pass found nothing.
3. readability-lxml; its text replaces trafilatura's when trafilatura's looks *thin*:
   empty or too short for an article, or a fraction of readability's while
   readability's contains nearly all of it (:func:`prefer_fallback`).

The cascade and its threshold were chosen on the Zyte benchmark (``python -m
bench.extraction``); why, with the figures: ``docs/decisions.md``.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from .article import Article
from .errors import NotAnArticle

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 200
#: a text shorter than this is checked by the next stage of the cascade (see above)
SHORT_TEXT_CHARS = 700
#: readability's text replaces trafilatura's when it has at least this many times the words
THIN_RATIO = 2.0
#: ... and holds at least this share of trafilatura's words (so it is the same body, more of it)
THIN_COVERAGE = 0.95
_SPACE = re.compile(r"[ \t\u00a0]+")
_TOKEN = re.compile(r"\w+")
_BLOCKS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr",
    "blockquote", "pre", "figure", "figcaption", "table", "section", "article",
)  # fmt: skip


def extract_html(html: str, url: str | None = None) -> Article:
    """Extract the main text and metadata of the article in ``html``.

    Raises :class:`NotAnArticle` when the page has no article body of at
    least :data:`MIN_TEXT_CHARS` characters.
    """
    doc = _trafilatura(html, url, fast=True)
    title = _title(doc)
    text = _text(doc, title)
    if len(text) < SHORT_TEXT_CHARS:
        # the metadata is the fast pass's: read again only if that pass found nothing
        full = _trafilatura(html, url, fast=False, metadata=doc is None)
        if full is not None:
            if doc is None:
                doc, title = full, _title(full)
            text = _text(full, title)
    if len(text) < SHORT_TEXT_CHARS:
        text, title = _readability_vote(html, url, text, title)
    if not text:
        raise NotAnArticle("extract.no_text")
    if len(text) < MIN_TEXT_CHARS:
        raise NotAnArticle("extract.too_little")
    return Article(
        text=text,
        url=url or (getattr(doc, "url", None) if doc is not None else None),
        title=title,
        published=(getattr(doc, "date", None) or None) if doc is not None else None,
        author=(getattr(doc, "author", None) or None) if doc is not None else None,
        site=(doc.sitename or doc.hostname or None) if doc is not None else None,
        language=None,
    )


def _title(doc: Any) -> str | None:
    return ((getattr(doc, "title", None) or "").strip() or None) if doc is not None else None


def _text(doc: Any, title: str | None) -> str:
    return _paragraphs((getattr(doc, "text", None) or "") if doc is not None else "", title)


def _readability_vote(
    html: str, url: str | None, text: str, title: str | None
) -> tuple[str, str | None]:
    """(text, title): readability's where :func:`prefer_fallback` prefers it, else the given."""
    fallback = _readability(html, url)
    if fallback is None:
        return text, title
    read_title, other = fallback
    # readability parses the page again for its title: only when trafilatura found none
    other_title = title or read_title()
    other = _paragraphs(other, other_title)
    if prefer_fallback(text, other):
        logger.debug("readability's text replaces trafilatura's on %s", url)
        return other, other_title
    return text, title


def prefer_fallback(text: str, other: str) -> bool:
    """Whether readability's ``other`` should replace trafilatura's ``text``.

    Yes when ``text`` is too short for an article and ``other`` is not, or when
    ``other`` has :data:`THIN_RATIO` times the words of ``text`` and contains at
    least :data:`THIN_COVERAGE` of them (multiset overlap of lowercase words).
    """
    if len(other) < MIN_TEXT_CHARS:
        return False
    if len(text) < MIN_TEXT_CHARS:
        return True
    mine, theirs = _words(text), _words(other)
    size, other_size = sum(mine.values()), sum(theirs.values())
    if not size or other_size < THIN_RATIO * size:
        return False
    return sum((mine & theirs).values()) >= THIN_COVERAGE * size


def _words(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def _paragraphs(raw: str, title: str | None) -> str:
    """Lines with spaces collapsed, blank ones and the title line dropped; joined by blank lines."""
    lines = [_SPACE.sub(" ", line).strip() for line in raw.split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    return "\n\n".join(lines)


def _trafilatura(html: str, url: str | None, *, fast: bool, metadata: bool = True) -> Any:
    """trafilatura's ``Document`` for the page (None if it found no text or failed).

    ``fast`` skips trafilatura's own fallback extractors; without ``metadata`` the
    document has the text only (the metadata is about 40% of a fast pass). Each pass
    parses the string itself: a tree parsed once and handed over would save little,
    as trafilatura copies a tree it is given, and its own parse repairs faulty HTML.
    """
    import trafilatura

    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            fast=fast,
            with_metadata=metadata,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
        )
    except Exception as exc:  # trafilatura raises a range of lxml errors on junk
        logger.debug("trafilatura failed on %s: %r", url, exc)
        return None


@lru_cache(maxsize=1)
def _document_class() -> Any:
    """readability-lxml's ``Document``, cleaning the page for its text only.

    readability cleans every page with a ``Cleaner`` that also strips JavaScript from
    links and event attributes (rewriting every link of the page): that is a third of
    its time, and no text changes. Ours is readability's own cleaner without that step.
    """
    from readability import Document
    from readability.cleaners import html_cleaner
    from readability.htmls import build_doc

    cleaner = copy.copy(html_cleaner)
    cleaner.javascript = False

    class TextDocument(Document):  # type: ignore[misc]
        def _parse(self, input: Any) -> Any:
            doc, self.encoding = build_doc(input)
            cleaner(doc)  # in place; links stay as written (no URL: they are not read)
            return doc

    return TextDocument


def _readability(html: str, url: str | None) -> tuple[Callable[[], str | None], str] | None:
    """(title, text) of the page by readability-lxml; None if it fails or is not installed.

    The title comes as a function: readability parses the whole page again to find it,
    so it is read only when needed. Links are not made absolute (no URL is given to
    readability): that costs time and changes no text.
    """
    try:
        import lxml.html

        document_class = _document_class()
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        document = document_class(html)
        root = lxml.html.fromstring(document.summary(html_partial=True))
        for block in root.iter(*_BLOCKS):
            block.tail = "\n" + (block.tail or "")
            if block.tag != "br":
                block.text = "\n" + (block.text or "")
        return partial(_short_title, document, url), root.text_content()
    except Exception as exc:  # readability raises lxml and its own errors on junk
        logger.debug("readability failed on %s: %r", url, exc)
        return None


def _short_title(document: Any, url: str | None) -> str | None:
    try:
        return (document.short_title() or "").strip() or None
    except Exception as exc:  # as above
        logger.debug("readability found no title on %s: %r", url, exc)
        return None
