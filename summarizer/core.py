"""The pipeline, end to end: read → language → sentences → summary → facts → store.

This is the one module that orchestrates the stages (like trafilatura's
``core.py``); the CLI and the bot call these functions and nothing below them.
Reading may be async (it fetches); the NLP stages are plain functions, so the
bot can run them in an executor.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import memory
from .article import Article
from .errors import BadInput, FetchError, FetchRefused, NewsbotError, NotAnArticle
from .extract import extract_html
from .facts import Analysis, Fact, analyse
from .fetch import Fetcher, Page
from .language import SUPPORTED, detect_language, written_in
from .plaintext import read_text, site_of
from .sentences import split_sentences
from .store import IngestResult, Source, Store
from .summarize import DEFAULT_ALGORITHM, summarize_sentences

logger = logging.getLogger(__name__)

T = TypeVar("T")

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MAX_FILE_BYTES = 5_000_000


@dataclass
class Digest:
    """An article with its sentences and its extractive summary."""

    article: Article
    sentences: list[str]
    summary: list[str]
    analysis: Analysis | None = None
    #: the facts are to be read later, from the store (:func:`summarizer.pending.read_pending`)
    facts_pending: bool = False

    def to_json(self) -> dict[str, object]:
        a = self.article
        return {
            "title": a.title,
            "url": a.url,
            "published": a.published,
            "language": a.language,
            "site": a.site,
            "via": a.via,
            "summary": list(self.summary),
            "facts": [fact_json(f, self.sentences) for f in self.analysis.facts]
            if self.analysis
            else [],
        }


def fact_json(fact: Fact, sentences: list[str]) -> dict[str, object]:
    """One fact as the CLI's JSON shows it."""
    out: dict[str, object] = {
        "kind": fact.kind,
        "subject": fact.subject,
        "predicate": fact.predicate,
        "object": fact.object,
        "sentence": sentences[fact.position],
    }
    if fact.detail:
        out["detail"] = fact.detail
    return out


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def default_count(sentence_count: int) -> int:
    """How many sentences a summary has by default: 3 to 5, growing with the article."""
    if sentence_count < 15:
        return 3
    if sentence_count < 30:
        return 4
    return 5


# -- reading ----------------------------------------------------------------


