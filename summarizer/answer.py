"""Answers to questions, each resting on sentences from the store, or "I don't know".

The way to an answer:

1. **Question analysis** (:func:`summarizer.question.analyse_question`): the expected type from the
   question word (who → a person, where → a place, when → a date, how many →
   a number, what → a phrase), the main verb and its object, the entities
   named, all reduced to the same concepts and keys the facts use
   (:mod:`summarizer.lexicon`, :mod:`summarizer.entities`), so "Who headed
   Moscow's team?" and "Кто возглавил делегацию России?" ask the same thing.
2. **Facts first**: roles for "Who is the Kremlin spokesman?", relations for
   "Who led Russia's delegation?" and "What did X call Y?".
3. **Sentence retrieval as the fallback**: full-text search over stored
   sentences with the question's words, their synonyms and the aliases of its
   entities, then the best-typed mention in the best-covered sentence.
4. **Ranking** by how much of the question the evidence covers, then recency.
5. **Short spans** when neither gives a confident answer ("What did X
   translate?", "In what year …?"): the stored sentences ranked by
   :mod:`summarizer.rank` (stemmed BM25, then question coverage, proximity,
   context and the expected type), and in the best of them the span that fits
   the question (:mod:`summarizer.spans`).
6. **Abstaining**: below :data:`THRESHOLD` (calibrated on the seed dev set and
   the even-numbered XQuAD paragraphs, see docs/benchmarks.md) the answer is
   None. A wrong answer is worse than none: every content word of the question
   must be found in the evidence, or the confidence drops. Then
   :attr:`Answer.related` still lists the best sentences found, ranked: reading
   matter, not an answer, and not part of the JSON contract (``evidence`` stays
   empty).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .entities import entity_key, fold
from .facts import Analysis
from .language import detect_language
from .lexicon import concept
from .pending import read_for_hits
from .question import (
    CALL_VERBS,
    EXPECTED,
    LIGHT_VERBS,
    LOCATIVE,
    PLACE_WORDS,
    Question,
    analyse_question,
)
from .rank import QueryTerm, Ranked, query_terms
from .rank import rank as rank_sentences
from .spans import Asked, asked, extract
from .stemming import answer_forms as _forms
from .stemming import stemmer
from .store import SentenceHit, Store, StoredFact, StoredMention

logger = logging.getLogger(__name__)

#: Answers below this confidence are withheld ("I don't know").
THRESHOLD = 0.62


@dataclass
class Evidence:
    text: str
    url: str | None
    title: str | None
    published: str | None
    article_id: int

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "url": self.url,
            "title": self.title,
            "published": self.published,
        }


@dataclass
class Answer:
    """``answer`` is None when nothing supports one; ``evidence`` holds the sentences an
    answer rests on (none without an answer). ``related``: when there is no answer, the
    sentences that came nearest, best first; never shown as an answer."""

    question: str
    answer: str | None
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    related: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_json() for e in self.evidence],
        }


# -- answering --------------------------------------------------------------------


@dataclass
class _Candidate:
    answer: str
    score: float
    evidence: list[tuple[int, int, str, str | None, str | None, str | None]]  # art, pos, …
    published: str | None = None


def answer_question(store: Store, question: str) -> Answer:
    """Answer ``question`` from ``store``; ``answer`` is None when nothing supports one.

    Synchronous and CPU-bound (it parses the question): the bot runs it in an
    executor.
    """
    question = " ".join(question.split())
    if not question:
        return Answer(question, None, 0.0)
    q = analyse_question(question)
    hits = store.search_sentences(_search_words(q), limit=40)
    # facts left pending at ingest are read now for the articles the question finds
    read_for_hits(store, (h.article_id for h in hits))
    candidates = _from_facts(store, q)
    if not _asks_about_person(q):  # "Who is X?" wants X's role, not another name
        candidates += _from_sentences(store, q, hits)
    if not candidates or max(c.score for c in candidates) < THRESHOLD:
        return _from_spans(store, q, candidates)
    merged: dict[str, _Candidate] = {}
    for cand in candidates:
        if cand.score < THRESHOLD:
            cand.evidence = cand.evidence[:1]  # weak support is no evidence to show
        key = fold(cand.answer)
        best = merged.get(key)
        if best is None or cand.score > best.score:
            if best is not None and best.score >= THRESHOLD:
                cand.evidence = cand.evidence + [e for e in best.evidence if e not in cand.evidence]
            merged[key] = cand
        elif cand.score >= THRESHOLD:
            best.evidence.extend(e for e in cand.evidence if e not in best.evidence)
    ranked = sorted(merged.values(), key=lambda c: (c.score, c.published or ""), reverse=True)
    top = ranked[0]
    evidence = [
        Evidence(text, url, title, published, art)
        for art, _pos, text, url, title, published in top.evidence[:3]
    ]
    return Answer(question, top.answer, min(1.0, top.score), evidence)


#: How many of the best-ranked sentences are searched for a short answer.
SPAN_SENTENCES = 2
#: Below this raw span score (tuned on the even-numbered XQuAD paragraphs) a span
#: is no answer; it maps onto :data:`THRESHOLD` in the confidence reported.
SPAN_CUT = 0.30


def _from_spans(store: Store, q: Question, earlier: Sequence[_Candidate]) -> Answer:
    """A short span from the best-ranked sentences, or no answer with the related
    sentences; ``earlier`` are the candidates below the threshold from facts and
    typed mentions (their best score is the confidence of not answering)."""
    weak = max((c.score for c in earlier), default=0.0)
    if q.parsed is None:
        return Answer(q.text, None, weak)
    terms = query_terms(q.parsed)
    wanted = asked(q.text, q.wh)
    words = {w.lower() for w in re.findall(r"\w+", q.text)}
    ranked = rank_sentences(store, terms, wanted.wh, q.entity_keys, words)
    related = [_evidence(r.hit) for r in ranked[:3]]
    best: tuple[float, str, Ranked] | None = None
    relation = _relation_forms(q)
    if _supported(terms, ranked):
        for k, r in enumerate(ranked[:SPAN_SENTENCES]):
            if best is not None and best[0] >= 0.7**k:
                break  # a later sentence counts 0.7 as much: it cannot win
            found = _span_in(wanted, r, q.language, relation)
            if found is None:
                continue
            score = found[0] * (1.0 if k == 0 else 0.7)
            if best is None or score > best[0]:
                best = (score, found[1], r)
    if best is None or best[0] < SPAN_CUT:
        raw = best[0] if best else 0.0
        return Answer(q.text, None, max(weak, min(THRESHOLD - 0.01, _scale(raw))), [], related)
    score, text, r = best
    evidence = [_evidence(r.hit), *[e for e in related if e.text != r.hit.text][:2]]
    return Answer(q.text, text, _scale(score), evidence)


def _scale(raw: float) -> float:
    """A span's raw score on the confidence scale, :data:`SPAN_CUT` at :data:`THRESHOLD`."""
    if raw >= SPAN_CUT:
        return min(1.0, THRESHOLD + (1 - THRESHOLD) * (raw - SPAN_CUT) / (1 - SPAN_CUT))
    return THRESHOLD * raw / SPAN_CUT


