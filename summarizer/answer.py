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
6. **Verifying** (:func:`decide`, :mod:`summarizer.verify`): a model fitted on data
   gives the probability that the answer is right, reported as its confidence. The
   answer is None when the reader's score is below :data:`THRESHOLD`; then
   :attr:`Answer.related` lists the closest sentences, ranked: reading matter, not
   an answer (``evidence`` stays empty).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .entities import entity_key, fold
from .facts import Analysis
from .pending import read_for_hits
from .question import Question, analyse_question
from .read import (
    THRESHOLD,
    Candidate,
    asks_about_person,
    best_span,
    dictionary_form,
    from_facts,
    from_sentences,
    language_of,
    ranked_sentences,
    search_words,
)
from .store import SentenceHit, Store, StoredFact
from .verify import Evidence as VerifyEvidence
from .verify import Forms, features
from .verify import model as verify_model

logger = logging.getLogger(__name__)


@dataclass
class Evidence:
    text: str
    url: str | None
    title: str | None
    published: str | None
    article_id: int
    position: int = -1  # the sentence's place in its article (-1: not known)

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
            "related": [e.to_json() for e in self.related],
        }


# -- answering --------------------------------------------------------------------


@dataclass
class Proposal:
    """The reader's best answer before it is verified: ``kind`` says how it was found
    (fact, sentence, span, weak: a fact or mention below the old cut), ``raw`` its
    score; ``related`` the best sentences found, for when it is withheld."""

    question: Question
    answer: str | None
    raw: float
    kind: str
    evidence: list[Evidence] = field(default_factory=list)
    related: list[Evidence] = field(default_factory=list)


def answer_question(store: Store, question: str) -> Answer:
    """Answer ``question`` from ``store``; ``answer`` is None when nothing supports one.

    Retrieve and read (:func:`propose`), then verify (:func:`decide`,
    :mod:`summarizer.verify`): the confidence is the fitted probability that the
    answer is right; without an answer ``related`` holds the closest sentences.
    Synchronous and CPU-bound (it parses the question): the bot runs it in an executor.
    """
    question = " ".join(question.split())
    if not question:
        return Answer(question, None, 0.0)
    return decide(store, propose(store, analyse_question(question)))


def decide(store: Store, proposal: Proposal) -> Answer:
    """The proposal verified: given, or withheld with the closest sentences (its own
    evidence first). ``confidence`` is the verifier's probability that it is right.

    Given when the reader's own score reaches :data:`THRESHOLD` (a fact, a typed mention
    or a span that the question's words support). The verifier's own threshold (wrong
    answers at most 3 % of the news questions, out of fold) is not the rule yet: today
    it would withhold most right answers too (docs/benchmarks.md, "Verifier").
    """
    text = proposal.question.text
    if proposal.answer is None or not proposal.evidence:
        return Answer(text, None, 0.0, [], proposal.related[:3])
    p = verify_model().probability(verify_features(store, proposal))
    if proposal.kind != "weak" and proposal.raw >= THRESHOLD:
        language = language_of(proposal.evidence[0].text, proposal.question.language)
        answer = dictionary_form(proposal.answer, language)
        return Answer(text, answer, p, proposal.evidence[:3])
    related = list(proposal.evidence[:1])
    related += [e for e in proposal.related if e.text not in {r.text for r in related}]
    return Answer(text, None, p, [], related[:3])


def verify_features(
    store: Store, proposal: Proposal, cache: dict[tuple[int, int], Forms] | None = None
) -> dict[str, float]:
    """:func:`summarizer.verify.features` of a proposal with an answer."""
    first = proposal.evidence[0]
    evidence = VerifyEvidence(first.text, first.article_id, first.position, first.title)
    return features(
        store,
        proposal.question,
        proposal.answer or "",
        proposal.kind,
        proposal.raw,
        evidence,
        cache,
    )


def propose(store: Store, q: Question) -> Proposal:
    """The reader's best answer, however weak, with the sentences it rests on."""
    hits = store.search_sentences(search_words(q), limit=40)
    # facts left pending at ingest are read now for the articles the question finds
    read_for_hits(store, (h.article_id for h in hits))
    candidates = from_facts(store, q)
    if not asks_about_person(q):  # "Who is X?" wants X's role, not another name
        candidates += from_sentences(store, q, hits)
    if not candidates or max(c.score for c in candidates) < THRESHOLD:
        return _from_spans(store, q, candidates)
    merged: dict[str, Candidate] = {}
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
    top = max(merged.values(), key=_rank_key)
    return _proposal(q, top, min(1.0, top.score), top.kind, [])


def _rank_key(c: Candidate) -> tuple[float, str]:
    """Best score, then newest; of exact ties, the first found (``max`` keeps it)."""
    return (c.score, c.published or "")


def _proposal(
    q: Question, c: Candidate, raw: float, kind: str, related: list[Evidence]
) -> Proposal:
    evidence = [
        Evidence(text, url, title, published, art, pos)
        for art, pos, text, url, title, published in c.evidence[:3]
    ]
    return Proposal(q, c.answer, raw, kind, evidence, related)


def _from_spans(store: Store, q: Question, earlier: Sequence[Candidate]) -> Proposal:
    """A short span from the best-ranked sentences; else the best of ``earlier`` (the
    candidates below the threshold from facts and typed mentions), as a weak proposal."""
    weak = max(earlier, key=_rank_key, default=None)
    ranked = ranked_sentences(store, q)
    related = [_evidence(r.hit) for r in ranked[:3]]
    span = best_span(q, ranked)
    if span is None or (weak is not None and span.score < weak.score):
        if weak is None:
            return Proposal(q, None, 0.0, "weak", [], related)
        return _proposal(q, weak, weak.score, "weak", related)
    proposal = _proposal(q, span, span.score, "span", related)
    proposal.evidence += [e for e in related if e.text != proposal.evidence[0].text][:2]
    return proposal


def _evidence(hit: SentenceHit) -> Evidence:
    return Evidence(hit.text, hit.url, hit.title, hit.published, hit.article_id, hit.position)


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
