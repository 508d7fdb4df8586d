"""What a digest holds: keyword filters, and articles that tell one story merged.

Articles that tell the same story (same link, or near-identical titles or
summaries) are merged into one :class:`Story` that lists every source; the
stories that most sources carried come first, then the freshest. Keyword
filters (``/filter +word -word``) keep or drop whole stories, matching whole
words and phrases on titles and summaries, ignoring case and accents. User
text is never a regular expression.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from summarizer import normalize_url
from summarizer.store import DigestCandidate

from . import texts

SUMMARY_SENTENCES = 3  # of each story's lead, shown and compared
MAX_FILTER_TERMS = 20
MAX_TERM_CHARS = 60


# -- filters ------------------------------------------------------------------------------


def match_form(text: str) -> str:
    """Lower case without accents, script kept: "Société" → "societe", "Ёлка" → "елка".

    (Not :func:`summarizer.entities.fold`, which also transliterates Cyrillic for name
    keys: a filter on "Киев" must not keep stories about "Kiev".)
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", match_form(text)))


_FILTER_TERM = re.compile(r"\s*([+-])\s*(?:\"([^\"]+)\"|“([^”]+)”|«([^»]+)»|([^\s\"“«]+))")


@dataclass
class FilterChange:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    clear: bool = False


def parse_filter(text: str) -> FilterChange:
    """``+word -word +"a phrase"`` or ``clear``. ValueError(html reply) on anything else."""
    body = text.strip()
    if body.lower() in {"clear", "off", "reset", "none"}:
        return FilterChange(clear=True)
    change = FilterChange()
    position = 0
    while position < len(body):
        match = _FILTER_TERM.match(body, position)
        if not match:
            raise ValueError(texts.filter_usage(body[position:].strip()))
        term = " ".join(next(g for g in match.groups()[1:] if g is not None).split())
        if not words(term) or len(term) > MAX_TERM_CHARS:
            raise ValueError(texts.filter_usage(term))
        (change.include if match.group(1) == "+" else change.exclude).append(term)
        position = match.end()
        while position < len(body) and body[position].isspace():
            position += 1
    return change


def apply_filter_change(
    include: Sequence[str], exclude: Sequence[str], change: FilterChange
) -> tuple[list[str], list[str]]:
    """The new (include, exclude): a term moves to the list it was last given with."""
    if change.clear:
        return [], []
    new_include, new_exclude = list(include), list(exclude)
    for term, target, other in [(t, new_include, new_exclude) for t in change.include] + [
        (t, new_exclude, new_include) for t in change.exclude
    ]:
        key = words(term)
        other[:] = [t for t in other if words(t) != key]
        if all(words(t) != key for t in target):
            target.append(term)
    if len(new_include) + len(new_exclude) > MAX_FILTER_TERMS:
        raise ValueError(texts.too_many_filters(MAX_FILTER_TERMS))
    return new_include, new_exclude


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return False
    size = len(needle)
    first = needle[0]
    return any(
        haystack[i] == first and haystack[i : i + size] == needle
        for i in range(len(haystack) - size + 1)
    )


