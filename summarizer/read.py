"""Read: candidate answers to a question, from facts, typed mentions and short spans.

Each way proposes candidates with its own score (:class:`Candidate`): stored facts
(:func:`from_facts`: roles for "Who is the Kremlin spokesman?", relations for "Who
led Russia's delegation?"), typed mentions in the sentences the full-text search
finds (:func:`from_sentences`: a person for *who*, a place for *where*, a number for
*how many*), and short spans (:func:`best_span`, :mod:`summarizer.spans`) in the
sentences :mod:`summarizer.rank` puts first. :mod:`summarizer.answer` chooses among
them and :mod:`summarizer.verify` weighs the choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .entities import entity_key
from .language import detect_language
from .lexicon import concept
from .question import (
    CALL_VERBS,
    EXPECTED,
    LIGHT_VERBS,
    LOCATIVE,
    PLACE_WORDS,
    Question,
)
from .rank import QueryTerm, Ranked, query_terms
from .rank import rank as rank_sentences
from .spans import Asked, asked, extract
from .spans import model as span_model
from .stemming import answer_forms as _forms
from .stemming import stemmer
from .store import SentenceHit, Store, StoredFact, StoredMention

Evidence = tuple[int, int, str, str | None, str | None, str | None]  # art, pos, text, …

#: The reader's score an answer needs to be given; below it a short span is looked for.
THRESHOLD = 0.62


@dataclass
class Candidate:
    answer: str
    score: float
    evidence: list[tuple[int, int, str, str | None, str | None, str | None]]  # art, pos, …
    published: str | None = None
    kind: str = "fact"  # fact, sentence, span (see verify.KINDS)
    signals: dict[str, float] = field(default_factory=dict)  # more for the verifier


#: How many of the best-ranked sentences are searched for a short answer.
SPAN_SENTENCES = 2


def scale(raw: float) -> float:
    """A span's raw score on the confidence scale: the span scorer's fitted cut
    (``spans.json``'s threshold, see ``bench/fit_spans.py``) at :data:`THRESHOLD`.
    Below it a span is no answer; its raw score is still a feature the verifier weighs."""
    cut = span_model().threshold
    if raw >= cut:
        return min(1.0, THRESHOLD + (1 - THRESHOLD) * (raw - cut) / (1 - cut))
    return THRESHOLD * raw / cut


def supported(terms: Sequence[QueryTerm], ranked: Sequence[Ranked]) -> bool:
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
) -> tuple[float, str, dict[str, float]] | None:
    """The best span of one ranked sentence: its score, its text, and what the
    verifier weighs of it (the scorer's probability, its lead over the next span)."""
    language = language_of(r.hit.text, language)
    spans = extract(wanted, r.hit.text, language)
    if not spans:
        return None
    top = spans[0]
    support = r.features.get("coverage", 0.0) + 0.5 * r.features.get("context", 0.0)
    score = top.score * min(1.0, 0.4 + 0.6 * support)
    if relation and not relation & _lemma_forms(r.hit.text, language):
        score *= NO_RELATION  # "Who founded X?" and a sentence about X that founds nothing
    following = spans[1].score if len(spans) > 1 else 0.0
    signals = {"span_probability": top.score, "span_lead": top.score - following}
    return score, strip_answer(top.text), signals


def _lemma_forms(sentence: str, language: str) -> frozenset[str]:
    """The forms of the sentence's words and of their lemmas ("said" → say)."""
    from .spans import parse_sentence

    lemmas = {f for t in parse_sentence(sentence, language).tokens for f in _forms(t.lemma)}
    return _sentence_forms(sentence) | lemmas


def language_of(text: str, default: str) -> str:
    """The sentence's own language (a Russian question may be asked of English text)."""
    cyrillic = len(re.findall(r"[а-яёіїєґ]", text.lower()))
    latin = len(re.findall(r"[a-z]", text.lower()))
    if latin > 3 * cyrillic:
        return "en"
    if cyrillic > 3 * latin:
        return default if default in ("ru", "uk") else detect_language(text)
    return detect_language(text)


def asks_about_person(q: Question) -> bool:
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


def from_facts(store: Store, q: Question) -> list[Candidate]:
    out: list[Candidate] = []
    if q.copular and q.wh == "who" and q.object_terms:
        # "Who is the Kremlin spokesman?": people whose role covers the words asked
        person = [k for k in q.object_terms if k.startswith("person:")]
        if person:  # "Who is Anna Berg?": her role
            for fact in store.find_facts(kind="role", subject_keys=person, limit=50):
                out.append(Candidate(fact.predicate, 0.9, [_evidence_of(fact)], fact.published))
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
            out.append(Candidate(fact.subject, score, [_evidence_of(fact)], fact.published))
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
        out.append(Candidate(answer, score, [_evidence_of(fact)], fact.published))
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


def _with_names(store: Store, candidates: list[Candidate]) -> list[Candidate]:
    """Give people their fullest stored name ("Berg" → "Anna Berg"), when that name is
    written in the article the answer comes from: a surname is not another story's person."""
    keys = [entity_key(c.answer, "PERSON") for c in candidates]
    names = store.entity_names([k for k in keys if k])
    texts: dict[int, str] = {}
    for cand, key in zip(candidates, keys, strict=True):
        full = names.get(key or "")
        if not full or len(full) <= len(cand.answer) or not cand.evidence:
            continue
        article_id = cand.evidence[0][0]
        if article_id not in texts:
            stored = store.get_article(article_id)
            texts[article_id] = (
                f"{stored.article.title or ''}\n{stored.article.text}" if stored else ""
            )
        if full in texts[article_id]:
            cand.answer = full
    return candidates


def search_words(q: Question) -> list[str]:
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


def from_sentences(store: Store, q: Question, hits: Sequence[SentenceHit]) -> list[Candidate]:
    if not hits:
        return []
    mentions = store.mentions_in([(h.article_id, h.position) for h in hits])
    by_sentence: dict[tuple[int, int], list[StoredMention]] = {}
    for m in mentions:
        by_sentence.setdefault((m.article_id, m.position), []).append(m)
    out: list[Candidate] = []
    expected = set(EXPECTED.get(q.wh, ()))
    for hit in hits:
        found = by_sentence.get((hit.article_id, hit.position), [])
        coverage = _coverage(q, hit.text, [m.key for m in found])
        if coverage < 0.5:
            continue
        for answer, fit in _typed_answers(q, hit, found, expected):
            score = coverage * fit
            out.append(
                Candidate(
                    answer,
                    score,
                    [(hit.article_id, hit.position, hit.text, hit.url, hit.title, hit.published)],
                    hit.published,
                    "sentence",
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
            out.extend((strip_answer(x), 0.9) for x in quoted[:1])
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
        out.append((strip_answer(m.text), fit))
    return out


def _term_positions(q: Question, text: str) -> list[int]:
    positions = []
    for match in re.finditer(r"\w+(?:[-'’]\w+)*", text):
        if any(set(_forms(match.group(0))) & (t.forms | t.words) for t in q.terms):
            positions.append(match.start())
    return positions


def strip_answer(text: str) -> str:
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"['’]s$", "", text).strip('“”"«» ,.;:')


# -- the pool ---------------------------------------------------------------------


_CYRILLIC_WORD = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_NAMED = frozenset({"PERSON", "LOC", "GPE"})


def dictionary_form(answer: str, language: str) -> str:
    """A Russian or Ukrainian name as a dictionary gives it ("Дениса Суареса" → Денис
    Суарес, "Москве" → Москва), when the whole answer is one person or place; else as
    written."""
    if language not in ("ru", "uk") or not _CYRILLIC_WORD.search(answer):
        return answer
    from .nlp import parse

    parsed = parse([answer], language)[0]
    whole = [
        e
        for e in parsed.entities
        if e.label in _NAMED and e.start == 0 and e.end == len(parsed.tokens) and e.normal
    ]
    return whole[0].normal if whole else answer


def hit_evidence(hit: SentenceHit) -> Evidence:
    return (hit.article_id, hit.position, hit.text, hit.url, hit.title, hit.published)


def ranked_sentences(store: Store, q: Question) -> list[Ranked]:
    """The stored sentences for ``q``, best first (:func:`summarizer.rank.rank`)."""
    if q.parsed is None:
        return []
    words = {w.lower() for w in re.findall(r"\w+", q.text)}
    return rank_sentences(
        store, query_terms(q.parsed), asked(q.text, q.wh).wh, q.entity_keys, words
    )


def best_span(q: Question, ranked: Sequence[Ranked]) -> Candidate | None:
    """The short span of the best two sentences that fits the question best, when the
    best sentence says enough of the question; its score on the reader's scale."""
    if q.parsed is None or not supported(query_terms(q.parsed), ranked):
        return None
    wanted = asked(q.text, q.wh)
    relation = _relation_forms(q)
    best: tuple[float, str, Ranked, dict[str, float]] | None = None
    for k, r in enumerate(ranked[:SPAN_SENTENCES]):
        if best is not None and best[0] >= 0.7**k:
            break  # a later sentence counts 0.7 as much: it cannot win
        found = _span_in(wanted, r, q.language, relation)
        if found is None:
            continue
        score = found[0] * (1.0 if k == 0 else 0.7)
        if best is None or score > best[0]:
            best = (score, found[1], r, {**found[2], "span_sentence": float(k)})
    if best is None:
        return None
    score, text, r, signals = best
    evidence = [hit_evidence(r.hit)]
    return Candidate(text, scale(score), evidence, r.hit.published, "span", signals)
