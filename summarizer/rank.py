"""Ranking stored sentences for a question: which sentence most likely holds its answer.

Used by :mod:`summarizer.answer` for the sentences an answer may rest on, and for
the *related* sentences shown when nothing supports an answer.

1. **Candidates**: the store's full-text index (BM25) with the question's content
   words reduced to their Snowball stems and searched as prefixes ("negotiat*"
   finds "negotiations" and "negotiators"), long Russian words also by their first
   six letters ("вакцин*" finds "вакцинировали" and "вакцинацию").
2. **Reranking** by features that BM25 does not see, each between 0 and 1, in one
   weighted sum (:data:`WEIGHTS`):

   * ``bm25``: the index's own score, relative to the best candidate;
   * ``coverage``: the share of the question's terms in the sentence, each term
     weighed by how rare it is among the candidates (a word every candidate has
     tells little) and by its part of speech (names and nouns over verbs);
   * ``pairs``: pairs of question words that stand next to each other in the
     sentence too ("Super Bowl", "Нобелевская премия");
   * ``proximity``: how close together the matched words are;
   * ``context``: the question's terms the sentence lacks but its neighbours
     (the sentence before and after) have, and its article's title;
   * ``anaphor``: the same again for a sentence that opens with a pronoun ("He was
     a critic of …"), whose subject is named in the sentence before;
   * ``typed``: the sentence holds something of the expected type, not named in the
     question: a person for "who", a date or year for "when", a number for "how
     many", a place for "where";
   * ``article``: how much of the BM25 mass of all candidates falls in the same
     article (a question about one story finds many of its sentences);
   * ``length``: longer sentences (up to 40 words) say more, and more often hold
     the answer besides the question's words.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .pending import read_for_hits
from .stemming import RANK_STOP_WORDS as _STOP
from .stemming import forms
from .store import SentenceHit, Store, StoredMention

#: How much each feature counts (tuned on the even-numbered XQuAD paragraphs, see
#: docs/benchmarks.md; the odd-numbered ones were only measured).
WEIGHTS = {
    "bm25": 1.0,
    "coverage": 1.5,
    "pairs": 0.2,
    "proximity": 0.2,
    "context": 0.3,
    "anaphor": 1.0,
    "typed": 0.5,
    "article": 1.5,
    "length": 0.5,
}
#: Candidates taken from the full-text index before reranking.
POOL = 40

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_ANAPHOR = re.compile(
    r"^(he|she|it|they|this|these|his|her|its|their|он|она|оно|они|это|его|её|их|эти|этот|"
    r"він|вона|воно|вони|це|цей|ці)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DIGIT = re.compile(r"\d")
_MONTHS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    r"век[аеу]?|столети|century|centuries|decade)\w*",
    re.IGNORECASE,
)

TYPES = {
    "who": ("PERSON", "ORG", "NORP"),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "number": ("NUMBER", "MONEY", "PERCENT"),
}


@dataclass
class QueryTerm:
    """One content word of the question, with every form a sentence may have it in."""

    text: str
    forms: frozenset[str]  # stems (and 6-letter prefixes of long Cyrillic words)
    weight: float  # by part of speech: names and nouns count more than verbs
    search: tuple[str, ...]  # what to give the full-text index


@dataclass
class Ranked:
    """A candidate sentence, its features and its score."""

    hit: SentenceHit
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    matched: frozenset[str] = frozenset()  # texts of the question terms it holds
    mentions: list[StoredMention] = field(default_factory=list)


@lru_cache(maxsize=16384)
def sentence_forms(text: str) -> tuple[frozenset[str], ...]:
    """The forms of each word of ``text``, in order."""
    return tuple(frozenset(forms(w)) for w in _WORD.findall(text.lower()))


def _shared_start(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def search_words(word: str) -> list[str]:
    """Full-text search terms for ``word``: its stem as a prefix, and for a long Cyrillic
    word its first six letters. A stem that is no prefix of the word ("medinski" of
    "Medinsky", "compani" of "company") is cut back to what they share: the SQLite
    index holds the words as written, so the stem alone would not find them."""
    out = []
    lower = word.lower()
    for form in forms(word):
        term = form[4:] if form.startswith("pfx:") else form
        if not lower.startswith(term):
            term = _shared_start(term, lower) if len(term) >= 4 else term
        if len(term) >= 3 and term not in out:
            out.append(term)
    if word.lower() not in out and (not out or len(out[0]) < 4):
        out.append(word.lower())
    return out


def rank(
    store: Store,
    terms: Sequence[QueryTerm],
    wh: str,
    asked_keys: Iterable[str] = (),
    asked_words: Iterable[str] = (),
    extra_search: Iterable[str] = (),
    pool: int = POOL,
    weights: dict[str, float] | None = None,
) -> list[Ranked]:
    """The candidate sentences for a question, best first.

    ``terms``: the question's content words; ``wh``: who, where, when, number or
    what; ``asked_keys``: entity keys the question names (a mention of them is not
    an answer); ``asked_words``: the question's words, lower case.
    """
    weights = weights or WEIGHTS
    words: list[str] = []
    for term in terms:
        words.extend(w for w in term.search if w not in words)
    words.extend(w for w in extra_search if w not in words)
    if not words:
        return []
    hits = store.search_sentences(words, limit=pool)
    if not hits:
        return []
    read_for_hits(store, (h.article_id for h in hits))
    mentions = store.mentions_in([(h.article_id, h.position) for h in hits])
    by_sentence: dict[tuple[int, int], list[StoredMention]] = {}
    for m in mentions:
        by_sentence.setdefault((m.article_id, m.position), []).append(m)
    ranked = [Ranked(h, mentions=by_sentence.get((h.article_id, h.position), [])) for h in hits]
    score_features(store, ranked, terms, wh, set(asked_keys), set(asked_words))
    for r in ranked:
        r.score = sum(weights.get(k, 0.0) * v for k, v in r.features.items())
    ranked.sort(key=lambda r: r.score, reverse=True)
    return ranked


def score_features(
    store: Store,
    ranked: list[Ranked],
    terms: Sequence[QueryTerm],
    wh: str,
    asked_keys: set[str],
    asked_words: set[str],
) -> None:
    """Fill in each candidate's features (see the module's docstring)."""
    if not ranked:
        return
    n = len(ranked)
    per_sentence = [sentence_forms(r.hit.text) for r in ranked]
    bags = [frozenset().union(*s) if s else frozenset() for s in per_sentence]
    # a term's weight: its part of speech, times how rare it is among the candidates
    weight = []
    for term in terms:
        df = sum(1 for bag in bags if term.forms & bag)
        weight.append(term.weight * math.log(1 + (n + 1) / (df + 0.5)))
    total = sum(weight) or 1.0
    best = max(r.hit.score for r in ranked) or 1.0
    mass: dict[int, float] = {}
    for r in ranked:
        mass[r.hit.article_id] = mass.get(r.hit.article_id, 0.0) + max(r.hit.score, 0.0)
    all_mass = sum(mass.values()) or 1.0
    neighbours = _neighbours(store, ranked)
    for r, words, bag in zip(ranked, per_sentence, bags, strict=True):
        found = [term.forms & bag for term in terms]
        covered = sum(w for w, f in zip(weight, found, strict=True) if f)
        r.matched = frozenset(t.text for t, f in zip(terms, found, strict=True) if f)
        missing = [k for k, f in enumerate(found) if not f]
        around = neighbours.get((r.hit.article_id, r.hit.position), frozenset())
        title = frozenset(f for ws in sentence_forms(r.hit.title or "") for f in ws)
        context = sum(weight[k] for k in missing if terms[k].forms & (around | title))
        r.features = {
            "bm25": max(r.hit.score, 0.0) / best,
            "coverage": covered / total,
            "pairs": _pairs(terms, words),
            "proximity": _proximity(terms, words),
            "context": context / total,
            "anaphor": context / total if _ANAPHOR.match(r.hit.text) else 0.0,
            "typed": _typed(wh, r, asked_keys, asked_words),
            "article": mass[r.hit.article_id] / all_mass,
            "length": min(1.0, len(words) / 40),
        }


def _neighbours(store: Store, ranked: Sequence[Ranked]) -> dict[tuple[int, int], frozenset[str]]:
    """The forms of the sentences just before and after each candidate."""
    out: dict[tuple[int, int], frozenset[str]] = {}
    cache: dict[tuple[int, int], frozenset[str]] = {
        (r.hit.article_id, r.hit.position): frozenset().union(*sentence_forms(r.hit.text))
        for r in ranked
    }
    for r in ranked:
        art, pos = r.hit.article_id, r.hit.position
        bag: set[str] = set()
        for k in (pos - 1, pos + 1):
            if k < 0:
                continue
            if (art, k) not in cache:
                text = store.sentence(art, k)
                cache[(art, k)] = frozenset().union(*sentence_forms(text)) if text else frozenset()
            bag |= cache[(art, k)]
        out[(art, pos)] = frozenset(bag)
    return out


def _pairs(terms: Sequence[QueryTerm], words: Sequence[frozenset[str]]) -> float:
    """Share of adjacent question-term pairs that are adjacent in the sentence too."""
    if len(terms) < 2:
        return 0.0
    wanted = list(itertools.pairwise(terms))
    hits = 0
    for a, b in wanted:
        for k in range(len(words) - 1):
            if a.forms & words[k] and b.forms & words[k + 1]:
                hits += 1
                break
    return hits / len(wanted)


def _proximity(terms: Sequence[QueryTerm], words: Sequence[frozenset[str]]) -> float:
    """1 when the matched question words stand together, less the wider they spread."""
    positions = [k for k, ws in enumerate(words) if any(t.forms & ws for t in terms)]
    if len(positions) < 2:
        return 0.0
    span = positions[-1] - positions[0] + 1
    return len(positions) / span


def _typed(wh: str, r: Ranked, asked_keys: set[str], asked_words: set[str]) -> float:
    """1 when the sentence holds something of the type the question word expects."""
    text = r.hit.text
    labels = TYPES.get(wh)
    if labels is None:
        return 0.0
    for m in r.mentions:
        if m.label in labels and m.key not in asked_keys:
            if {w.lower() for w in _WORD.findall(m.text)} - asked_words:
                return 1.0
    if wh == "when" and (_YEAR.search(text) or _MONTHS.search(text)):
        return 1.0
    if wh == "number" and _DIGIT.search(text):
        return 1.0
    return 0.0


_POS_WEIGHT = {"PROPN": 1.5, "NUM": 1.2, "NOUN": 1.0, "ADJ": 0.8, "VERB": 0.7, "ADV": 0.5, "X": 0.8}


def query_terms(parsed: Any, skip: Iterable[int] = ()) -> list[QueryTerm]:
    """The content words of a parsed question (:class:`summarizer.nlp.Parsed`), in order,
    each with the forms of the word and of its lemma."""
    skipped = set(skip)
    out: list[QueryTerm] = []
    seen: set[frozenset[str]] = set()
    for t in parsed.tokens:
        word = t.text.lower()
        if t.i in skipped or word in _STOP or not _WORD.fullmatch(word):
            continue
        weight = _POS_WEIGHT.get(t.pos)
        if weight is None:
            continue
        found = set(forms(word))
        if t.lemma and t.lemma != word and _WORD.fullmatch(t.lemma):
            found.update(forms(t.lemma))
        key = frozenset(found)
        if key in seen:
            continue
        seen.add(key)
        search = search_words(word)
        if t.lemma and t.lemma != word:
            search += search_words(t.lemma)
        # a prefix already finds every longer word it starts
        search = [
            w
            for w in dict.fromkeys(search)
            if not any(o != w and w.startswith(o) and len(o) >= 4 for o in search)
        ]
        out.append(QueryTerm(t.text, key, weight, tuple(search)))
    return out
