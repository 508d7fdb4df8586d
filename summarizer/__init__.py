"""newsbot's library: read news articles, summarize them extractively, store them.

No Telegram here. The stages are modules of their own, in pipeline order:
:mod:`~summarizer.fetch` (aiohttp, guarded), :mod:`~summarizer.extract`
(trafilatura) and :mod:`~summarizer.plaintext` (text dumps),
:mod:`~summarizer.language`, :mod:`~summarizer.sentences`,
:mod:`~summarizer.summarize` and :mod:`~summarizer.store`;
:mod:`~summarizer.core` runs them in order and :mod:`~summarizer.watch`
handles channels and feeds. Errors are listed in :mod:`~summarizer.errors`.
"""

from .article import Article
from .errors import BadInput, FetchError, FetchFailed, FetchRefused, NewsbotError, NotAnArticle

__version__ = "0.1.0"

__all__ = [
    "Article",
    "BadInput",
    "FetchError",
    "FetchFailed",
    "FetchRefused",
    "NewsbotError",
    "NotAnArticle",
    "__version__",
]