def _supported(terms: Sequence[QueryTerm], ranked: Sequence[Ranked]) -> bool:
    """Whether the best sentence (with its neighbours) says enough of the question."""
    if not ranked or not terms:
        return False
    top = ranked[0].features
    return top.get("coverage", 0.0) + top.get("context", 0.0) >= MIN_SUPPORT


#: The least share of the question (weighted) the best sentence and its neighbours
#: must say before a span from it is considered.
MIN_SUPPORT = 0.5


def _relation_forms(q: Question) -> frozenset[str]:
    """The forms of the question's main verb, when it says what relation is asked
    ("Who founded X?"), not a light verb ("Where were the talks held?")."""
    if q.parsed is None or q.copular or not q.verb_lemma or q.verb in LIGHT_VERBS:
        return frozenset()
    root = next((t for t in q.parsed.tokens if t.head == t.i), None)
    if root is None or root.pos != "VERB":
        return frozenset()
    return frozenset({*_forms(root.text.lower()), *_forms(root.lemma)})


#: A span from a sentence that does not say the relation asked about counts this much.
NO_RELATION = 0.6


def _span_in(
    wanted: Asked, r: Ranked, language: str, relation: frozenset[str] = frozenset()
) -> tuple[float, str] | None:
    language = _language_of(r.hit.text, language)
    spans = extract(wanted, r.hit.text, language)
    if not spans:
        return None
    top = spans[0]
    support = r.features.get("coverage", 0.0) + 0.5 * r.features.get("context", 0.0)
    score = top.score * min(1.0, 0.4 + 0.6 * support)
    if relation and not relation & _lemma_forms(r.hit.text, language):
        score *= NO_RELATION  # "Who founded X?" and a sentence about X that founds nothing
    return score, _strip(top.text)


