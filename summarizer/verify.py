"""Verify: is the reader's best answer right? A probability, fitted on data.

The reader (:mod:`summarizer.answer`) proposes one answer with the sentence it rests
on. Before it is given, :func:`probability` measures what the answer and its evidence
say of the question (:func:`features`): how much of the question the sentence, and the
sentence with its headline and neighbours, say; whether the question's names, numbers
and role modifiers ("foreign", "vice", "former") are there; whether the answer only
repeats the question; which way the reader found it and how sure it was. A logistic
regression turns them into the probability that the answer is right.

The weights are fitted by ``python -m bench.fit_verify`` (news QA dev set, seed dev set
and XQuAD en/ru, folds by article, fixed seed) and ship as ``verify.json`` beside this
module, read once, offline; so is the threshold below which the answer is withheld,
chosen on the folds the model did not see so that wrong answers stay at most 3 % of the
questions. No scikit-learn at run time: a dot product and a sigmoid.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from .question import Question, Term
from .stemming import answer_forms

if TYPE_CHECKING:
    from .store import Store

#: The reader's ways to an answer, one feature each.
KINDS = ("fact", "sentence", "span", "weak")
WH = ("who", "where", "when", "number", "what")

#: Words that narrow a role: a question asking for one must find it in the evidence
#: ("the foreign minister" is not "the defence minister"). Vocabulary, in the three
#: languages, not any question's words.
MODIFIERS = frozenset(
    {
        *("foreign", "vice", "deputy", "former", "shadow", "acting", "interim", "assistant"),
        *("junior", "senior", "ex", "outgoing", "incoming", "new", "first", "current"),
        *("вице", "заместитель", "замглавы", "бывший", "экс", "исполняющий", "первый"),
        *("новый", "иностранных", "віце", "заступник", "колишній", "виконувач", "перший"),
        *("новий", "закордонних", "іноземних"),
    }
)

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_NUMBER = re.compile(r"\d+")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """What :func:`features` needs of the sentence an answer rests on."""

    text: str
    article_id: int
    position: int
    title: str | None


def _forms(text: str) -> set[str]:
    return {f for w in _WORD.findall(text.lower()) for f in answer_forms(w)}


def _share(terms: Sequence[Term], found: set[str]) -> float:
    if not terms:
        return 1.0
    return sum(1 for t in terms if t.found_in(found)) / len(terms)


def _context(store: Store, evidence: Evidence) -> str:
    """The headline and the sentences either side of the evidence."""
    around = [store.sentence(evidence.article_id, evidence.position + d) for d in (-2, -1, 1)]
    return " ".join([evidence.title or "", *(s for s in around if s)])


def _article_text(store: Store, evidence: Evidence) -> str:
    stored = store.get_article(evidence.article_id)
    if stored is None:
        return evidence.text
    return f"{stored.article.title or ''} {stored.article.text}"


class Forms(NamedTuple):
    """The forms of an evidence sentence, of its headline and neighbours, of its article."""

    sentence: set[str]
    around: str  # the headline and neighbours, as text
    context: set[str]
    article: set[str]


def features(
    store: Store,
    q: Question,
    answer: str,
    kind: str,
    raw: float,
    evidence: Evidence,
    cache: dict[tuple[int, int], Forms] | None = None,
) -> dict[str, float]:
    """What the answer and its evidence say of the question, each a number; ``cache``
    keeps each sentence's forms for the next answer about the same sentence."""
    key = (evidence.article_id, evidence.position)
    found = cache.get(key) if cache is not None else None
    if found is None:
        around = _context(store, evidence)
        sentence = _forms(evidence.text)
        context = sentence | _forms(around)
        found = Forms(sentence, around, context, context | _forms(_article_text(store, evidence)))
        if cache is not None:
            cache[key] = found
    sentence, around, context, article = found
    weight = sum(t.weight for t in q.terms) or 1.0
    covered = sum(t.weight for t in q.terms if t.found_in(sentence)) / weight
    in_context = sum(t.weight for t in q.terms if t.found_in(context)) / weight
    in_article = sum(t.weight for t in q.terms if t.found_in(article)) / weight
    names = [t for t in q.terms if t.key in q.entity_keys or t.words]
    question_words = {w.lower() for w in _WORD.findall(q.text)}
    modifiers = [w for w in question_words if w in MODIFIERS]
    numbers = set(_NUMBER.findall(q.text))
    answer_words = _WORD.findall(answer.lower())
    asked_forms = _forms(q.text)
    repeated = [w for w in answer_words if set(answer_forms(w)) & asked_forms]
    cross = bool(_CYRILLIC.search(q.text)) != bool(_CYRILLIC.search(evidence.text))
    row = {
        "raw": raw,
        "coverage": covered,
        "coverage_context": in_context,
        "coverage_article": in_article,
        "names_sentence": _share(names, sentence),
        "names_context": _share(names, context),
        "names_missing": float(bool(names) and _share(names, article) < 1.0),
        "modifier_missing": float(any(not set(answer_forms(m)) & sentence for m in modifiers)),
        "number_missing": float(bool(numbers - set(_NUMBER.findall(f"{evidence.text} {around}")))),
        "answer_repeats": len(repeated) / len(answer_words) if answer_words else 1.0,
        "answer_words": min(len(answer_words), 12) / 12,
        "answer_digits": float(bool(answer_words) and all(w.isdigit() for w in answer_words)),
        "cross_lingual": float(cross),
        "no_terms": float(not q.terms),
    }
    answer_forms_ = {f for w in answer_words for f in answer_forms(w)}
    # a role word the sentence puts on its person that the question did not ask for
    # ("Former secretary X" for "the current secretary")
    unasked = {w.lower() for w in _WORD.findall(evidence.text)} & MODIFIERS
    row["modifier_unasked"] = float(bool(unasked - question_words))
    row["answer_is_asked_name"] = float(any(t.found_in(answer_forms_) for t in names))
    row["raw_x_coverage"] = raw * covered
    row["fact_x_coverage"] = covered if kind == "fact" else 0.0
    row["span_x_coverage"] = covered if kind == "span" else 0.0
    row.update({f"kind_{k}": float(kind == k) for k in KINDS})
    row.update({f"wh_{w}": float(q.wh == w) for w in WH})
    return row


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over standardised :func:`features`."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, row: dict[str, float]) -> float:
        z = self.intercept
        columns = zip(self.names, self.mean, self.scale, self.coef, strict=True)
        for name, mean, scale, coef in columns:
            z += coef * (row.get(name, 0.0) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model (``verify.json`` in this package), read once."""
    raw = json.loads(resources.files(__package__).joinpath("verify.json").read_text("utf-8"))
    return Model(
        names=tuple(raw["features"]),
        mean=tuple(raw["mean"]),
        scale=tuple(raw["scale"]),
        coef=tuple(raw["coef"]),
        intercept=float(raw["intercept"]),
        threshold=float(raw["threshold"]),
    )


def probability(
    store: Store, q: Question, answer: str, kind: str, raw: float, evidence: Evidence
) -> float:
    """The probability that ``answer`` is right, by the shipped model."""
    return model().probability(features(store, q, answer, kind, raw, evidence))