def read_file(path: str | Path, *, tme_url: str = "https://t.me") -> Article:
    """Read an article from a local ``.html``/``.htm`` or ``.txt`` file.

    Errors name the file as it was given (``file:///etc/passwd``, not the path
    ``file:/etc/passwd`` it would make); a URL of another scheme than http(s) that is
    no file here is refused as such.
    """
    given = str(path)
    path = Path(path)
    if not path.exists():
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", given)
        if scheme:
            raise FetchRefused("core.url_scheme", value=given, scheme=scheme.group(1))
        raise BadInput("core.file_missing", path=given)
    if path.is_dir():
        raise BadInput("core.file_is_folder", path=given)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput("core.file_too_large", path=given, limit=MAX_FILE_BYTES // 1_000_000)
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput("core.file_unreadable", path=given, reason=exc.strerror or exc) from exc
    return read_document(data, name=path.name, tme_url=tme_url)


def read_document(
    data: bytes | str,
    *,
    name: str | None = None,
    url: str | None = None,
    tme_url: str = "https://t.me",
) -> Article:
    """Read an article from HTML or plain text, deciding which by name or content."""
    text = data if isinstance(data, str) else _decode(data)
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
        article = extract_html(text, url=url)
    else:
        article = read_text(text, name=name, tme_url=tme_url)
        if url and not article.url:
            article.url = url
    return article


async def read_url(url: str, fetcher: Fetcher) -> Article:
    """Fetch ``url`` and extract its article."""
    page = await fetcher.fetch(url)
    return article_from_page(page)


def article_from_page(page: Page) -> Article:
    """The article of a fetched page, always under the URL it was fetched from, and shown
    as from the host it was fetched from.

    A URL the text claims for itself (a bare link line of a text dump) is kept only
    as ``extra["claimed_url"]``: it is never the stored URL, so a page cannot plant its
    text under another site's address (where it would pass for that site's article and
    spare its fetch). The site a page names itself (``og:site_name``, or the host of
    its ``rel=canonical`` or ``og:url``) is kept only as ``extra["claimed_site"]``.
    A big page is read alone (:func:`summarizer.memory.one_big_input`).
    """
    with memory.one_big_input(len(page.text)):
        return _article_from_page(page)


def _article_from_page(page: Page) -> Article:
    if page.content_type.startswith("text/plain"):
        article = read_text(page.text)
        if article.url and article.url != page.url:
            article.extra["claimed_url"] = article.url
            article.site = site_of(page.url)
        article.url = page.url
        return article
    article = extract_html(page.text, url=page.url)
    fetched = site_of(page.url)
    if article.site and article.site != fetched:
        article.extra["claimed_site"] = article.site
    article.site = fetched
    return article


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return (
        head.startswith(("<!doctype html", "<html", "<?xml"))
        or "<body" in head
        or (head.startswith("<") and "</" in text[:5000])
    )


# -- NLP --------------------------------------------------------------------


def summarize_article(
    article: Article,
    *,
    count: int | None = None,
    algorithm: str = DEFAULT_ALGORITHM,
    language: str = "auto",
    facts: bool = True,
) -> Digest:
    """Detect the language, split the sentences, summarize ``article`` and find its facts.

    Facts are found only in English, Russian and Ukrainian: an article detected
    (``language="auto"``) to be in another language is summarized, with no facts.
    ``facts=False`` leaves them for later: :func:`store_digest` stores the article
    with its facts pending, and :func:`summarizer.pending.read_pending` reads them
    when first needed (parsing is most of the cost of an article).
    CPU-bound: the bot calls it in an executor.
    """
    if language not in ("auto", *SUPPORTED):
        raise BadInput("core.language", language=language, languages=", ".join(SUPPORTED))
    if count is not None and count < 1:
        raise BadInput("core.count")
    if language == "auto":
        text = " ".join(filter(None, [article.title, article.text]))
        language = detect_language(text)
        # the parsers read only en, ru and uk: on any other language they find junk facts
        # (read_pending checks the same when the facts are read later)
        facts = facts and written_in(text, language)
    article.language = language
    notes = list(article.extra.get("notes", []))
    sentences = split_sentences(article.text, language, notes)
    if notes:  # budgets reached (summarizer.budgets): said with the summary
        article.extra["notes"] = notes
    if not sentences:
        raise NotAnArticle("core.no_sentences")
    summary = summarize_sentences(
        sentences,
        language=language,
        count=count or default_count(len(sentences)),
        algorithm=algorithm,
        title=article.title,
    )
    if facts:
        return Digest(article, sentences, summary, analyse(sentences, language))
    return Digest(article, sentences, summary, facts_pending=True)


digest = summarize_article  # the name it had; bot/digest.py's digests are another thing


def store_digest(store: Store, result: Digest) -> IngestResult:
    """Store one digested article (deduplicated by URL and by text), in one transaction."""
    return store.add_article(
        result.article,
        result.sentences,
        result.summary,
        result.analysis,
        facts_pending=result.facts_pending,
    )


def summarize_and_store(
    store: Store, article: Article, via: str | None = None, facts: bool = False
) -> IngestResult:
    """The one ingest step every path takes: summarize ``article`` and store it.

    CPU-bound and writing: async callers run it with :func:`off_loop`.
    """
    if via and not article.via:
        article.via = via
    with memory.one_big_input(len(article.text)):
        result = store_digest(store, summarize_article(article, facts=facts))
    result.notes = list(article.extra.get("notes", []))
    return result


async def off_loop(func: Callable[..., T], *args: Any) -> T:
    """Run blocking ``func(*args)`` in the loop's default executor."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args))


# -- ingesting many -----------------------------------------------------------


@dataclass
class IngestReport:
    added: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    #: (item, what was left out): a cap reached, which is no failure
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: a polled source's own error (not an item's), when the poll failed on it
    source_error: NewsbotError | None = None


def expand_paths(items: Iterable[str]) -> list[str]:
    """Files inside the folders among ``items`` (text and HTML files, sorted); the rest as is."""
    out: list[str] = []
    for item in items:
        path = Path(item)
        if not is_url(item) and path.is_dir():
            out.extend(
                str(p)
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES
                and p.name.upper() != "SOURCES.MD"
            )
        else:
            out.append(item)
    return out


#: URLs fetched ahead of the article being digested when ingesting many
FETCH_AHEAD = 4


async def ingest_one(
    item: str,
    store: Store,
    fetcher: Fetcher | None,
    *,
    tme_url: str = "https://t.me",
    via: str | None = None,
    facts: bool = False,
) -> IngestResult:
    """Read, digest and store one URL or file. Skips the fetch when the URL is stored.

    The facts are left pending (read when first needed) unless ``facts``.
    """
    read = await _read_item(item, store, fetcher, tme_url)
    if isinstance(read, IngestResult):
        return read
    return await off_loop(summarize_and_store, store, read, via, facts)


async def _read_item(
    item: str, store: Store, fetcher: Fetcher | None, tme_url: str
) -> Article | IngestResult:
    """The article ``item`` names, or the stored one when its URL is stored already."""
    if is_url(item):
        existing = store.find_article(url=item)
        if existing is not None:
            return IngestResult(existing, created=False)
        if fetcher is None:
            raise BadInput("core.no_fetcher")
        return await read_url(item, fetcher)
    return read_file(item, tme_url=tme_url)


async def ingest_items(
    items: Iterable[str],
    store: Store,
    fetcher: Fetcher | None,
    *,
    tme_url: str = "https://t.me",
    progress: Callable[[str], None] | None = None,
    facts: bool = False,
    ahead: int = FETCH_AHEAD,
) -> IngestReport:
    """Ingest files and article URLs in order; one failure never stops the rest.

    Up to ``ahead`` later items are read (fetched) while one is digested, so the
    waits on the network overlap the work. The facts are left pending unless ``facts``.
    """
    report = IngestReport()
    queue: deque[tuple[str, asyncio.Future[Article | IngestResult]]] = deque()
    rest = iter(items)

    def read_ahead() -> None:
        while len(queue) <= ahead:
            item = next(rest, None)
            if item is None:
                return
            queue.append((item, asyncio.ensure_future(_read_item(item, store, fetcher, tme_url))))

    read_ahead()
    try:
        while queue:
            item, reading = queue.popleft()
            read_ahead()
            try:
                read = await reading
                if isinstance(read, IngestResult):
                    result = read
                else:
                    result = await off_loop(summarize_and_store, store, read, None, facts)
            except NewsbotError as exc:
                report.failed.append((item, str(exc)))
            else:
                (report.added if result.created else report.duplicates).append(result.article_id)
                report.notes.extend((item, n) for n in result.notes)
            if progress:
                progress(item)
    finally:
        for _item, reading in queue:  # cancelled or failed part-way: stop the reads under way
            reading.cancel()
        if queue:
            await asyncio.gather(*(reading for _item, reading in queue), return_exceptions=True)
    return report


__all__ = [
    "Digest",
    "FetchError",
    "IngestReport",
    "Source",
    "default_count",
    "digest",
    "expand_paths",
    "ingest_items",
    "ingest_one",
    "off_loop",
    "read_document",
    "read_file",
    "read_url",
    "store_digest",
    "summarize_and_store",
    "summarize_article",
]