def _lemma_forms(sentence: str, language: str) -> frozenset[str]:
    """The forms of the sentence's words and of their lemmas ("said" → say)."""
    from .spans import parse_sentence

    lemmas = {f for t in parse_sentence(sentence, language).tokens for f in _forms(t.lemma)}
    return _sentence_forms(sentence) | lemmas


def _language_of(text: str, default: str) -> str:
    """The sentence's own language (a Russian question may be asked of English text)."""
    cyrillic = len(re.findall(r"[а-яёіїєґ]", text.lower()))
    latin = len(re.findall(r"[a-z]", text.lower()))
    if latin > 3 * cyrillic:
        return "en"
    if cyrillic > 3 * latin:
        return default if default in ("ru", "uk") else detect_language(text)
    return detect_language(text)


def _evidence(hit: SentenceHit) -> Evidence:
    return Evidence(hit.text, hit.url, hit.title, hit.published, hit.article_id)


def _asks_about_person(q: Question) -> bool:
    return q.copular and q.wh == "who" and any(k.startswith("person:") for k in q.object_terms)


def _evidence_of(fact: StoredFact) -> tuple[int, int, str, str | None, str | None, str | None]:
    return (fact.article_id, fact.position, fact.sentence, fact.url, fact.title, fact.published)


def _overlap(wanted: Sequence[str], have: Sequence[str]) -> float:
    if not wanted:
        return 1.0
    hits = sum(1 for w in wanted if w in have)
    return hits / len(wanted)


def _sides_conflict(wanted: Sequence[str], have: Sequence[str]) -> bool:
    """The question asks about one side and the fact is about another."""
    want = {w for w in wanted if w.startswith("side:")}
    got = {h for h in have if h.startswith("side:")}
    return bool(want and got and not (want & got))


@lru_cache(maxsize=8192)
def _sentence_forms(sentence: str) -> frozenset[str]:
    """The forms of every word of ``sentence`` (cached: the same sentences come back)."""
    return frozenset(
        f for w in re.findall(r"\w+(?:[-'’]\w+)*", sentence.lower()) for f in _forms(w)
    )


def _coverage(q: Question, sentence: str, keys: Iterable[str]) -> float:
    """How much of the question (by weight) the sentence says, 0 to 1."""
    features = set(_sentence_forms(sentence))
    features.update(keys)
    total = sum(t.weight for t in q.terms) or 1.0
    found = sum(t.weight for t in q.terms if t.found_in(features))
    return found / total


def _sentence_has(q: Question, key: str, sentence: str, keys: Iterable[str]) -> bool:
    """Does ``sentence`` say the question's term ``key`` (by stem, synonym or entity)?"""
    features = set(_sentence_forms(sentence))
    features.update(keys)
    return any(t.found_in(features) for t in q.terms if t.key == key or key in t.forms)


