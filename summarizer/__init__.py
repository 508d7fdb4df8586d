"""newsbot's library: read news articles, summarize them extractively, store them, answer.

No Telegram here. The stages are modules of their own, in pipeline order:
:mod:`~summarizer.fetch` (aiohttp, guarded), :mod:`~summarizer.extract`
(trafilatura) and :mod:`~summarizer.plaintext` (text dumps),
:mod:`~summarizer.language`, :mod:`~summarizer.sentences`,
:mod:`~summarizer.summarize`, :mod:`~summarizer.facts` and
:mod:`~summarizer.store`; :mod:`~summarizer.core` runs them in order,
:mod:`~summarizer.watch` handles channels and feeds, :mod:`~summarizer.answer`
answers questions. Errors are listed in :mod:`~summarizer.errors`.

This module is the public API: the names in ``__all__`` (and the
:mod:`summarizer.store` package) are what the bot and other callers use. Each
is imported when first used, so ``import summarizer`` loads no model and no
stage it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, name there)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Settings": ("config", "Settings"),
    "Article": ("article", "Article"),
    # errors
    "BadInput": ("errors", "BadInput"),
    "FetchError": ("errors", "FetchError"),
    "FetchFailed": ("errors", "FetchFailed"),
    "FetchRefused": ("errors", "FetchRefused"),
    "NewsbotError": ("errors", "NewsbotError"),
    "NotAnArticle": ("errors", "NotAnArticle"),
    "ERROR_MESSAGES": ("errors", "MESSAGES"),
    "parse_error": ("errors", "parse"),
    # reading
    "Fetcher": ("fetch", "Fetcher"),
    "check_url": ("fetch", "check_url"),
    "extract_html": ("extract", "extract_html"),
    "read_text": ("plaintext", "read_text"),
    "read_document": ("core", "read_document"),
    "read_file": ("core", "read_file"),
    "read_url": ("core", "read_url"),
    "is_url": ("core", "is_url"),
    "expand_paths": ("core", "expand_paths"),
    "normalize_url": ("urls", "normalize_url"),
    "find_urls": ("urls", "find_urls"),
    "URL_RE": ("urls", "URL_RE"),
    # summarizing and storing
    "ALGORITHMS": ("summarize", "ALGORITHMS"),
    "DEFAULT_ALGORITHM": ("summarize", "DEFAULT_ALGORITHM"),
    "Digest": ("core", "Digest"),
    "summarize_article": ("core", "summarize_article"),
    "store_digest": ("core", "store_digest"),
    "IngestReport": ("core", "IngestReport"),
    "off_loop": ("core", "off_loop"),
    "limit_arenas": ("memory", "limit_arenas"),
    "read_pending": ("pending", "read_pending"),
    "read_all_pending": ("pending", "read_all_pending"),
    # sources
    "ADMIN_KIND": ("watch", "ADMIN_KIND"),
    "ChannelPost": ("sources", "ChannelPost"),
    "parse_source": ("sources", "parse_source"),
    "ingest_any": ("watch", "ingest_any"),
    "ingest_link": ("watch", "ingest_link"),
    "ingest_post": ("watch", "ingest_post"),
    "poll_all": ("watch", "poll_all"),
    "poll_source": ("watch", "poll_source"),
    "not_a_source": ("watch", "not_a_source"),
    # answering
    "EntityFacts": ("answer", "EntityFacts"),
    "answer_question": ("answer", "answer_question"),
    "facts_about": ("answer", "facts_about"),
    "known_entities": ("answer", "known_entities"),
    "sample_questions": ("answer", "sample_questions"),
}

__all__ = [
    "ADMIN_KIND",
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "ERROR_MESSAGES",
    "URL_RE",
    "Article",
    "BadInput",
    "ChannelPost",
    "Digest",
    "EntityFacts",
    "FetchError",
    "FetchFailed",
    "FetchRefused",
    "Fetcher",
    "IngestReport",
    "NewsbotError",
    "NotAnArticle",
    "Settings",
    "__version__",
    "answer_question",
    "check_url",
    "expand_paths",
    "extract_html",
    "facts_about",
    "find_urls",
    "ingest_any",
    "ingest_link",
    "ingest_post",
    "is_url",
    "known_entities",
    "limit_arenas",
    "normalize_url",
    "not_a_source",
    "off_loop",
    "parse_error",
    "parse_source",
    "poll_all",
    "poll_source",
    "read_all_pending",
    "read_document",
    "read_file",
    "read_pending",
    "read_text",
    "read_url",
    "sample_questions",
    "store_digest",
    "summarize_article",
]


def __getattr__(name: str) -> Any:
    """PEP 562: a public name's module is imported the first time the name is used."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from .answer import (
        EntityFacts,
        answer_question,
        facts_about,
        known_entities,
        sample_questions,
    )
    from .article import Article
    from .config import Settings
    from .core import (
        Digest,
        IngestReport,
        expand_paths,
        is_url,
        off_loop,
        read_document,
        read_file,
        read_url,
        store_digest,
        summarize_article,
    )
    from .errors import MESSAGES as ERROR_MESSAGES
    from .errors import (
        BadInput,
        FetchError,
        FetchFailed,
        FetchRefused,
        NewsbotError,
        NotAnArticle,
    )
    from .errors import parse as parse_error
    from .extract import extract_html
    from .fetch import Fetcher, check_url
    from .memory import limit_arenas
    from .pending import read_all_pending, read_pending
    from .plaintext import read_text
    from .sources import ChannelPost, parse_source
    from .summarize import ALGORITHMS, DEFAULT_ALGORITHM
    from .urls import URL_RE, find_urls, normalize_url
    from .watch import (
        ADMIN_KIND,
        ingest_any,
        ingest_link,
        ingest_post,
        not_a_source,
        poll_all,
        poll_source,
    )
