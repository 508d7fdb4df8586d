"""Facts: who is who, and who did what, extracted from parsed sentences.

For each article this module finds

* **mentions**: every named entity (people, organisations, places, dates,
  numbers), with the key that merges its spellings (:mod:`summarizer.entities`);
* **roles**: titles written around a person's name, as a modifier ("Kremlin
  spokeswoman Anna Berg", "former Finance Minister Lund") or an
  apposition ("Norway's chief negotiator, Trade Minister Ola Lund";
  "министр финансов Ольга Лунд");
* **relations**: a verb with its subject and object, read from the dependency
  tree: active and passive ("was headed by X"), relative clauses ("X, who Y
  tapped to lead Z": the leader is X, the object of "tapped", not Y),
  infinitive complements ("sent X to lead Z"), participles ("…, opened by X")
  and coordinated verbs. Predicates and object heads are reduced to their
  synonym set (:mod:`summarizer.lexicon`), so facts compare across wording and
  language.

Every fact keeps the index of its sentence; the store keeps the sentence, the
article, its source and date. This module only extracts: reading the facts of
stored articles later is :mod:`summarizer.pending`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .analysis import Analysis, Fact, Mention
from .entities import entity_key, side_of
from .lexicon import concept, is_title
from .nlp import Entity, Parsed, Token, parse

NAMED = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"}
_RELATIVE = {"who", "whom", "which", "that", "который", "которая", "которые", "кто", "який",
             "яка", "які"}  # fmt: skip
_PRONOUNS = {"he", "she", "him", "her", "он", "она", "його", "він", "вона"}
_SUBJ = {"nsubj"}
_COMPANY = {
    "company",
    "firm",
    "group",
    "business",
    "carmaker",
    "maker",
    "bank",
    "agency",
    "retailer",
    "startup",
    "компания",
    "фирма",
    "группа",
    "банк",
    "агентство",
    "компанія",
    "концерн",
    "корпорация",
    "корпорація",
}
_OBJ = {"obj", "dobj"}
_CONTENT_POS = {"NOUN", "PROPN", "ADJ", "NUM", "VERB"}
_ROLE_LINK = {"of", "for", "and", "’s", "'s", "-"}


def analyse(sentences: Sequence[str], language: str) -> Analysis:
    """Parse ``sentences`` and extract their mentions and facts."""
    parsed = parse(sentences, language)
    return analyse_parsed(parsed)


def analyse_parsed(parsed: Sequence[Parsed]) -> Analysis:
    mentions: list[Mention] = []
    facts: list[Fact] = []
    names: dict[str, str] = {}
    last_person: tuple[str, str] | None = None  # (name, key) for he/she
    last_org: tuple[str, str] | None = None  # (key, name) for "the company"
    known = {  # people named anywhere in the article, to recognise a bare surname NER missed
        _key(e) for sentence in parsed for e in sentence.entities if e.label == "PERSON"
    }
    for position, sentence in enumerate(parsed):
        keys = [_key(e) for e in sentence.entities]
        for ent, key in zip(sentence.entities, keys, strict=True):
            if not key:
                continue
            first, last = sentence.tokens[ent.start], sentence.tokens[ent.end - 1]
            mentions.append(
                Mention(
                    position,
                    first.start,
                    last.start + len(last.text),
                    ent.text,
                    ent.label,
                    key,
                    ent.normal,
                    head=_counted(sentence, ent),
                )
            )
            if ent.label == "PERSON" and len(ent.normal) > len(names.get(key, "")):
                names[key] = _clean_name(ent.normal)
        facts.extend(_roles(sentence, position, keys))
        rel_facts = _relations(sentence, position, last_person, known, last_org)
        orgs = [
            k
            for e, k in zip(sentence.entities, keys, strict=True)
            if e.label == "ORG" and k.startswith("org:")
        ]
        if orgs:
            last_org = (orgs[0], next(e.text for e in sentence.entities if _key(e) == orgs[0]))
        facts.extend(rel_facts)
        for fact in rel_facts:
            if fact.subject_key.startswith("person:"):
                last_person = (fact.subject, fact.subject_key)
    for fact in facts:  # the fullest name for every person
        if fact.subject_key in names:
            fact.subject = names[fact.subject_key]
    return Analysis(mentions, facts, names)


def _key(ent: Entity) -> str:
    if ent.label in ("DATE", "TIME", "NUMBER", "MONEY", "PERCENT"):
        return f"{ent.label.lower()}:{ent.text.lower()}"
    if ent.label == "PERSON" and side_of(ent.normal or ent.text):
        ent.label = "GPE"  # a capital the tagger took for a person ("Kyiv")
    return entity_key(ent.normal or ent.text, ent.label)


def _clean_name(name: str) -> str:
    return re.sub(r"['’]s$", "", name).strip()


def _counted(sentence: Parsed, ent: Entity) -> str:
    """For a number, the concept of the noun it counts: "1,000 prisoners" -> "prisoner"."""
    if ent.label != "NUMBER":
        return ""
    inside = set(range(ent.start, ent.end))
    last = sentence.tokens[ent.end - 1]
    if last.pos == "NOUN" and last.lemma.rstrip(".") not in (
        "тыс",
        "тысяча",
        "млн",
        "миллион",
        "млрд",
        "thousand",
        "million",
    ):
        return concept(last.lemma)  # a quantity with its unit: "120,000 tonnes"
    for i in sorted(inside, reverse=True):
        token = sentence.tokens[i]
        head = sentence.tokens[token.head]
        if token.head not in inside and token.head != token.i and head.pos in ("NOUN", "PROPN"):
            if head.lemma.rstrip(".") in ("тыс", "тысяча", "млн", "миллион", "млрд"):
                nouns = sentence.children(head.i, "nmod")
                return concept(nouns[0].lemma) if nouns else ""
            return concept(head.lemma)
        # "4 тыс. жителей": the multiplier inside the number governs the noun
        for child in sentence.children(i, "nmod"):
            if child.i not in inside and child.pos == "NOUN":
                return concept(child.lemma)
    # the parse went elsewhere: take the noun right after the number
    for token in sentence.tokens[ent.end : ent.end + 3]:
        if token.pos == "NOUN":
            return concept(token.lemma)
        if token.pos not in ("ADJ", "PUNCT"):
            break
    return ""


# -- roles --------------------------------------------------------------------------


def _roles(sentence: Parsed, position: int, keys: list[str]) -> list[Fact]:
    facts = []
    for index, ent in enumerate(sentence.entities):
        if ent.label != "PERSON" or not keys[index]:
            continue
        prefix = _prefix_roles(sentence, ent)
        roles = prefix + [
            # an apposition counts beside a title prefix only when set off by a comma
            role
            for role in _appositive_roles(sentence, ent)
            if not prefix or _comma_between(sentence, role, ent)
        ]
        seen: set[str] = set()
        for role in roles:
            text = sentence.span_text(role)
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            facts.append(
                Fact(
                    position,
                    "role",
                    _clean_name(ent.normal or ent.text),
                    keys[index],
                    text,
                    object_terms=_terms(sentence, role),
                )
            )
    return facts


def _comma_between(sentence: Parsed, role: list[Token], ent: Entity) -> bool:
    lo, hi = sorted((role[-1].i, ent.start)) if role else (ent.start, ent.start)
    return any(t.text == "," for t in sentence.tokens[lo:hi])


def _prefix_roles(sentence: Parsed, ent: Entity) -> list[list[Token]]:
    """Title words before the name: "U.S. Special Envoy for Trade and Energy Ann Lee"."""
    tokens = sentence.tokens
    k = ent.start - 1
    taken: list[Token] = []
    while k >= 0:
        t = tokens[k]
        in_name = t.ent >= 0 and sentence.entities[t.ent].label in NAMED | {"NORP"}
        word_ok = t.pos in ("PROPN", "NOUN", "ADJ") or t.text.lower() in _ROLE_LINK or in_name
        if not word_ok or t.text in (",", "(", ")", "—", "–", ":", ";", "“", "”", '"'):
            break
        if t.ent >= 0 and sentence.entities[t.ent].label == "PERSON":
            break
        taken.insert(0, t)
        k -= 1
    inside = {t.i for t in taken} | set(range(ent.start, ent.end))
    # words that only stand before the role ("В свою очередь министр …") belong elsewhere
    while taken and (
        taken[0].text.lower() in _ROLE_LINK
        or (taken[0].head not in inside and not is_title(taken[0].lemma))
    ):
        inside.discard(taken.pop(0).i)
    if not any(is_title(t.text) or is_title(t.lemma) for t in taken):
        return []
    return [taken]


def _appositive_roles(sentence: Parsed, ent: Entity) -> list[list[Token]]:
    """A title noun in apposition: "Norway's chief negotiator, … Lund", "министр … Лунд"."""
    tokens = sentence.tokens
    name_tokens = set(range(ent.start, ent.end))
    roles = []
    for i in name_tokens:
        t = tokens[i]
        if t.dep == "appos" and t.head not in name_tokens:
            head = tokens[t.head]
            if is_title(head.text) or is_title(head.lemma):
                roles.append(_phrase_tokens(sentence, head.i, skip={t.i}))
        for child in sentence.children(i, "appos"):
            if child.i not in name_tokens and (is_title(child.text) or is_title(child.lemma)):
                roles.append(_phrase_tokens(sentence, child.i, skip=name_tokens))
    return [r for r in roles if r]


def _phrase(sentence: Parsed, head: int, skip: Iterable[int] = ()) -> str:
    """The noun phrase of ``head``, without appositions, relative clauses or ``skip``."""
    return sentence.span_text(_phrase_tokens(sentence, head, skip))


def _phrase_tokens(sentence: Parsed, head: int, skip: Iterable[int] = ()) -> list[Token]:
    cut = set(skip)
    for t in sentence.tokens:
        if t.head == head and t.dep in ("appos", "acl:relcl", "acl", "punct", "conj", "cc"):
            cut.add(t.i)
    keep = [t for t in sentence.subtree(head) if not _under(sentence, t.i, cut, head)]
    while keep and keep[0].pos in ("DET", "PUNCT"):
        keep.pop(0)
    while keep and keep[-1].pos == "PUNCT":
        keep.pop()
    return keep


def _under(sentence: Parsed, i: int, cut: set[int], stop: int) -> bool:
    while True:
        if i in cut:
            return True
        if i == stop:
            return False
        parent = sentence.tokens[i].head
        if parent == i:
            return False
        i = parent


def _terms(sentence: Parsed, tokens: Iterable[Token]) -> list[str]:
    """Concepts and entity keys of the content words among ``tokens``."""
    out: list[str] = []
    for t in tokens:
        if t.ent >= 0:
            ent = sentence.entities[t.ent]
            key = entity_key(ent.normal or ent.text, ent.label) if ent.label in NAMED else ""
            if key and key not in out:
                out.append(key)
            if ent.label in NAMED and key.startswith("side:"):
                continue
        side = side_of(t.lemma) if t.pos in ("ADJ", "PROPN") else None
        if side and f"side:{side}" not in out:
            out.append(f"side:{side}")
            continue
        if t.pos in _CONTENT_POS:
            term = concept(t.lemma)
            if term not in out:
                out.append(term)
    return out


# -- relations ------------------------------------------------------------------------


def _relations(
    sentence: Parsed,
    position: int,
    last_person: tuple[str, str] | None,
    known: set[str],
    last_org: tuple[str, str] | None = None,
) -> list[Fact]:
    facts = []
    for verb in sentence.tokens:
        if verb.pos != "VERB":
            continue
        subjects = _subjects(sentence, verb)
        if not subjects:
            continue
        objects = _objects(sentence, verb)
        obj_text = " ; ".join(_phrase(sentence, o.i) for o in objects) or None
        terms: list[str] = []
        for o in objects:
            terms.extend(
                x for x in _terms(sentence, _phrase_tokens(sentence, o.i)) if x not in terms
            )
            if last_org and o.lemma in _COMPANY and last_org[0] not in terms:
                terms.append(last_org[0])  # "the company" is the firm named before
        detail = _details(sentence, verb)
        detail["verb"] = verb.lemma
        for subject in subjects:
            named = _named(sentence, subject, known)
            if named is not None:
                name, key = named
            elif last_org and subject.lemma in _COMPANY:
                key, name = last_org
            elif subject.text.lower() in _PRONOUNS:
                found = _speaker(sentence, verb, known) or last_person
                if found is None:
                    continue
                name, key = found
            else:
                name, key = _phrase(sentence, subject.i), f"lemma:{concept(subject.lemma)}"
            if not name:
                continue
            facts.append(
                Fact(
                    position,
                    "rel",
                    _clean_name(name),
                    key,
                    concept(verb.lemma),
                    obj_text,
                    list(terms),
                    dict(detail),
                )
            )
    return facts


def _speaker(sentence: Parsed, verb: Token, known: set[str]) -> tuple[str, str] | None:
    """For "X told reporters that he had …": the named subject of a verb above ``verb``."""
    k = verb.i
    while sentence.tokens[k].head != k:
        k = sentence.tokens[k].head
        if sentence.tokens[k].pos != "VERB":
            continue
        for subject in sentence.children(k, *_SUBJ):
            named = _named(sentence, subject, known)
            if named is not None and named[1].startswith("person:"):
                return named
    return None


def _subjects(sentence: Parsed, verb: Token) -> list[Token]:
    """Who does ``verb``, resolving relative pronouns, passives and control."""
    tokens = sentence.tokens
    passive = any(c.dep in ("nsubj:pass", "auxpass", "aux:pass") for c in sentence.children(verb.i))
    # the agent of a passive or a participle: "headed by X", "opened by X", "возглавляемая X"
    for child in sentence.children(verb.i):
        if child.dep == "agent":
            return [_resolve(sentence, p) for p in sentence.children(child.i, "pobj")]
        if (
            child.dep == "obl"
            and "Case=Ins" in child.feats
            and (passive or "VerbForm=Part" in verb.feats)
        ):
            return [_resolve(sentence, child)]
    if passive:
        return []
    found = [_resolve(sentence, c) for c in sentence.children(verb.i, *_SUBJ)]
    if found:
        return found
    if verb.head == verb.i:
        return []
    governor = tokens[verb.head]
    if (
        verb.dep in ("xcomp", "advcl")
        and any(c.text.lower() == "to" for c in sentence.children(verb.i, "aux"))
    ) or (verb.dep == "xcomp" and governor.pos == "VERB"):
        # object control: "sent X to lead", "tapped who to lead"; else subject control
        objs = sentence.children(governor.i, *_OBJ)
        if objs:
            return [_resolve(sentence, objs[0])]
        return _subjects(sentence, governor)
    if verb.dep == "conj" and governor.pos == "VERB":
        return _subjects(sentence, governor)
    return []


def _resolve(sentence: Parsed, token: Token) -> Token:
    """A relative pronoun stands for the noun its clause describes."""
    if token.text.lower() in _RELATIVE:
        k = token.i
        while k != sentence.tokens[k].head:
            parent = sentence.tokens[k]
            if parent.dep in ("acl:relcl", "relcl"):
                return sentence.tokens[parent.head]
            k = parent.head
    return token


def _objects(sentence: Parsed, verb: Token) -> list[Token]:
    objs = [_resolve(sentence, c) for c in sentence.children(verb.i, *_OBJ, "nsubj:pass")]
    if not objs and verb.dep in ("acl", "obl:npmod") and verb.head != verb.i:
        objs = [sentence.tokens[verb.head]]  # "the session …, opened by X"
    return objs


def _details(sentence: Parsed, verb: Token) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    for child in sentence.children(verb.i):
        word = child.text.lower()
        if child.dep == "prep" and word == "as":  # "dismissed the team as “decorative”"
            below = [t for t in sentence.subtree(child.i) if t.i != child.i]
            detail["as"] = _strip_quotes(sentence.span_text(below)) or None
        elif child.dep == "prep":
            objs = sentence.children(child.i, "pobj")
            if objs:
                detail.setdefault("prep", {})[word] = _phrase(sentence, objs[0].i)
        elif child.dep in ("xcomp", "ccomp") and verb.lemma in ("say", "tell", "call"):
            detail["said"] = _strip_quotes(sentence.span_text(sentence.subtree(child.i)))
    quoted = [_strip_quotes(q) for q in re.findall(r"[“«\"]([^”»\"]{2,300})[”»\"]", sentence.text)]
    if quoted:
        detail["quotes"] = quoted
    return {k: v for k, v in detail.items() if v}


def _strip_quotes(text: str) -> str:
    return text.strip('“”"«»„ ,.;:')


def _named(sentence: Parsed, token: Token, known: set[str]) -> tuple[str, str] | None:
    """The named entity a subject token stands for, looking through titles in apposition.

    A bare surname the tagger missed counts when the article names that person
    elsewhere (``known``).
    """
    ent = sentence.entity_of(token.i)
    if ent is not None and ent.label in NAMED:
        key = entity_key(ent.normal or ent.text, ent.label)
        return (ent.normal or ent.text, key) if key else None
    for child in sentence.children(token.i, "appos", "compound", "flat:name"):
        ent = sentence.entity_of(child.i)
        if ent is not None and ent.label == "PERSON":
            key = entity_key(ent.normal or ent.text, ent.label)
            return (ent.normal or ent.text, key) if key else None
    if token.pos == "PROPN" and ent is None:
        key = entity_key(token.text, "PERSON")
        if key in known:
            return token.text, key
    return None