def _from_facts(store: Store, q: Question) -> list[_Candidate]:
    out: list[_Candidate] = []
    if q.copular and q.wh == "who" and q.object_terms:
        # "Who is the Kremlin spokesman?": people whose role covers the words asked
        person = [k for k in q.object_terms if k.startswith("person:")]
        if person:  # "Who is Anna Berg?": her role
            for fact in store.find_facts(kind="role", subject_keys=person, limit=50):
                out.append(_Candidate(fact.predicate, 0.9, [_evidence_of(fact)], fact.published))
            return out
        for fact in store.find_facts(kind="role", terms=q.object_terms, limit=200):
            if _sides_conflict(q.object_terms, fact.object_terms):
                continue
            # every word of the role asked must be in the role, or at least in its sentence
            # ("the chief executive of Acme": "Acme …, chief executive Jane Roe said")
            got = 0.0
            for term in q.object_terms:
                if term in fact.object_terms:
                    got += 1.0
                elif _sentence_has(q, term, fact.sentence, fact.object_terms):
                    got += 0.8
            score = got / len(q.object_terms)
            score = 0.6 + 0.35 * score if score >= 0.85 else 0.7 * score
            out.append(_Candidate(fact.subject, score, [_evidence_of(fact)], fact.published))
        return _with_names(store, out)
    if q.verb is None or not (
        q.wh in ("who", "number") or (q.wh == "what" and q.verb in CALL_VERBS)
    ):
        return out  # relation facts answer who did it, how many, and what X called Y
    object_terms = [t for t in q.object_terms if t not in q.subject_keys]
    # facts whose object shares a word with the question's first (an index look-up);
    # only when there are none, the newest facts of the verb, for a misparsed object
    facts = (
        store.find_facts(
            kind="rel",
            predicates=[q.verb],
            subject_keys=q.subject_keys,
            terms=object_terms,
            limit=300,
        )
        if object_terms
        else []
    )
    if not facts:
        facts = store.find_facts(
            kind="rel", predicates=[q.verb], subject_keys=q.subject_keys, limit=60
        )
    for fact in facts:
        if _sides_conflict(object_terms, fact.object_terms):
            continue
        match = _overlap(object_terms, fact.object_terms)
        if match == 0 and object_terms:
            # the parse may have missed the object: look for it in the sentence
            match = 0.5 * _coverage(_only(q, object_terms), fact.sentence, fact.object_terms)
        if q.wh == "who" and not q.subject_keys:
            if not fact.subject_key.startswith("person:"):
                continue
            answer = fact.subject
        elif q.wh == "number" and fact.object:
            answer = _count_in(fact.object, q.counted)
            if q.entity_keys and not (set(q.entity_keys) & {fact.subject_key, *fact.object_terms}):
                continue
        elif q.wh == "what" and q.verb in CALL_VERBS:
            answer = fact.detail.get("as") or next(iter(fact.detail.get("quotes", [])), "")
        else:
            continue
        if not answer:
            continue
        score = 0.55 + 0.35 * match
        if fact.detail.get("verb") == q.verb_lemma:
            score += 0.03  # the very word asked about
        score += 0.05 * _coverage(q, fact.sentence, fact.object_terms)
        out.append(_Candidate(answer, score, [_evidence_of(fact)], fact.published))
    return _with_names(store, out)


def _count_in(phrase: str, counted: str | None) -> str:
    """The number in an object phrase: "about 9,500 people" → "9,500" (if it counts ``counted``)."""
    match = re.search(r"\d[\d,.\s]*\d|\d", phrase)
    if not match:
        return ""
    after = phrase[match.end() :].split()
    if counted and after and concept(after[0].strip(".,")) != counted:
        stem = stemmer("en")
        if stem(after[0]) != stem(counted):
            return ""
    return match.group(0).strip()


