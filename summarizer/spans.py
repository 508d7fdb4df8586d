"""Short answers taken out of one sentence: the span that answers a question.

Given a question (its expected type and content words) and a sentence that may
answer it, :func:`extract` lists candidate spans, best first, each with a score
between 0 and 1:

* **candidates**: the named entities of the sentence's parse (spaCy for English,
  natasha for Russian and Ukrainian), its numbers, years and dates (by pattern),
  and its noun phrases (a noun with its determiners, adjectives, compounds and
  numbers, then the same with an "of …" or genitive complement);
* **type**: how well the candidate fits what the question word asks for (who →
  a person, else an organisation; when → a date or year; how many → a number;
  where → a place; what/which → a noun phrase or name, a date for "what year",
  a number for "what percentage");
* **novelty**: an answer says something the question does not: a candidate
  made only of the question's own words is no answer, one half made of them
  counts less;
* **closeness**: answers stand near the words the question and the sentence
  share, and often hang from them in the parse;
* **length**: short answers (one to four words) are likelier than long ones.

Nothing here knows any data set: only question words, parse labels and patterns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .fitted import Model, load
from .nlp import Parsed, Token, parse
from .stemming import SPAN_STOP_WORDS as _STOP
from .stemming import forms

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})(?:s|-е|-х)?\b")
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|"
    r"сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья])"
)
_DATES = [
    re.compile(rf"\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{3,4}})?(?:\s+(?:года|г\.))?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{3,4}})?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+\d{{3,4}}(?:\s+(?:года|г\.))?", re.IGNORECASE),
    re.compile(
        r"\b(?:\d{1,2}(?:st|nd|rd|th)|[IVXLC]+|\d{1,2}-?(?:м|го|й))\s+"
        r"(?:century|centuries|веке?|века|столетии?)",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:in|since|by|until|from|в|с|до|к)\s+(\d{3,4})(?:s)?\b", re.IGNORECASE),
    _YEAR,
]
_NUMBER = re.compile(
    r"(?:[$€£]\s?)?\b\d[\d,.\s]*\d(?:\s?%)?|(?:[$€£]\s?)?\b\d(?:\s?%)?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|dozens?|один|одна|два|две|три|четыре|пять|шесть|семь|восемь|"
    r"девять|десять)\b",
    re.IGNORECASE,
)
#: A unit or scale written onto the number ("£10bn", "912km", "31p"): part of the answer.
_ATTACHED = re.compile(r"^(?:bn|m|k|km|kg|mph|ft|p|pc|mln|mn)\b", re.IGNORECASE)
_AMOUNTS = frozenset({"MONEY", "QUANTITY", "CARDINAL"})
_SCALE = re.compile(
    r"^\s*(?:million|billion|trillion|thousand|hundred|percent|per cent|%|млн|млрд|тыс|"
    r"миллион\w*|миллиард\w*|тысяч\w*|процент\w*)\.?",
    re.IGNORECASE,
)
# what the question's head noun says is wanted ("what year", "какой процент")
_WANTS_DATE = re.compile(
    r"\b(what|which|in what|в каком|какого|какой|в какой|какое)\s+"
    r"(year|years|century|decade|date|day|month|time|period|году|год|веке|век|века|"
    r"десятилетии|дату|дата|день|месяце|период)\b",
    re.IGNORECASE,
)
_WANTS_NUMBER = re.compile(
    r"\b(how (many|much|long|old|far|large|big|tall|high|fast)|what (percentage|percent|"
    r"proportion|number|amount|size|population|age)|сколько|какой процент|какова доля|какое "
    r"количество|какова численность|какой (размер|возраст))\b",
    re.IGNORECASE,
)
_NP_LEFT = {
    "det", "amod", "compound", "nummod", "nmod:poss", "poss", "flat", "flat:name",
    "flat:foreign", "advmod", "case", "punct", "npadvmod", "obl:npmod", "quantmod",
}  # fmt: skip
_NP_RIGHT = {"compound", "flat", "flat:name", "flat:foreign", "nummod", "fixed"}
_DETERMINERS = re.compile(
    r"^(the|a|an|this|that|these|those|its|their|his|her|our|its)\s+", re.IGNORECASE
)
_PERSON_NOUNS = frozenset(
    """person people man woman men women king queen emperor empress president minister
    scientist author writer inventor engineer leader general pope bishop professor physicist
    chemist philosopher poet composer founder director governor mayor architect player coach
    actor actress singer artist quarterback captain ruler prince princess official politician
    explorer mathematician economist lawyer judge officer commander monarch khan sultan
    человек король королева император президент министр учёный ученый автор писатель
    изобретатель инженер лидер генерал папа епископ профессор физик химик философ поэт
    композитор основатель директор губернатор мэр архитектор игрок тренер актёр актер актриса
    певец художник правитель принц принцесса политик""".split()
)
_ORG_NOUNS = frozenset(
    """team company organization organisation club university college group party band
    agency firm institution network channel station school church команда компания
    организация клуб университет группа партия агентство фирма учреждение""".split()
)
_PLACE_NOUNS = frozenset(
    """city country state river region place area town village island continent province
    county nation location mountain lake sea ocean capital site town город страна
    государство река регион место область остров континент провинция деревня гора озеро
    море океан столица""".split()
)
_WH_WORDS = frozenset(
    """what which какой какая какое какие каким какую какого каком какой""".split()
)


@lru_cache(maxsize=4)
def _stems(nouns: frozenset[str]) -> frozenset[str]:
    """The stems of a noun list, made when a question first needs them (not at import)."""
    return frozenset(forms(w)[0] for w in nouns)


@dataclass
class Span:
    """A candidate answer in a sentence, with its score and why."""

    text: str
    start: int  # character offsets in the sentence
    end: int
    kind: str  # an entity label, "DATE", "NUMBER" or "NP"
    head: int = -1  # the token that heads it in the parse
    score: float = 0.0
    type_fit: float = 0.0
    novelty: float = 0.0
    closeness: float = 0.0


@dataclass
class Asked:
    """What :func:`extract` needs to know of the question."""

    text: str
    wh: str  # who, where, when, number, what, how, why
    forms: frozenset[str]  # forms of every word of the question


def asked(question: str, wh: str) -> Asked:
    """Read the expected answer type off ``question`` (whose question word gave ``wh``)."""
    q = question.lower()
    kind = wh
    if _WANTS_DATE.search(q):
        kind = "when"
    elif _WANTS_NUMBER.search(q):
        kind = "number"
    elif wh == "what" and re.match(r"^\s*(why|почему|зачем)\b", q):
        kind = "why"
    elif wh == "what" and re.match(r"^\s*(how|как)\b", q):
        kind = "how"
    if kind == "what":
        kind = _by_head_noun(q) or kind
    found = frozenset(f for w in _WORD.findall(q) for f in forms(w))
    return Asked(question, kind, found)


def _by_head_noun(question: str) -> str | None:
    """The type a "what/which" question's noun asks for: "What actress …" a person,
    "which city …" a place, "what team …" an organisation."""
    words = _WORD.findall(question)
    for k, word in enumerate(words[:-1]):
        if word in _WH_WORDS:
            for noun in words[k + 1 : k + 3]:
                base = forms(noun)[0]
                if noun in _PERSON_NOUNS or base in _stems(_PERSON_NOUNS):
                    return "who"
                if noun in _PLACE_NOUNS or base in _stems(_PLACE_NOUNS):
                    return "where"
                if noun in _ORG_NOUNS or base in _stems(_ORG_NOUNS):
                    return "org"
            return None
    return None


def extract(
    question: Asked, sentence: str, language: str, parsed: Parsed | None = None
) -> list[Span]:
    """Candidate answers to ``question`` in ``sentence``, best first; each span's
    ``score`` is the fitted probability that it is the answer, were the sentence to
    hold one (:func:`features`, ``spans.json``)."""
    scored = [
        (span, model().probability(row))
        for span, row in candidates(question, sentence, language, parsed)
    ]
    out = []
    for span, p in scored:
        span.score = p
        out.append(span)
    out.sort(key=lambda s: s.score, reverse=True)
    unique: list[Span] = []
    for span in out:
        if not any(span.text == u.text for u in unique):
            unique.append(span)
    return unique


def candidates(
    question: Asked, sentence: str, language: str, parsed: Parsed | None = None
) -> list[tuple[Span, dict[str, float]]]:
    """Every span of ``sentence`` that could answer ``question`` (of a fitting type,
    not made only of the question's words), with its :func:`features`."""
    if question.wh in ("why", "how"):
        return []
    parsed = parsed or parse_sentence(sentence, language)
    matched = _matched_positions(question, sentence)
    matched_tokens = [
        t.i
        for t in parsed.tokens
        if t.text.lower() not in _STOP and set(forms(t.text)) & question.forms
    ]
    out = []
    for span in spans_of(parsed):
        span.type_fit = _type_fit(question, span, sentence)
        if span.type_fit <= 0:
            continue
        span.novelty = _novelty(question, span.text)
        if span.novelty <= 0:
            continue
        span.closeness = _closeness(span, matched, len(sentence))
        out.append((span, features(question, span, parsed, matched, matched_tokens)))
    return out


def _kind(kind: str) -> str:
    return kind if kind in _KINDS else "OTHER"


_KINDS = frozenset(
    {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "DATE", "TIME", "NUMBER", "MONEY"}
    | {"PERCENT", "NP"}
)
_DEP_GROUPS = {
    **dict.fromkeys(("nsubj", "nsubj:pass", "csubj", "agent"), "subj"),
    **dict.fromkeys(("obj", "iobj", "attr", "xcomp"), "obj"),
    **dict.fromkeys(("pobj", "obl", "obl:npmod", "obl:agent", "obl:tmod"), "obl"),
    **dict.fromkeys(("compound", "nmod", "nmod:poss", "amod", "flat", "flat:name"), "mod"),
    **dict.fromkeys(("ROOT", "root"), "root"),
    "appos": "appos",
    "conj": "conj",
}


def features(
    question: Asked,
    span: Span,
    parsed: Parsed,
    matched: Sequence[int],
    matched_tokens: Sequence[int],
) -> dict[str, float]:
    """What a fitted scorer weighs of one candidate span: its type against the
    question's, how much of it is new, how near it stands to the question's words in
    the text and in the parse, its length, its place in the clause, and whether the
    words right around it are the question's ("brewer Ambev", "Ambev, the brewer")."""
    text = parsed.text
    words = len(_WORD.findall(span.text))
    row = {
        f"type:{question.wh}:{_kind(span.kind)}": 1.0,
        "novelty": span.novelty,
        "asked_inside": 1.0 if span.novelty < 1 else 0.0,
        "closeness": span.closeness,
        f"words:{min(words, 6)}": 1.0,
        "first": 1.0 if span.start == 0 else 0.0,
        "quoted": 1.0
        if text[max(0, span.start - 1) : span.start] in "\"'“«" and span.start
        else 0.0,
        "capitalised": sum(w[:1].isupper() for w in _WORD.findall(span.text)) / max(1, words),
    }
    steps = _steps(parsed, span, matched_tokens)
    row[f"steps:{min(steps, 4) if steps >= 0 else 'none'}"] = 1.0
    if span.head >= 0:
        head = parsed.tokens[span.head]
        dep = head.dep if head.dep in _DEP_GROUPS else head.dep.split(":")[0]
        row[f"dep:{_DEP_GROUPS.get(dep, 'other')}"] = 1.0
        parent = parsed.tokens[head.head]
        row["parent_asked"] = 1.0 if parent.i in matched_tokens else 0.0
        row["parent_verb"] = 1.0 if parent.pos in ("VERB", "AUX") else 0.0
    before = _WORD.findall(text[max(0, span.start - 30) : span.start])
    after = _WORD.findall(text[span.end : span.end + 30])
    row["before_asked"] = 1.0 if before and set(forms(before[-1])) & question.forms else 0.0
    row["after_asked"] = 1.0 if after and set(forms(after[0])) & question.forms else 0.0
    if matched:
        row["after_matched"] = 1.0 if span.start > max(matched) else 0.0
        row["before_matched"] = 1.0 if span.end <= min(matched) else 0.0
    else:
        row["no_match"] = 1.0
    return row


def _steps(parsed: Parsed, span: Span, matched: Sequence[int]) -> int:
    """Steps in the parse from the span's head to the nearest question word outside
    it; -1 when there is none."""
    if span.head < 0:
        return -1
    inside = {t.i for t in parsed.tokens if span.start <= t.start < span.end}
    targets = [i for i in matched if i not in inside]
    if not targets:
        return -1
    return min(_tree_distance(parsed, span.head, i) for i in targets)


def model() -> Model:
    """The shipped span scorer (``spans.json``, fitted by ``python -m bench.fit_spans``)."""
    return load("spans.json")


@lru_cache(maxsize=2048)
def parse_sentence(sentence: str, language: str) -> Parsed:
    """A sentence's parse, kept: the best sentences come back for related questions
    (read only)."""
    return parse([sentence], language)[0]


def spans_of(parsed: Parsed) -> list[Span]:
    """Every candidate span of a parsed sentence: entities, dates, numbers, noun phrases."""
    text = parsed.text
    spans: list[Span] = []

    def add(start: int, end: int, kind: str) -> None:
        piece = text[start:end]
        stripped = piece.strip(" ,.;:()[]\"'“”«»")
        if not stripped or not re.search(r"\w", stripped):
            return
        start += piece.index(stripped)
        end = start + len(stripped)
        determiner = _DETERMINERS.match(stripped)
        if determiner:
            start += determiner.end()
        if start < end:
            inside = [t for t in parsed.tokens if start <= t.start < end]
            heads = [t.i for t in inside if not start <= parsed.tokens[t.head].start < end]
            head = heads[0] if heads else (inside[-1].i if inside else -1)
            spans.append(Span(text[start:end], start, end, kind, head))

    for ent in parsed.entities:
        tokens = parsed.tokens[ent.start : ent.end]
        start = tokens[0].start
        if ent.label == "MONEY" and start and text[start - 1] in "$€£":
            start -= 1  # "$20bn", whose symbol the entity left out
        end = tokens[-1].start + len(tokens[-1].text)
        attached = _ATTACHED.match(text[end:]) if ent.label in _AMOUNTS else None
        add(start, end + (attached.end() if attached else 0), ent.label)
    for pattern in _DATES:
        for m in pattern.finditer(text):
            start = m.start(1) if m.lastindex and pattern is not _YEAR else m.start()
            add(start, m.end(), "DATE")
    for m in _NUMBER.finditer(text):
        end = m.end()
        attached = _ATTACHED.match(text[end:])
        if attached:
            end += attached.end()
        scale = _SCALE.match(text[end:])
        if scale:
            end += scale.end()
        add(m.start(), end, "NUMBER")
        unit = re.match(r"\s+([^\W\d]\w*)", text[end:])  # "3,000 jobs", "4 километров"
        if unit and unit.group(1).lower() not in _STOP:
            add(m.start(), end + unit.end(), "NUMBER")
    for t in parsed.tokens:
        if t.pos not in ("NOUN", "PROPN") or t.dep in ("compound", "flat", "flat:name", "fixed"):
            continue
        first, last = _base_np(parsed, t)
        add(parsed.tokens[first].start, _end(parsed.tokens[last]), "NP")
        extended = _with_complement(parsed, t, last)
        if extended is not None:
            add(parsed.tokens[first].start, _end(parsed.tokens[extended]), "NP")
    return spans


def _end(token: Token) -> int:
    return token.start + len(token.text)


def _base_np(parsed: Parsed, head: Token) -> tuple[int, int]:
    """The first and last token of the noun phrase headed by ``head``."""
    first = last = head.i
    for child in parsed.children(head.i):
        if child.i < head.i and child.dep in _NP_LEFT and child.dep not in ("case", "punct"):
            sub = parsed.subtree(child.i)
            if all(s.i < head.i for s in sub):
                first = min(first, sub[0].i)
        elif child.i > head.i and child.dep in _NP_RIGHT:
            last = max(last, parsed.subtree(child.i)[-1].i)
    # keep the phrase contiguous
    while first < head.i and parsed.tokens[first].pos in ("PUNCT", "ADP", "CCONJ"):
        first += 1
    return first, last


def _with_complement(parsed: Parsed, head: Token, last: int) -> int | None:
    """The last token of ``head``'s phrase with its "of …" (English) or genitive
    (Russian) complement, if it has one right after it."""
    for child in parsed.children(head.i):
        if child.i != last + 1 and not (child.i == last + 2 and child.dep == "nmod"):
            continue
        if child.dep == "prep" and child.text.lower() == "of":
            objects = parsed.children(child.i, "pobj")
            if objects:
                return _base_np(parsed, objects[0])[1]
        if child.dep == "nmod" and child.pos in ("NOUN", "PROPN"):
            if not parsed.children(child.i, "case"):  # a bare genitive: "центр города"
                return _base_np(parsed, child)[1]
    return None


def _type_fit(question: Asked, span: Span, sentence: str) -> float:
    kind, wh = span.kind, question.wh
    if wh == "who":
        if kind == "PERSON":
            return 1.0
        if kind in ("ORG", "NORP"):
            return 0.6
        if kind == "NP":
            head = _WORD.findall(span.text.lower())
            return 0.35 if head and head[-1] in _PERSON_NOUNS else 0.2
        return 0.0
    if wh == "org":
        if kind in ("ORG", "NORP"):
            return 1.0
        if kind in ("GPE", "PERSON", "PRODUCT"):
            return 0.6
        return 0.3 if kind == "NP" else 0.0
    if wh == "when":
        return 1.0 if kind in ("DATE", "TIME") else 0.0
    if wh == "number":
        return 1.0 if kind in ("NUMBER", "MONEY", "PERCENT") else 0.0
    if wh == "where":
        if kind in ("GPE", "LOC", "FAC"):
            return 1.0
        if kind in ("ORG", "NP"):
            before = sentence[max(0, span.start - 12) : span.start].lower()
            if re.search(r"\b(in|at|near|into|to|from|в|во|на|у|из)\s+(the\s+)?$", before):
                return 0.5 if kind == "NP" else 0.6
        return 0.0
    # what / which: a thing, a name, sometimes a date or a number
    if kind == "NP":
        return 0.6
    if kind in ("DATE", "TIME", "NUMBER", "MONEY", "PERCENT"):
        return 0.3
    return 0.7


def _novelty(question: Asked, text: str) -> float:
    """The share of the span's content words the question does not have."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    if not words:
        return 0.0
    new = sum(1 for w in words if not set(forms(w)) & question.forms)
    return new / len(words)


def _matched_positions(question: Asked, sentence: str) -> list[int]:
    """Character offsets of the sentence's words that the question has too."""
    return [
        m.start()
        for m in _WORD.finditer(sentence)
        if m.group(0).lower() not in _STOP and set(forms(m.group(0))) & question.forms
    ]


def _closeness(span: Span, matched: Sequence[int], length: int) -> float:
    """1 next to the question's words in the sentence, falling off with distance."""
    if not matched:
        return 0.5
    outside = [p for p in matched if not span.start <= p < span.end]
    if not outside:
        return 0.5
    distance = min(min(abs(p - span.start), abs(p - span.end)) for p in outside)
    return 0.4 + 0.6 * math.exp(-distance / 40)


def _tree_distance(parsed: Parsed, a: int, b: int) -> int:
    def path(i: int) -> list[int]:
        out = [i]
        while parsed.tokens[out[-1]].head != out[-1] and len(out) < 64:
            out.append(parsed.tokens[out[-1]].head)
        return out

    up_a, up_b = path(a), path(b)
    depth_b = {node: k for k, node in enumerate(up_b)}
    for k, node in enumerate(up_a):
        if node in depth_b:
            return k + depth_b[node]
    return len(up_a) + len(up_b)


def best(spans: Iterable[Span]) -> Span | None:
    return max(spans, key=lambda s: s.score, default=None)
