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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .fitted import Model, load
from .question import Question, Term
from .spans import asked, parse_sentence, spans_of
from .stemming import answer_forms

if TYPE_CHECKING:
    from .store import Store

#: What the reader says of its own answer (:class:`summarizer.answer.Proposal`).
SIGNALS = ("agreed", "span_probability", "span_lead", "span_sentence", "repeated", "in_first")
#: The reader's ways to an answer, one feature each.
KINDS = ("fact", "sentence", "span")
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

#: The answer labels (:func:`answer_label`) that fit what a question asks for.
FITTING = {
    "who": ("PERSON",),
    "org": ("ORG", "NORP"),
    "where": ("PLACE",),
    "when": ("DATE",),
    "number": ("NUMBER",),
}
#: What :func:`answer_label` can say.
LABELS = ("PERSON", "ORG", "NORP", "PLACE", "DATE", "NUMBER", "OTHER", "NP")
_COARSE = {
    **dict.fromkeys(("GPE", "LOC", "FAC"), "PLACE"),
    **dict.fromkeys(("DATE", "TIME"), "DATE"),
    **dict.fromkeys(("NUMBER", "MONEY", "PERCENT"), "NUMBER"),
    "PERSON": "PERSON",
    "ORG": "ORG",
    "NORP": "NORP",
}

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
    language: str = "en"  # the sentence's own


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


def features(
    store: Store,
    q: Question,
    answer: str,
    kind: str,
    raw: float,
    evidence: Evidence,
    signals: dict[str, float] | None = None,
) -> dict[str, float]:
    """What the answer and its evidence say of the question, each a number;
    ``signals`` are the reader's own (the span scorer's probability and lead, whether
    the reader's ways agree, how many of the best sentences hold the answer)."""
    around = _context(store, evidence)
    sentence = _forms(evidence.text)
    context = sentence | _forms(around)
    article = context | _forms(_article_text(store, evidence))
    weight = sum(t.weight for t in q.terms) or 1.0
    covered = sum(t.weight for t in q.terms if t.found_in(sentence)) / weight
    in_context = sum(t.weight for t in q.terms if t.found_in(context)) / weight
    in_article = sum(t.weight for t in q.terms if t.found_in(article)) / weight
    names = [t for t in q.terms if t.key in q.entity_keys or t.words]
    question_words = _words(q.text)
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
    unasked = _words(evidence.text) & MODIFIERS
    row["modifier_unasked"] = float(bool(unasked - question_words))
    row["answer_is_asked_name"] = float(any(t.found_in(answer_forms_) for t in names))
    row.update({name: (signals or {}).get(name, 0.0) for name in SIGNALS})
    row["raw_x_coverage"] = raw * covered
    row["fact_x_coverage"] = covered if kind == "fact" else 0.0
    row["span_x_coverage"] = covered if kind == "span" else 0.0
    label = answer_label(answer, evidence.text, evidence.language)
    row.update({f"label_{name}": float(label == name) for name in LABELS})
    row["type_match"] = float(label in FITTING.get(asked_type(q), ()))
    row.update({f"kind_{k}": float(kind == k) for k in KINDS})
    row.update({f"wh_{w}": float(q.wh == w) for w in WH})
    return row


def _words(text: str) -> set[str]:
    """The words of ``text``, lower-cased, each hyphenated one also in its parts
    ("vice-president": vice, president)."""
    words = {w.lower() for w in _WORD.findall(text)}
    return words | {part for w in words if "-" in w for part in w.split("-") if part}


def asked_type(q: Question) -> str:
    """What the question asks for: who, org, where, when, number, what, …"""
    return asked(q.text, q.wh).wh


def answer_label(answer: str, sentence: str, language: str) -> str:
    """The answer's type in its sentence: the label of the parse's entity it is (or is
    in), else NUMBER for digits, else NP."""
    wanted = answer.casefold()
    if wanted:
        for span in spans_of(parse_sentence(sentence, language)):
            if span.kind != "NP" and wanted in span.text.casefold():
                return _COARSE.get(span.kind, "OTHER")
    return "NUMBER" if _NUMBER.search(answer) else "NP"


def model() -> Model:
    """The shipped model (``verify.json`` in this package), read once."""
    return load("verify.json")


def probability(
    store: Store, q: Question, answer: str, kind: str, raw: float, evidence: Evidence
) -> float:
    """The probability that ``answer`` is right, by the shipped model."""
    return model().probability(features(store, q, answer, kind, raw, evidence))