def _only(q: Question, keys: Sequence[str]) -> Question:
    terms = [t for t in q.terms if t.key in keys or t.forms & set(keys)]
    return replace(q, terms=terms or q.terms)


def _with_names(store: Store, candidates: list[_Candidate]) -> list[_Candidate]:
    """Give people their fullest stored name ("Berg" → "Anna Berg")."""
    keys = [entity_key(c.answer, "PERSON") for c in candidates]
    names = store.entity_names([k for k in keys if k])
    for cand, key in zip(candidates, keys, strict=True):
        if key in names and len(names[key]) > len(cand.answer):
            cand.answer = names[key]
    return candidates


def _search_words(q: Question) -> list[str]:
    """What to search the sentences for: the question's names and nouns; its verb
    (common words: "said", "led") only when there is nothing else. Coverage checks
    the verb in every hit anyway."""
    words: list[str] = []
    searchable = [t for t in q.terms if t.weight > 0.3 and t.key != q.verb] or [
        t for t in q.terms if t.weight > 0.3
    ]
    for term in searchable:
        search = term.search[:1] if term.key == q.verb else term.search[:6]
        words.extend(w for w in search if w not in words)
    return words


def _from_sentences(store: Store, q: Question, hits: Sequence[SentenceHit]) -> list[_Candidate]:
    if not hits:
        return []
    mentions = store.mentions_in([(h.article_id, h.position) for h in hits])
    by_sentence: dict[tuple[int, int], list[StoredMention]] = {}
    for m in mentions:
        by_sentence.setdefault((m.article_id, m.position), []).append(m)
    out: list[_Candidate] = []
    expected = set(EXPECTED.get(q.wh, ()))
    for hit in hits:
        found = by_sentence.get((hit.article_id, hit.position), [])
        coverage = _coverage(q, hit.text, [m.key for m in found])
        if coverage < 0.5:
            continue
        for answer, fit in _typed_answers(q, hit, found, expected):
            score = coverage * fit
            out.append(
                _Candidate(
                    answer,
                    score,
                    [(hit.article_id, hit.position, hit.text, hit.url, hit.title, hit.published)],
                    hit.published,
                )
            )
    return _with_names(store, out)


def _typed_answers(
    q: Question, hit: SentenceHit, found: list[StoredMention], expected: set[str]
) -> list[tuple[str, float]]:
    """Answers of the expected type in one sentence, with how well each fits (0 to 1)."""
    asked = set(q.entity_keys)
    out: list[tuple[str, float]] = []
    if q.wh == "what":
        if q.verb in CALL_VERBS:
            quoted = re.findall(r"[“«\"]([^”»\"]{2,80})[”»\"]", hit.text)
            out.extend((_strip(x), 0.9) for x in quoted[:1])
        return out
    positions = _term_positions(q, hit.text)
    for m in found:
        if m.key in asked:
            continue
        label = m.label
        if (
            q.wh == "where"
            and label == "ORG"
            and any(w.lower() in PLACE_WORDS for w in m.text.split())
        ):
            label = "FAC"
        if label not in expected:
            continue
        if q.wh == "where" and m.key.startswith("side:") and q.entity_keys:
            continue
        fit = 0.95
        if q.wh == "where" and not LOCATIVE.search(hit.text[: m.start]):
            fit = 0.6  # a place named in passing, not where something happened
        if q.wh == "number":
            if q.counted and m.head == q.counted:
                fit = 1.0
            elif q.counted:
                fit = 0.55  # a number that counts something else than asked
            if re.fullmatch(r"(19|20)\d\d", m.text):
                fit *= 0.5  # a year is rarely the count asked for
        if positions:
            distance = min(abs(m.start - p) for p in positions)
            fit *= 1.0 if distance < 60 else 0.9 if distance < 120 else 0.8
        out.append((_strip(m.text), fit))
    return out


def _term_positions(q: Question, text: str) -> list[int]:
    positions = []
    for match in re.finditer(r"\w+(?:[-'’]\w+)*", text):
        if any(set(_forms(match.group(0))) & (t.forms | t.words) for t in q.terms):
            positions.append(match.start())
    return positions


