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
from .verify import features
from .verify import model as verify_model

logger = logging.getLogger(__name__)

#: How many of the best-ranked sentences the verifier's signals look at.
RANKS = 5


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
    """One of the reader's answers before it is verified: ``kind`` says how it was
    found (fact, sentence: a typed mention; span: out of the best-ranked sentences),
    ``raw`` its score; ``agreed`` that the reader's other way found the same answer;
    ``related`` the best sentences found, for when it is withheld."""

    question: Question
    answer: str | None
    raw: float
    kind: str
    evidence: list[Evidence] = field(default_factory=list)
    related: list[Evidence] = field(default_factory=list)
    agreed: bool = False
    signals: dict[str, float] = field(default_factory=dict)  # more for the verifier


def answer_question(store: Store, question: str) -> Answer:
    """Answer ``question`` from ``store``; ``answer`` is None when nothing supports one.

    Retrieve and read (:func:`proposals`), then verify (:func:`decide`,
    :mod:`summarizer.verify`): the confidence is the fitted probability that the
    answer is right; without an answer ``related`` holds the closest sentences.
    Synchronous and CPU-bound (it parses the question): the bot runs it in an executor.
    """
    question = " ".join(question.split())
    if not question:
        return Answer(question, None, 0.0)
    return decide(store, proposals(store, analyse_question(question)))


def decide(store: Store, proposed: Sequence[Proposal]) -> Answer:
    """The proposal the verifier trusts most, given when its probability reaches the
    verifier's threshold (the lowest that kept wrong answers at most 3 % of the news
    questions on folds the model did not see: ``bench/fit_verify.py``,
    docs/benchmarks.md "Verifier"); else withheld, with the closest sentences (its own
    evidence first). ``confidence`` is that probability."""
    text = proposed[0].question.text
    verifier = verify_model()
    scored = [
        (verifier.probability(verify_features(store, p)), k, p)
        for k, p in enumerate(proposed)
        if p.answer and p.evidence
    ]
    if not scored:
        return Answer(text, None, 0.0, [], proposed[0].related[:3])
    p, _, best = max(scored, key=lambda t: (t[0], -t[1]))
    if p >= verifier.threshold:
        language = language_of(best.evidence[0].text, best.question.language)
        answer = dictionary_form(best.answer or "", language)
        return Answer(text, answer, p, best.evidence[:3])
    related = list(best.evidence[:1])
    related += [e for e in best.related if e.text not in {r.text for r in related}]
    return Answer(text, None, p, [], related[:3])


def verify_features(store: Store, proposal: Proposal) -> dict[str, float]:
    """:func:`summarizer.verify.features` of a proposal with an answer."""
    first = proposal.evidence[0]
    language = language_of(first.text, proposal.question.language)
    evidence = VerifyEvidence(first.text, first.article_id, first.position, first.title, language)
    return features(
        store,
        proposal.question,
        proposal.answer or "",
        proposal.kind,
        proposal.raw,
        evidence,
        {"agreed": float(proposal.agreed), **proposal.signals},
    )


def proposals(store: Store, q: Question) -> list[Proposal]:
    """The reader's answers, each however weak, for the verifier to weigh: the best
    stored fact or typed mention, and the best span of the best-ranked sentences.
    Never empty: without any answer, one proposal of none with the closest sentences."""
    hits = store.search_sentences(search_words(q), limit=40)
    # facts left pending at ingest are read now for the articles the question finds
    read_for_hits(store, (h.article_id for h in hits))
    candidates = from_facts(store, q)
    if not asks_about_person(q):  # "Who is X?" wants X's role, not another name
        candidates += from_sentences(store, q, hits)
    ranked = ranked_sentences(store, q)
    related = [_evidence(r.hit) for r in ranked[:3]]
    out = []
    if candidates:
        top = _best_candidate(candidates)
        out.append(_proposal(q, top, min(1.0, top.score), top.kind, related))
    span = best_span(q, ranked)
    if span is not None:
        proposal = _proposal(q, span, span.score, "span", related)
        proposal.evidence += [e for e in related if e.text != proposal.evidence[0].text][:2]
        out.append(proposal)
    if len(out) == 2 and _same(out[0].answer, out[1].answer):
        out[0].agreed = out[1].agreed = True
    texts = [r.hit.text for r in ranked[:RANKS]]
    for proposal in out:
        # how many of the best sentences hold the answer, and whether the first does
        holding = [t for t in texts if _same_in(proposal.answer, t)]
        proposal.signals["repeated"] = len(holding) / RANKS
        proposal.signals["in_first"] = float(bool(texts) and _same_in(proposal.answer, texts[0]))
    return out or [Proposal(q, None, 0.0, "none", [], related)]


def _same(a: str | None, b: str | None) -> bool:
    """Whether two answers name the same thing (one holds the other, case folded)."""
    x, y = fold(a or ""), fold(b or "")
    return bool(x and y) and (x in y or y in x)


def _same_in(answer: str | None, text: str) -> bool:
    said = fold(answer or "")
    return bool(said) and said in fold(text)


def _best_candidate(candidates: Sequence[Candidate]) -> Candidate:
    """The best fact or typed mention, with the evidence of the others that say the
    same (those the reader's cut supports)."""
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
    return max(merged.values(), key=_rank_key)


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
    return Proposal(q, c.answer, raw, kind, evidence, related, signals=dict(c.signals))


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