class KeywordFilter:
    """Whole words and phrases, case- and accent-insensitive. Never a regular expression."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self.include = [words(t) for t in include if words(t)]
        self.exclude = [words(t) for t in exclude if words(t)]

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def allows(self, texts_: Sequence[str]) -> bool:
        tokens = [words(t) for t in texts_ if t]
        if any(_contains(t, term) for term in self.exclude for t in tokens):
            return False
        if self.include:
            return any(_contains(t, term) for term in self.include for t in tokens)
        return True


# -- what ---------------------------------------------------------------------------------


@dataclass
class Story:
    """One story told by one or more articles (near-duplicates merged)."""

    members: list[DigestCandidate]

    @property
    def lead(self) -> DigestCandidate:
        # the fullest telling: most summary sentences, then the first stored
        return max(self.members, key=lambda c: (len(c.stored.summary), -c.stored.id))

    @property
    def sources(self) -> list[tuple[str, str]]:
        """(name, link) of every source that carried the story, without repeats."""
        seen: dict[str, str] = {}
        for member in sorted(self.members, key=lambda c: c.stored.id):
            url = member.stored.article.url or ""
            names = [source_name(*s) for s in member.sources] or [_site(member)]
            for name in names:
                if name and name not in seen:
                    seen[name] = url
        return list(seen.items())

    @property
    def newest(self) -> str:
        return max(c.stored.ingested_at for c in self.members)

    def texts(self) -> list[str]:
        out: list[str] = []
        for member in self.members:
            out.append(member.stored.article.title or "")
            out.extend(member.stored.summary)
        return out


def source_name(kind: str, key: str, url: str, *, short: bool = True) -> str:
    """A source as users see it: ``@channel``; a feed's or page's site (``short``) or URL.

    The URL (``short=False``) is for lists the user acts on (``/sources``, ``/unwatch``).
    """
    if kind == "channel":
        return f"@{key}"
    if not short:
        return url
    if kind == "admin":
        tail = url.rstrip("/").rsplit("/", 1)[-1]
        if tail and not tail.lstrip("-").isdigit() and tail != "c":
            return f"@{tail}"
        return texts.UNNAMED_CHANNEL
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _site(member: DigestCandidate) -> str:
    article = member.stored.article
    if article.site:
        return article.site
    host = urlsplit(article.url or "").hostname or ""
    return host.removeprefix("www.")


_STOP = frozenset(
    "the a an and or of to in on for at by with from as is are was were be has have had "
    "it its this that after over into about new says said и в во на с со по за из к от для "
    "о об что как не а но і та у з до від".split()
)


def _title_set(member: DigestCandidate) -> frozenset[str]:
    return frozenset(w for w in words(member.stored.article.title or "") if w not in _STOP)


def _shingles(member: DigestCandidate) -> frozenset[tuple[str, ...]]:
    tokens = words(" ".join(member.stored.summary[:SUMMARY_SENTENCES]))
    return frozenset(tokens[i : i + 3] for i in range(max(0, len(tokens) - 2)))


def _similar(a: frozenset[Any], b: frozenset[Any], threshold: float, minimum: int) -> bool:
    if len(a) < minimum or len(b) < minimum:
        return False
    shared = len(a & b)
    return shared >= minimum and shared / len(a | b) >= threshold


def group_stories(candidates: Sequence[DigestCandidate]) -> list[Story]:
    """Merge articles that tell the same story, most important (sources, freshness) first."""
    parent = list(range(len(candidates)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_url: dict[str, int] = {}
    for index, member in enumerate(candidates):
        url = member.stored.article.url
        if url:
            key = normalize_url(url)
            if key in by_url:
                join(index, by_url[key])
            else:
                by_url[key] = index
    titles = [_title_set(c) for c in candidates]
    shingles = [_shingles(c) for c in candidates]
    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            if root(i) == root(j):
                continue
            if _similar(titles[i], titles[j], 0.6, 3) or _similar(shingles[i], shingles[j], 0.4, 4):
                join(i, j)
    groups: dict[int, list[DigestCandidate]] = {}
    for index, member in enumerate(candidates):
        groups.setdefault(root(index), []).append(member)
    stories = [Story(members) for members in groups.values()]
    stories.sort(key=lambda s: s.newest, reverse=True)
    stories.sort(key=lambda s: len(s.sources), reverse=True)  # stable: freshness breaks ties
    return stories


def grouped(candidates: list[DigestCandidate]) -> list[Story]:
    # subscribers with the same sources and watermark share the work (a fan-out hits this)
    key = tuple(c.stored.id for c in candidates)
    index = {c.stored.id: c for c in candidates}
    return [Story([index[i] for i in ids]) for ids in _grouped_ids(key, _CandidateBag(candidates))]


class _CandidateBag:
    """Carries the candidates into the cache without making them part of its key."""

    def __init__(self, candidates: list[DigestCandidate]) -> None:
        self.candidates = candidates

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _CandidateBag)


@lru_cache(maxsize=64)
def _grouped_ids(key: tuple[int, ...], bag: _CandidateBag) -> list[list[int]]:
    return [[m.stored.id for m in s.members] for s in group_stories(bag.candidates)]


# -- sending ---------------------------------------------------------------------------------
