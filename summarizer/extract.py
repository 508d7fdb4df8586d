"""Extracting the article from an HTML page (trafilatura)."""

from __future__ import annotations

import logging
import re
from typing import Any

from .article import Article
from .errors import NotAnArticle

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 200
_SPACE = re.compile(r"[ \t\u00a0]+")


def extract_html(html: str, url: str | None = None) -> Article:
    """Extract the main text and metadata of the article in ``html``.

    Raises :class:`NotAnArticle` when the page has no article body of at
    least :data:`MIN_TEXT_CHARS` characters.
    """
    import trafilatura

    doc: Any
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=False,
        )
    except Exception as exc:  # trafilatura raises a range of lxml errors on junk
        logger.debug("trafilatura failed on %s: %r", url, exc)
        doc = None
    if doc is None or not getattr(doc, "text", None):
        raise NotAnArticle("no article text was found on the page")
    title = (doc.title or "").strip() or None
    lines = [_SPACE.sub(" ", line).strip() for line in doc.text.split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]
    text = "\n\n".join(lines)
    if len(text) < MIN_TEXT_CHARS:
        raise NotAnArticle("the page holds too little text to be an article")
    return Article(
        text=text,
        url=url or doc.url,
        title=title,
        published=doc.date or None,
        author=doc.author or None,
        site=doc.sitename or doc.hostname or None,
        language=None,
    )
