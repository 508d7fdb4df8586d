"""What a question asks: its expected type, verb, object and entities (step 1 of answering).

:func:`analyse_question` reduces a question to the same concepts and keys the
facts use (:mod:`summarizer.lexicon`, :mod:`summarizer.entities`), so "Who
headed Moscow's team?" and "Кто возглавил делегацию России?" ask the same
thing. :mod:`summarizer.answer` answers the :class:`Question` it returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .entities import entity_key, side_of
from .language import detect_language
from .lexicon import concept, synonyms
from .nlp import Parsed, Token, parse
from .stemming import QUESTION_STOP_WORDS as _STOP
from .stemming import answer_forms as _forms

_WH = {
    "who": "who", "whom": "who", "whose": "who", "where": "where", "when": "when",
    "what": "what", "which": "what", "how": "how",
    "кто": "who", "кого": "who", "кому": "who", "кем": "who", "где": "where",
    "куда": "where", "откуда": "where", "когда": "when", "что": "what", "какой": "what",
    "какая": "what", "какое": "what", "какие": "what", "сколько": "number",
    "хто": "who", "кого́": "who", "де": "where", "коли": "when", "що": "what",
    "який": "what", "яка": "what", "скільки": "number",
}  # fmt: skip
EXPECTED = {
    "who": ("PERSON",),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "number": ("NUMBER", "MONEY", "PERCENT"),
    "what": (),
}
PLACE_WORDS = frozenset(
    """palace hall square center centre stadium hotel airport embassy building house
    castle cathedral church mosque park street avenue bridge port harbour harbor base
    university museum theatre theater arena forum resort summit дворец зал площадь центр
    стадион отель аэропорт посольство палац""".split()
)
LOCATIVE = re.compile(
    r"\b(in|at|near|inside|outside|within|в|во|на|под|у|біля)\s+(the\s+)?$", re.IGNORECASE
)
_COPULA = {"be", "являться", "быть", "бути"}
# verbs that say little on their own ("Where were the talks held?"): weigh them less
LIGHT_VERBS = {
    "hold",
    "take",
    "happen",
    "occur",
    "go",
    "do",
    "make",
    "get",
    "have",
    "be",
    "проходить",
    "пройти",
    "состояться",
    "быть",
    "відбутися",
}
CALL_VERBS = {"call"}  # their "as …"/quoted complement answers "what did X call Y"


@dataclass
class Term:
    """One content word or entity of the question, with every form that matches it."""

    text: str
    key: str  # concept or entity key
    forms: frozenset[str]  # stems of synonyms, and entity keys
    weight: float
    search: tuple[str, ...]  # words to give the full-text search
    words: frozenset[str] = frozenset()  # for a name: its words' forms, all of which must match

    def found_in(self, features: set[str]) -> bool:
        return bool(self.forms & features) or bool(self.words and self.words <= features)


@dataclass
class Question:
    text: str
    language: str
    wh: str  # who, where, when, number, what
    verb: str | None  # the main verb's concept
    verb_lemma: str | None  # the main verb as written (lemma)
    copular: bool
    terms: list[Term]
    object_terms: list[str]  # concepts/keys of the verb's object (or the attribute)
    subject_keys: list[str]  # entities the question names as the verb's subject
    entity_keys: list[str]  # every entity the question names
    counted: str | None  # "how many prisoners" → "prisoner"
    parsed: Parsed | None = None


# -- question analysis ------------------------------------------------------------


def analyse_question(text: str) -> Question:
    language = detect_language(text)
    parsed = parse([text.strip()], language)[0]
    tokens = parsed.tokens
    wh = "what"
    wh_index = -1
    for t in tokens:
        word = t.text.lower()
        if word in _WH:
            wh, wh_index = _WH[word], t.i
            if wh == "how":
                following = tokens[t.i + 1].text.lower() if t.i + 1 < len(tokens) else ""
                wh = "number" if following in ("many", "much") else "what"
            break
    root = next((t for t in tokens if t.head == t.i), tokens[0])
    copular = (
        root.lemma in _COPULA
        or (root.pos in ("NOUN", "PROPN") and wh == "who")
        or root.i == wh_index  # "Кто такой X?": the question word heads the tree
    )
    verb = None if copular else concept(root.lemma)
    counted = None
    if wh == "number":
        counted = _counted_noun(parsed, wh_index)
    entity_keys: list[str] = []
    for ent in parsed.entities:
        if ent.label in ("DATE", "TIME", "NUMBER"):
            continue
        key = entity_key(ent.normal or ent.text, ent.label)
        if key and key not in entity_keys:
            entity_keys.append(key)
    subject_keys = []
    for t in tokens:
        if t.dep == "nsubj" and t.head == root.i and t.i != wh_index:
            named = parsed.entity_of(t.i)
            if named is not None:
                key = entity_key(named.normal or named.text, named.label)
                if key.startswith("person:"):
                    subject_keys.append(key)
    object_tokens: list[Token] = []
    for t in tokens:
        if (
            t.head == root.i
            and t.i != wh_index
            and t.dep in ("obj", "dobj", "nsubj:pass", "nsubjpass", "attr")
        ) or (copular and t.dep == "nsubj" and t.head == root.i and t.i != wh_index):
            object_tokens.extend(parsed.subtree(t.i))
    if copular and (root.pos in ("NOUN", "PROPN") or root.i == wh_index):
        object_tokens = [t for t in parsed.subtree(root.i) if t.i != wh_index and t.pos != "DET"]
    object_terms = _concepts(parsed, object_tokens)
    terms = _question_terms(parsed, wh_index, language)
    return Question(
        text=text,
        language=language,
        wh=wh,
        verb=verb,
        verb_lemma=None if copular else root.lemma,
        copular=copular,
        terms=terms,
        object_terms=object_terms,
        subject_keys=subject_keys,
        entity_keys=entity_keys,
        counted=counted,
        parsed=parsed,
    )


def _counted_noun(parsed: Parsed, wh_index: int) -> str | None:
    for t in parsed.tokens[wh_index + 1 :]:
        if t.pos == "NOUN":
            return concept(t.lemma)
    return None


def _concepts(parsed: Parsed, tokens: Iterable[Token]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if t.text.lower() in _STOP or t.pos in ("PUNCT", "DET", "ADP", "AUX", "PART"):
            continue
        ent = parsed.entity_of(t.i)
        if ent is not None and ent.label not in ("DATE", "TIME", "NUMBER"):
            key = entity_key(ent.normal or ent.text, ent.label)
            if key and key not in out:
                out.append(key)
            if key.startswith("side:"):
                continue
        side = side_of(t.lemma) if t.pos in ("ADJ", "PROPN") else None
        if side:
            if f"side:{side}" not in out:
                out.append(f"side:{side}")
            continue
        term = concept(t.lemma)
        if term not in out:
            out.append(term)
    return out


def _question_terms(parsed: Parsed, wh_index: int, language: str) -> list[Term]:
    terms: list[Term] = []
    seen: set[str] = set()
    for t in parsed.tokens:
        word = t.text.lower()
        if (
            t.i == wh_index
            or word in _STOP
            or t.pos in ("PUNCT", "DET", "ADP", "AUX", "PART", "CCONJ", "SCONJ", "PRON")
        ):
            continue
        if word in ("many", "much"):
            continue
        ent = parsed.entity_of(t.i)
        if ent is not None and ent.label not in ("DATE", "TIME", "NUMBER"):
            key = entity_key(ent.normal or ent.text, ent.label)
            if key in seen or not key:
                continue
            seen.add(key)
            name_words = frozenset(
                f for w in re.findall(r"\w+", ent.text) if w.lower() not in _STOP for f in _forms(w)
            )
            aliases = tuple(entity_aliases(key, ent.normal or ent.text))
            terms.append(Term(ent.text, key, frozenset({key}), 1.5, aliases, name_words))
            continue
        if t.pos not in ("NOUN", "PROPN", "ADJ", "VERB", "NUM", "ADV", "X"):
            continue
        key = concept(t.lemma)
        if key in seen:
            continue
        seen.add(key)
        words = [w for w in synonyms(t.lemma) if " " not in w]
        if t.text.lower() not in words:
            words.insert(0, t.text.lower())
        side = side_of(t.lemma) if t.pos in ("ADJ", "PROPN") else None
        forms = {f for w in words for f in _forms(w)}
        if side:
            forms.add(f"side:{side}")
            words.extend(entity_aliases(f"side:{side}", t.text))
        weight = {"NOUN": 1.0, "PROPN": 1.5, "NUM": 1.2, "ADJ": 0.6, "VERB": 0.8}.get(t.pos, 0.5)
        if t.i == next((x.i for x in parsed.tokens if x.head == x.i), -1) and t.pos == "VERB":
            weight = 1.0  # the relation asked about: a sentence without it says something else
        if key in LIGHT_VERBS or t.lemma in LIGHT_VERBS:
            weight = 0.3
        terms.append(Term(t.text, key, frozenset(forms), weight, tuple(dict.fromkeys(words))))
    return terms


def entity_aliases(key: str, text: str) -> list[str]:
    """Words that name entity ``key`` in text: "Russia" → Russia, Moscow, Kremlin, Russian…"""
    if key.startswith("side:"):
        from .entities import side_names

        return side_names(key[5:]) or [text]
    if key.startswith("person:"):
        return [key[7:], *text.split()[-1:]]
    return [text]