def _strip(text: str) -> str:
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"['’]s$", "", text).strip('“”"«» ,.;:')


# -- facts about an entity ----------------------------------------------------------


@dataclass
class EntityFacts:
    """What the store knows about one entity: its roles and its deeds, each a fact with
    the sentence it rests on and that sentence's source."""

    key: str
    name: str
    roles: list[StoredFact]
    relations: list[StoredFact]

    def listed(self) -> list[StoredFact]:
        """The facts a reader is shown (``newsbot facts``, the bot's ``/facts``), in order:
        each role once, with the first sentence that gives it, then every deed."""
        seen: set[str] = set()
        roles = []
        for fact in self.roles:
            if fact.predicate.lower() not in seen:
                seen.add(fact.predicate.lower())
                roles.append(fact)
        return roles + list(self.relations)

    @staticmethod
    def what(fact: StoredFact) -> str:
        """What ``fact`` says of the entity, in the article's words: a role ("Kremlin aide"),
        or a deed and what it was done to ("lead: Moscow's delegation", "say (that …)")."""
        if fact.kind == "role":
            return fact.predicate
        what = fact.predicate + (f": {fact.object}" if fact.object else "")
        extra = fact.detail.get("as") or fact.detail.get("said")
        return f"{what} ({extra})" if extra else what


def facts_about(store: Store, name: str) -> list[EntityFacts]:
    """What the store knows about the entity called ``name`` (any spelling)."""
    hits = store.search_sentences(name.split(), limit=40)
    read_for_hits(store, (h.article_id for h in hits))  # facts pending where it is named
    keys: list[tuple[str, str]] = []
    for label in ("PERSON", "GPE", "ORG"):
        key = entity_key(name, label)
        names = store.entity_names([key]) if key else {}
        if key in names:
            keys.append((key, names[key]))
    if not keys:
        keys = [(k, n) for k, n, _label in store.find_entities(name)]
    out = []
    for key, display in dict(keys).items():
        facts = store.find_facts(subject_keys=[key], limit=200)
        roles = [f for f in facts if f.kind == "role"]
        relations = [f for f in facts if f.kind == "rel"]
        if roles or relations:
            out.append(EntityFacts(key, display, roles, relations))
    return out


def known_entities(store: Store, limit: int = 30) -> list[tuple[str, str, int]]:
    """(key, name, number of facts) of the named entities with the most facts.

    Counts the facts read so far: those still pending (:func:`read_pending`) are not in it.
    """
    counts: dict[str, int] = {}
    for fact in store.find_facts(limit=5000):
        if fact.subject_key.startswith(("person:", "side:", "org:", "gpe:")):
            counts[fact.subject_key] = counts.get(fact.subject_key, 0) + 1
    top = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    names = store.entity_names([k for k, _ in top])
    return [(k, names.get(k, k.split(":", 1)[1]), c) for k, c in top]


def sample_questions(analysis: Analysis, language: str, limit: int = 3) -> list[str]:
    """Questions an article's own facts can answer, for the demo: "Who is the <role>?",
    "Who led <object>?", and one that nothing answers, to show abstaining."""
    russian = language in ("ru", "uk")
    out: list[str] = []
    for fact in analysis.facts:
        if fact.kind == "role" and len(fact.predicate.split()) >= 2:
            out.append(f"Кто {fact.predicate}?" if russian else f"Who is the {fact.predicate}?")
            break
    for fact in analysis.facts:
        if fact.kind == "rel" and fact.predicate == "lead" and fact.object:
            out.append(f"Кто возглавил {fact.object}?" if russian else f"Who led {fact.object}?")
            break
    out = out[: limit - 1]
    out.append(
        "Кто выиграл чемпионат мира по хоккею?"
        if russian
        else "Who won the world chess championship?"
    )
    return out
