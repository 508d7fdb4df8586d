"""Benchmark the answers: right / wrong / unknown against a BM25 baseline, and latency.

    python -m bench.answers [--data PATH] [--quick] [--part all|quality|latency]
                            [--facts later|ingest] [--no-write] [--no-progress]
                            [--profile] [--show-wrong N] [--save-answers PATH]

**Quality.** Every question is asked of :func:`summarizer.answer.answer_question`
and of a plain BM25-sentence baseline, in the same run, over the same store:

* the seed dev set (``seed_qa_dev.json``) over ``seeds/`` (the Istanbul article
  and the other seeds as distractors), ingested into a fresh temporary store;
* XQuAD in English and in Russian: every paragraph stored as one article (the
  real pipeline, ``core.digest`` + ``core.store_digest``), one store per
  language, then every question asked. Wikipedia text, not news.

``--facts later`` (the default) stores every article with its facts pending, as
``newsbot ingest`` and watched sources do: newsbot answers all of a data set's
questions first, reading facts on demand as the product does
(:func:`summarizer.pending.read_for_hits`), then the facts still pending are read
(:func:`summarizer.pending.read_pending`) before the baseline, which reads the stored
NER mentions, answers. ``--facts ingest`` reads every article's facts as it is stored.

An answer is *right* when it contains an accepted alias (case and accents
folded, whole words) and has at most 12 words; for a question without answers
only an explicit unknown (None) is right. A wrong non-empty answer is *wrong*;
None is *unknown*.

**Latency.** p50 / p95 / max of ``answer_question`` over ~200 varied questions
with 10,000 articles in the store, the process pinned to one core. The store is
the seeds plus the BBC News articles (``summaries-bbc``), each parsed once with
``core.digest`` and stored again under new URLs (with a one-word change to its
text so the content hash differs) until the store holds 10,000 articles. It is
cached under ``bench/.cache/``. Those stores have their facts read (the steady
state: the bot reads the backlog when idle); one more row, *cold*, times the first
200 of the same questions on a copy of the 10,000-article store built with facts
pending, each search of a question reading those of up to 12 articles it finds: what
the first questions after a bulk ingest cost.

The tables are printed and written to ``docs/benchmarks.md`` under "## Answers".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bench import news_qa
from bench.summaries import _cpu_model, _nproc, _progress, _version, read_text

if TYPE_CHECKING:
    from summarizer.core import Digest
    from summarizer.store import Store

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "eval"
DOCS = ROOT / "docs" / "benchmarks.md"
SEEDS = ROOT / "seeds"
SEED_ARTICLE = "istanbul-talks-2025-05-16.txt"
CACHE = ROOT / "bench" / ".cache"
SECTION = "## Answers"
QUALITY = "### Quality"
LATENCY = "### Latency"
MAX_WORDS = 12
XQUAD_LANGUAGES = ("en", "ru")
QUICK_XQUAD_ARTICLES = 1  # of 48 Wikipedia articles: their paragraphs and questions
QUICK_XQUAD_QUESTIONS = 25  # of its questions, per language
LATENCY_ARTICLES = 10_000  # the size the BBC share is reckoned against
LATENCY_SIZES = (10_000, 100_000)  # stores timed by a full run
QUICK_LATENCY_ARTICLES = 100
LATENCY_QUESTIONS = 1_000
QUICK_LATENCY_QUESTIONS = 20
BBC_ARTICLES = 2_225  # parsed articles per 10,000 stored, kept in proportion for --quick
GOAL_P95_MS = 100.0
SYSTEMS = ("newsbot", "bm25-baseline")
FACTS_MODES = ("later", "ingest")  # when the quality stores' facts are read; default first
COLD_QUESTIONS = 200  # questions timed on the store built with facts pending
PENDING_BATCH = 50  # articles whose pending facts read_pending reads at a time
CACHE_VERSION = 1  # bump when the way the latency store is built changes

T = TypeVar("T")


# -- data ---------------------------------------------------------------------


@dataclass(frozen=True)
class QAItem:
    """One question with its accepted answers (None: nothing answers it)."""

    id: str
    question: str
    answers: tuple[str, ...] | None
    source: str = ""  # the XQuAD paragraph it asks about


@dataclass(frozen=True)
class Paragraph:
    """One XQuAD paragraph, stored as one article."""

    id: str  # "Super_Bowl_50/0"
    text: str


@dataclass
class Outcome:
    """One system's reply to one question, judged."""

    item: QAItem
    answer: str | None
    verdict: str  # right, wrong, unknown
    evidence: tuple[str, ...] = ()  # the sentences it rests on, best first

    def evidence_at(self, k: int) -> bool:
        """Whether one of the first ``k`` evidence sentences holds a gold answer."""
        return bool(self.item.answers) and any(
            contains(sentence, self.item.answers or ()) for sentence in self.evidence[:k]
        )

    def squad(self) -> tuple[float, float]:
        """SQuAD exact match and token F1, best over the gold answers; an abstention
        scores 0, and 1 on a question nothing answers (SQuAD 2.0)."""
        if self.item.answers is None:
            score = 1.0 if not (self.answer or "").strip() else 0.0
            return score, score
        if not self.answer or not self.answer.strip():
            return 0.0, 0.0
        answer = self.answer
        return (
            max(float(_squad_norm(answer) == _squad_norm(a)) for a in self.item.answers),
            max(_squad_f1(answer, a) for a in self.item.answers),
        )


@dataclass
class Tally:
    """right / wrong / unknown of one system on one data set."""

    data: str
    system: str
    outcomes: list[Outcome] = field(default_factory=list)
    pending: int = 0  # articles with facts pending when the questions began
    read_on_demand: int = 0  # of those, read by newsbot's questions (the rest after them)

    def count(self, verdict: str) -> int:
        """How many replies got ``verdict``."""
        return sum(1 for o in self.outcomes if o.verdict == verdict)

    @property
    def total(self) -> int:
        """How many questions were asked."""
        return len(self.outcomes)

    @property
    def accuracy(self) -> float:
        """right / all questions."""
        return self.count("right") / self.total if self.total else 0.0

    def inflected(self) -> int:
        """Wrong answers that name a gold answer in another inflection ("Ньютон" / "Ньютона")."""
        return sum(
            1
            for o in self.outcomes
            if o.verdict == "wrong" and same_stems(o.answer, o.item.answers)
        )

    def evidence_rate(self, k: int) -> float:
        """Share of answerable questions with a gold answer in the top ``k`` evidence."""
        asked = [o for o in self.outcomes if o.item.answers]
        return sum(o.evidence_at(k) for o in asked) / len(asked) if asked else 0.0

    def squad(self) -> tuple[float, float]:
        """Mean SQuAD EM and F1 over the questions."""
        if not self.outcomes:
            return 0.0, 0.0
        pairs = [o.squad() for o in self.outcomes]
        return statistics.fmean(p[0] for p in pairs), statistics.fmean(p[1] for p in pairs)

    @property
    def precision(self) -> float:
        """right / (right + wrong): how far a non-empty answer can be trusted."""
        answered = self.count("right") + self.count("wrong")
        return self.count("right") / answered if answered else 0.0


def load_seed_qa(data: Path) -> list[QAItem]:
    """The seed dev questions."""
    raw = json.loads((data / "seed_qa_dev.json").read_text(encoding="utf-8"))
    return [
        QAItem(f"seed/{i}", q["q"], tuple(q["answers"]) if q["answers"] else None)
        for i, q in enumerate(raw["questions"])
    ]


def load_xquad(
    data: Path, language: str, articles: int | None = None
) -> tuple[list[Paragraph], list[QAItem]]:
    """XQuAD paragraphs and questions in ``language``; the first ``articles`` only if given."""
    raw = json.loads((data / "qa-xquad" / f"xquad.{language}.json").read_text(encoding="utf-8"))
    paragraphs: list[Paragraph] = []
    items: list[QAItem] = []
    for article in raw["data"][:articles]:
        for n, paragraph in enumerate(article["paragraphs"]):
            paragraphs.append(
                Paragraph(f"{article['title']}/{n}", paragraph["context"].strip("\ufeff "))
            )
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                items.append(QAItem(qa["id"], qa["question"], answers or None, paragraphs[-1].id))
    return paragraphs, items


def data_missing(data: Path, part: str) -> str | None:
    """What is missing under ``data`` for ``part``, or None."""
    needed = []
    if part in ("all", "quality"):
        needed += ["seed_qa_dev.json", *(f"qa-xquad/xquad.{lang}.json" for lang in XQUAD_LANGUAGES)]
    if part in ("all", "latency"):
        needed += ["seed_qa_dev.json", "summaries-bbc/News Articles"]
    if part in ("all", "news-qa"):
        needed += ["news-qa/questions.json", "summaries-bbc/News Articles", "news-ru-corus"]
    missing = [n for n in needed if not (data / n).exists()]
    return ", ".join(missing) if missing else None


# -- judging ------------------------------------------------------------------


def judge(answer: str | None, answers: Sequence[str] | None) -> str:
    """Whether ``answer`` is right, wrong or unknown, by the seed set's rules."""
    from summarizer.entities import fold

    if answer is None or not answer.strip():
        return "right" if answers is None else "unknown"
    if answers is None or len(answer.split()) > MAX_WORDS:
        return "wrong"
    said = f" {fold(answer)} "
    return "right" if any(f" {fold(a)} " in said for a in answers if fold(a)) else "wrong"


def contains(sentence: str, answers: Sequence[str]) -> bool:
    """Whether ``sentence`` holds one of ``answers`` (case and accents folded, whole words)."""
    from summarizer.entities import fold

    said = f" {' '.join(_WORD.findall(fold(sentence)))} "
    for answer in answers:
        words = " ".join(_WORD.findall(fold(answer)))
        if words and f" {words} " in said:
            return True
    return False


_ARTICLES = re.compile(r"\b(a|an|the)\b")


def _squad_norm(text: str) -> str:
    """SQuAD's answer normalization: lower case, no punctuation, no articles, single spaces."""
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def _squad_f1(answer: str, gold: str) -> float:
    said, want = _squad_norm(answer).split(), _squad_norm(gold).split()
    common = sum((Counter(said) & Counter(want)).values())
    if not common:
        return 0.0
    p, r = common / len(said), common / len(want)
    return 2 * p * r / (p + r)


def same_stems(answer: str | None, answers: Sequence[str] | None) -> bool:
    """Does ``answer`` contain an accepted alias word for word after stemming (any inflection)?

    Not the rule of right: a diagnostic for Russian, where the translated gold span
    is often inflected for its sentence ("Ньютона") and the answer is not ("Ньютон").
    """
    if not answer or not answers or len(answer.split()) > MAX_WORDS:
        return False
    from summarizer.stemming import stemmer

    def stems(text: str) -> str:
        words = _WORD.findall(text.lower())
        cyrillic = any(re.search(r"[а-яё]", w) for w in words)
        stem = stemmer("ru" if cyrillic else "en")
        return " " + " ".join(stem(w) for w in words) + " "

    said = stems(answer)
    return any(stems(a).strip() and stems(a) in said for a in answers)


# -- the baseline -------------------------------------------------------------

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_BASE_STOP = frozenset(
    """a an the of in on at to for by with from as is are was were be been being do does did
    has have had will would can could should may might must and or but not no that this these
    those it its they them their he she his her there what who whom whose which where when why
    how many much one some any all other than then so if into about after before during over
    under between through name according
    и в во на с со по к ко у о об от до из за для не ни что кто как какой какая какое какие
    каким какую какого каков какова каковы чем чего кого кем кому где когда куда откуда почему
    сколько насколько был была было были есть это этот эта эти тот та те то его ее её их он она
    они при про над под же ли бы также назовите приведите""".split()
)
_BASE_TYPES = {
    "who": ("PERSON", "ORG", "NORP"),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "number": ("NUMBER", "MONEY", "PERCENT"),
}
_CAPITALIZED = re.compile(r"\b[A-ZА-ЯЁ][\w'’-]*(?:\s+[A-ZА-ЯЁ][\w'’-]*)*")
_DIGITS = re.compile(r"\d[\d,.]*\d|\d")


def question_type(question: str) -> str:
    """who / where / when / number / what, from the question's words alone."""
    q = question.lower()
    if re.search(r"\b(how (many|much)|сколько)\b", q):
        return "number"
    if re.search(r"\b(when|what year|which year|в каком году|когда|в какой год)\b", q):
        return "when"
    if re.search(r"\b(where|где|куда|откуда)\b", q):
        return "where"
    if re.search(r"\b(who|whom|whose|кто|кого|кем|кому)\b", q):
        return "who"
    return "what"


def content_words(question: str) -> list[str]:
    """The question's words without stop words (the baseline's search terms)."""
    words = [w for w in _WORD.findall(question) if w.lower() not in _BASE_STOP]
    return list(dict.fromkeys(words))


def baseline_answer(store: Store, question: str) -> str | None:
    """The plain BM25-sentence baseline.

    Search the stored sentences (FTS5/BM25, ``Store.search_sentences``) for the
    question's content words (OR-ed, prefix-matched), take the top sentence, and
    answer with the first span in it that the question does not already name: a
    stored NER mention of the expected type (who → person, else org, else nationality,
    where → place, when → date/time, how many → number; "what" → any mention);
    failing that, the first number (when, how many) or capitalized run of words
    (the rest) in the sentence. None only when nothing is found; it never
    abstains on confidence.
    """
    terms = content_words(question)
    hits = store.search_sentences(terms, limit=1)
    if not hits:
        return None
    top = hits[0]
    asked = {w.lower() for w in _WORD.findall(question)}

    def new(span: str) -> bool:
        words = {w.lower() for w in _WORD.findall(span)}
        return bool(words) and not words <= asked

    kind = question_type(question)
    mentions = [m for m in store.mentions_in([(top.article_id, top.position)]) if new(m.text)]
    for label in _BASE_TYPES.get(kind, (None,)):  # in order of preference
        for m in mentions:
            if label is None or m.label == label:
                return m.text
    pattern = _DIGITS if kind in ("when", "number") else _CAPITALIZED
    for match in pattern.finditer(top.text):
        if match.start() > 0 or kind in ("when", "number"):  # skip the sentence's first word
            if new(match.group(0)):
                return match.group(0)
    return None


# -- stores -------------------------------------------------------------------


def ingest_files(store: Store, paths: Iterable[Path], facts: bool = True) -> int:
    """Read, digest and store text files with the real pipeline; how many were added.

    ``facts=False`` stores them with their facts pending, as bulk ingest does.
    """
    from summarizer.core import digest, read_file, store_digest

    return sum(store_digest(store, digest(read_file(p), facts=facts)).created for p in paths)


def ingest_paragraphs(
    store: Store,
    paragraphs: Sequence[Paragraph],
    language: str,
    progress: bool = True,
    facts: bool = True,
) -> int:
    """Store each paragraph as an article with a fake URL; how many were added.

    ``facts=False`` stores them with their facts pending, as bulk ingest does.
    """
    from summarizer.article import Article
    from summarizer.core import digest, store_digest
    from summarizer.errors import NewsbotError

    added = 0
    for paragraph in _progress(paragraphs, f"xquad.{language} paragraphs", progress):
        url = f"https://xquad.example/{language}/{paragraph.id}"
        article = Article(text=paragraph.text, url=url, title=paragraph.id.split("/")[0])
        try:
            with _time_limit(PARSE_LIMIT_S):
                result = digest(article, language=language, facts=facts)
            added += store_digest(store, result).created
        except NewsbotError as exc:
            log.warning("skipped paragraph %s: %s", paragraph.id, exc)
        except TimeoutError:
            log.warning("skipped paragraph %s: digest ran over %d s", paragraph.id, PARSE_LIMIT_S)
            SKIPPED.append(f"{language}:{paragraph.id}")
    return added


#: Paragraphs whose digest never ended (a loop in the pipeline), as "ru:Title/n".
SKIPPED: list[str] = []
PARSE_LIMIT_S = 60


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the block after ``seconds`` (POSIX main thread; else no limit)."""
    import signal
    import threading

    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- quality ------------------------------------------------------------------


def evaluate(
    store: Store, data: str, items: Sequence[QAItem], progress: bool = True
) -> list[Tally]:
    """Ask every question of our answers, then of the baseline; one tally each.

    Facts still pending are read as the product reads them: by newsbot's questions
    (each reads those of the articles it finds), then all that remain
    (:func:`read_all_pending`) before the baseline, which reads the stored NER
    mentions, answers. With the facts read at ingest there is nothing pending.
    """
    from summarizer.answer import answer_question

    ours, base = Tally(data, SYSTEMS[0]), Tally(data, SYSTEMS[1])
    ours.pending = store.count_pending_facts()
    for item in _progress(items, f"{data} questions (newsbot)", progress):
        reply = answer_question(store, item.question)
        # the sentences it rests on; when it abstains, the ones it ranked best (related)
        evidence = tuple(e.text for e in (reply.evidence or reply.related))
        answer = reply.answer
        ours.outcomes.append(Outcome(item, answer, judge(answer, item.answers), evidence))
    ours.read_on_demand = ours.pending - store.count_pending_facts()
    read_all_pending(store, progress)
    for item in _progress(items, f"{data} questions (baseline)", progress):
        answer = baseline_answer(store, item.question)
        hits = store.search_sentences(content_words(item.question), limit=3)
        evidence = tuple(h.text for h in hits)
        base.outcomes.append(Outcome(item, answer, judge(answer, item.answers), evidence))
    return [ours, base]


def read_all_pending(store: Store, progress: bool = True) -> int:
    """Read the facts of every article that has them pending, as the bot's leader does
    when idle (:func:`summarizer.pending.read_pending` until none is left); how many."""
    from summarizer.pending import read_all_pending as batches

    left = store.count_pending_facts()
    label = f"reading the facts of {left} pending articles"
    total = math.ceil(left / PENDING_BATCH)
    done = sum(_progress(batches(store, PENDING_BATCH), label, progress, total=total))
    if store.count_pending_facts():  # a batch read none: the rest cannot be read
        raise RuntimeError(f"the facts of {store.count_pending_facts()} articles stay pending")
    return done


def run_quality(
    data: Path,
    quick: bool = False,
    progress: bool = True,
    workdir: Path | None = None,
    facts: str = FACTS_MODES[0],
) -> list[Tally]:
    """The quality benchmark: the seed dev set, then XQuAD en and ru.

    ``facts``: "later" stores the articles with their facts pending (read on
    demand, see :func:`evaluate`), "ingest" reads them as each article is stored.
    """
    from summarizer.store import open_store

    if facts not in FACTS_MODES:
        raise ValueError(f"facts: one of {FACTS_MODES}, not {facts!r}")
    at_ingest = facts == "ingest"
    tallies: list[Tally] = []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        store = open_store(str(Path(tmp) / "seed.db"))
        try:
            seeds = sorted(SEEDS.glob("*.txt"))
            ingest_files(store, seeds, facts=at_ingest)
            tallies += evaluate(store, "seed dev", load_seed_qa(data), progress)
        finally:
            store.close()
        for language in XQUAD_LANGUAGES:
            paragraphs, items = load_xquad(data, language, QUICK_XQUAD_ARTICLES if quick else None)
            if quick:
                items = items[:QUICK_XQUAD_QUESTIONS]
            store = open_store(str(Path(tmp) / f"xquad-{language}.db"))
            try:
                ingest_paragraphs(store, paragraphs, language, progress, facts=at_ingest)
                tallies += evaluate(store, f"XQuAD {language}", items, progress)
            finally:
                store.close()
    return tallies


def quality_table(tallies: Sequence[Tally]) -> list[str]:
    """The tallies as a Markdown table, ours marked."""
    lines = [
        "| data | system | questions | right | wrong | unknown | accuracy | precision "
        "| wrong by inflection only | SQuAD EM | SQuAD F1 | evidence top-1 | evidence top-3 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in tallies:
        name = f"**{t.system}**" if t.system == SYSTEMS[0] else t.system
        em, f1 = t.squad()
        lines.append(
            f"| {t.data} | {name} | {t.total} | {t.count('right')} | {t.count('wrong')} "
            f"| {t.count('unknown')} | {t.accuracy:.3f} | {t.precision:.3f} | {t.inflected()} "
            f"| {em:.3f} | {f1:.3f} | {t.evidence_rate(1):.3f} | {t.evidence_rate(3):.3f} |"
        )
    return lines


def paragraph_split(tally: Tally) -> tuple[Tally, Tally]:
    """``tally`` cut in two: questions on even-numbered paragraphs (dev), odd (held out)."""
    dev, held = (
        Tally(tally.data + " dev", tally.system),
        Tally(tally.data + " held-out", tally.system),
    )
    for o in tally.outcomes:
        number = o.item.source.rpartition("/")[2]
        (dev if number.isdigit() and int(number) % 2 == 0 else held).outcomes.append(o)
    return dev, held


def split_table(tallies: Sequence[Tally]) -> list[str]:
    """Both systems' XQuAD figures on the dev paragraphs (even) and the held-out ones (odd)."""
    lines = [
        "| data | paragraphs | system | questions | right | wrong | precision | SQuAD F1 "
        "| evidence top-1 |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in tallies:
        if not t.data.startswith("XQuAD"):
            continue
        name = f"**{t.system}**" if t.system == SYSTEMS[0] else t.system
        for part, label in zip(paragraph_split(t), ("even (dev)", "odd (held out)"), strict=True):
            lines.append(
                f"| {t.data} | {label} | {name} | {part.total} | {part.count('right')} "
                f"| {part.count('wrong')} | {part.precision:.3f} | {part.squad()[1]:.3f} "
                f"| {part.evidence_rate(1):.3f} |"
            )
    return lines


def goals(tallies: Sequence[Tally]) -> list[str]:
    """The issue's goal lines: evidence top-1 ≥ .80 and F1 ≥ .50 (en) / .40 (ru), both
    above the baseline; on the seed set, fewer wrong answers than the baseline."""
    by = {(t.data, t.system): t for t in tallies}
    lines = []
    for data in dict.fromkeys(t.data for t in tallies):
        ours, base = by.get((data, SYSTEMS[0])), by.get((data, SYSTEMS[1]))
        if ours is None or base is None:
            continue
        parts = []
        if data.startswith("XQuAD"):
            want_f1 = 0.50 if data.endswith("en") else 0.40
            top1, base_top1 = ours.evidence_rate(1), base.evidence_rate(1)
            f1, base_f1 = ours.squad()[1], base.squad()[1]
            ok = top1 >= 0.8 and top1 > base_top1
            parts.append(
                f"evidence top-1 {top1:.3f} vs baseline {base_top1:.3f} "
                f"(goal ≥ 0.80 and above the baseline: {'met' if ok else '**not met**'})"
            )
            ok = f1 >= want_f1 and f1 > base_f1
            parts.append(
                f"F1 {f1:.3f} vs baseline {base_f1:.3f} (goal ≥ {want_f1:.2f} and above the "
                f"baseline: {'met' if ok else '**not met**'})"
            )
        else:
            fewer = ours.count("wrong") < base.count("wrong")
            parts.append(
                f"wrong answers {ours.count('wrong')} vs baseline {base.count('wrong')} "
                f"(goal fewer: {'met' if fewer else '**not met**'})"
            )
        lines.append(f"- {data}: " + "; ".join(parts))
    return lines


def save_answers(tallies: Sequence[Tally], path: Path) -> None:
    """Every answer of every tally as JSON: a list of {data, system, id, question,
    answer, verdict, evidence}."""
    rows = [
        {
            "data": t.data,
            "system": t.system,
            "id": o.item.id,
            "question": o.item.question,
            "answer": o.answer,
            "verdict": o.verdict,
            "evidence": list(o.evidence),
        }
        for t in tallies
        for o in t.outcomes
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def wrong_examples(tallies: Sequence[Tally], system: str, limit: int) -> list[str]:
    """Up to ``limit`` wrong answers of ``system`` per data set, as lines."""
    out = []
    for t in tallies:
        if t.system != system:
            continue
        wrong = [o for o in t.outcomes if o.verdict == "wrong"][:limit]
        for o in wrong:
            gold = " | ".join(o.item.answers) if o.item.answers else "(none: unknown)"
            out.append(f"[{t.data}] {o.item.question} → {o.answer!r}; gold: {gold}")
    return out


# -- latency ------------------------------------------------------------------


@dataclass(frozen=True)
class NewsItem:
    """One article to parse for the latency store."""

    key: str  # "business/001"
    title: str
    body: str


def load_bbc(data: Path) -> list[NewsItem]:
    """The BBC News articles (title on the first line, then the body), sorted."""
    items = []
    for path in sorted((data / "summaries-bbc" / "News Articles").glob("*/*.txt")):
        title, _, body = read_text(path).strip().partition("\n")
        if body.strip():
            items.append(NewsItem(f"{path.parent.name}/{path.stem}", title.strip(), body.strip()))
    return items


def _digest_item(item: NewsItem, facts: bool = True) -> Digest | None:
    """Parse one article with the real pipeline (in a worker process); its facts
    left pending unless ``facts``."""
    from summarizer.article import Article
    from summarizer.core import digest
    from summarizer.errors import NewsbotError

    article = Article(text=item.body, title=item.title, url=f"https://bench.example/{item.key}")
    try:
        return digest(article, language="en", facts=facts)
    except NewsbotError as exc:
        log.warning("skipped %s: %s", item.key, exc)
        return None


def _copy(result: Digest, number: int) -> Digest:
    """A copy of a digested article under a new URL, date and content hash.

    Sentences, summary, mentions and facts stay identical, so the store has the
    shape of a real one of this size; only ``article.text`` gains a marker word
    (the content hash must differ, or the store would keep one copy).
    """
    day = dt.date(2004, 1, 1) + dt.timedelta(days=number % 730)
    article = replace(
        result.article,
        url=f"{result.article.url}/v{number}",
        text=f"{result.article.text}\n\nv{number}",
        published=day.isoformat(),
        extra={},
    )
    return replace(result, article=article)


def build_latency_store(
    path: Path,
    articles: int,
    news: Sequence[NewsItem],
    seeds: Sequence[Path] = (),
    jobs: int = 1,
    progress: bool = True,
    facts: bool = True,
) -> int:
    """Build a store of ``articles`` articles at ``path``: the seeds, then copies of ``news``.

    Of ``news`` only as many are parsed as 10,000 articles would use in
    proportion (2,225 for 10,000, 223 for 1,000); each is stored again under
    new URLs until the count is reached. Parsing runs in ``jobs`` processes.
    ``facts=False`` stores every article with its facts pending (each copy is
    read on its own later, as a real near-duplicate would be).
    Returns the number of articles stored.
    """
    from summarizer.store import open_store

    unique = max(1, min(len(news), math.ceil(articles * BBC_ARTICLES / LATENCY_ARTICLES)))
    chosen = news[:: max(1, len(news) // unique)][:unique] if len(news) > unique else list(news)
    tmp = path.with_name(path.name + ".tmp")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(str(tmp))
    try:
        ingest_files(store, seeds, facts=facts)
        digests = [d for d in _parse_all(chosen, jobs, progress, facts) if d is not None]
        total = store.count_articles()
        want = articles - total
        copies = [(digests[i % len(digests)], i) for i in range(want)] if digests else []
        from summarizer.core import store_digest

        for result, number in _progress(copies, "storing copies", progress):
            total += store_digest(store, _copy(result, number)).created
    finally:
        store.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    tmp.replace(path)
    return total


def _parse_all(
    items: Sequence[NewsItem], jobs: int, progress: bool, facts: bool = True
) -> Iterator[Digest | None]:
    """Digest ``items``, in ``jobs`` worker processes when more than one."""
    if jobs <= 1:
        for item in _progress(items, "parsing articles", progress):
            yield _digest_item(item, facts)
        return
    import multiprocessing
    from functools import partial

    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        results = pool.imap(partial(_digest_item, facts=facts), items, chunksize=8)
        yield from _progress(results, "parsing articles", progress, total=len(items))


def latency_store(
    data: Path,
    articles: int,
    jobs: int,
    progress: bool = True,
    cache: Path = CACHE,
    facts: bool = True,
) -> Path:
    """The cached latency store of ``articles`` articles, built on the first run;
    with every article's facts pending unless ``facts`` (never changed: time a copy)."""
    from summarizer.store import open_store

    cold = "" if facts else "-cold"
    path = cache / f"answers-latency-{articles}{cold}-v{CACHE_VERSION}.db"
    if path.exists():
        store = open_store(str(path))
        try:
            pending = store.count_pending_facts()
            if store.count_articles() == articles and pending == (0 if facts else articles):
                log.info("reusing %s", path)
                return path
        finally:
            store.close()
    started = time.perf_counter()
    seeds = sorted(SEEDS.glob("*.txt"))
    stored = build_latency_store(path, articles, load_bbc(data), seeds, jobs, progress, facts=facts)
    _say(f"built {path.name}: {stored} articles in {time.perf_counter() - started:.0f} s")
    return path


_PAST = {
    "lead": "led", "say": "said", "meet": "met", "win": "won", "tell": "told", "buy": "bought",
    "sell": "sold", "make": "made", "take": "took", "give": "gave", "hold": "held",
    "find": "found", "become": "became", "leave": "left", "send": "sent", "pay": "paid",
    "bring": "brought", "begin": "began", "run": "ran", "set": "set", "put": "put",
    "cut": "cut", "hit": "hit", "beat": "beat", "lose": "lost", "spend": "spent",
    "build": "built", "keep": "kept", "get": "got", "go": "went", "see": "saw", "write": "wrote",
    "have": "had", "do": "did", "buy back": "bought back",
}  # fmt: skip
_NAMED = ("person:", "org:", "gpe:", "side:", "loc:", "fac:")
_NOT_COUNTED = frozenset("million billion thousand hundred percent per cent times years".split())
UNANSWERABLE = (
    "Who won the world chess championship?",
    "What is the population of Reykjavik?",
    "Who is the mayor of Ulan Bator?",
    "How many moons does Neptune have?",
    "Where was the 1990 gymnastics final held?",
)


WARM_UP = ("Who is the president?", "Кто президент?")


def _past(verb: str) -> str:
    if verb in _PAST:
        return _PAST[verb]
    if verb.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ied"
    return verb + "ed"


def latency_questions(store: Store, seed: Sequence[str], count: int) -> list[str]:
    """``count`` varied questions: the seed's, then ones made from the store's facts.

    "Who is the <role>?", "Who <verb-ed> <object>?", "How many <noun> did <X> <verb>?",
    "Where did <X> <verb>?", "What did <X> <verb>?" and a few nothing answers, mixed
    round-robin in a fixed pseudo-random order.
    """
    rng = random.Random(3)
    kinds: dict[str, list[str]] = {"role": [], "who": [], "number": [], "where": [], "what": []}
    for fact in store.find_facts(kind="role", limit=3000):
        if 1 <= len(fact.predicate.split()) <= 5:
            russian = re.search(r"[а-яё]", fact.predicate.lower())
            kinds["role"].append(
                f"Кто {fact.predicate}?" if russian else f"Who is the {fact.predicate}?"
            )
    for fact in store.find_facts(kind="rel", limit=6000):
        verb = fact.predicate
        if not re.fullmatch(r"[a-z]+", verb) or verb == "be":
            continue
        named = fact.subject_key.startswith(_NAMED) and fact.subject[:1].isupper()
        if fact.object and len(fact.object.split()) <= 6:
            kinds["who"].append(f"Who {_past(verb)} {fact.object}?")
            counted = re.search(r"\b\d[\d,.]*\s+([a-z]{3,})", fact.object)
            if counted and named and counted.group(1) not in _NOT_COUNTED:
                kinds["number"].append(f"How many {counted.group(1)} did {fact.subject} {verb}?")
        if named and len(fact.subject.split()) <= 4:
            kinds["where"].append(f"Where did {fact.subject} {verb}?")
            kinds["what"].append(f"What did {fact.subject} {verb}?")
    pools = []
    for questions in kinds.values():
        unique = list(dict.fromkeys(questions))
        rng.shuffle(unique)
        pools.append(unique)
    out = list(dict.fromkeys([*seed, *UNANSWERABLE]))[:count]
    while len(out) < count and any(pools):
        for pool in pools:
            if pool and len(out) < count:
                question = pool.pop()
                if question not in out:
                    out.append(question)
    return out


def pin_one_core() -> str:
    """Pin this process to one CPU if the OS allows; say what was done."""
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu} with os.sched_setaffinity"
    return "not pinned (no os.sched_setaffinity here)"


@dataclass
class Latency:
    """Timings of ``answer_question``, in milliseconds, one per question."""

    articles: int
    questions: list[str]
    millis: list[float]
    answers: list[str | None]  # the short answer to each question (None: unknown)
    pinning: str
    disk_mb: float = 0.0  # the store's file(s) on disk
    cold: bool = False  # the store was built with its facts pending
    pending: int = 0  # articles with facts pending when the timing began
    facts_read: int = 0  # of those, read by the timed questions

    @property
    def answered(self) -> int:
        """Questions given an answer (not unknown)."""
        return sum(a is not None for a in self.answers)

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile (nearest rank)."""
        ordered = sorted(self.millis)
        if not ordered:
            return 0.0
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]


def warm_up(store: Store) -> None:
    """Ask one English and one Russian question, untimed: the first question in a
    language loads its parser (seconds), which a running bot has done."""
    from summarizer.answer import answer_question

    for question in WARM_UP:
        answer_question(store, question)


def same_answers(cold: Latency, rows: Sequence[Latency]) -> int | None:
    """How many of ``cold``'s answers the store with facts read gave to the same
    questions, or None when no row of ``rows`` asked them of as many articles."""
    for warm in rows:
        if not warm.cold and warm.articles == cold.articles:
            n = len(cold.questions)
            if warm.questions[:n] == cold.questions:
                return sum(a == b for a, b in zip(warm.answers, cold.answers, strict=False))
    return None


def measure(
    store: Store,
    questions: Sequence[str],
    progress: bool = True,
    profile: Callable[[Callable[[], None]], None] | None = None,
    warm: bool = True,
) -> tuple[list[float], list[str | None]]:
    """Time ``answer_question`` on each question after the warm-up; (ms, answer) each.

    ``warm=False``: the caller has run :func:`warm_up`.
    """
    from summarizer.answer import answer_question

    if warm:
        warm_up(store)  # loads both parsers, so that neither loads while timed
    millis: list[float] = []
    answers: list[str | None] = []

    def loop() -> None:
        for question in _progress(questions, "timed questions", progress):
            start = time.perf_counter()
            answer = answer_question(store, question)
            millis.append((time.perf_counter() - start) * 1000)
            answers.append(answer.answer)

    if profile is not None:
        profile(loop)
    else:
        loop()
    return millis, answers


def run_latency(
    data: Path,
    articles: int,
    questions: int,
    jobs: int = 1,
    progress: bool = True,
    cache: Path = CACHE,
    profile: Callable[[Callable[[], None]], None] | None = None,
) -> Latency:
    """Build (or reuse) the store, pin to one core, time the questions."""
    from summarizer.store import open_store

    path = latency_store(data, articles, jobs, progress, cache)
    pinning = pin_one_core()
    store = open_store(str(path))
    try:
        stored = store.count_articles()
        seed = [item.question for item in load_seed_qa(data)]
        asked = latency_questions(store, seed, questions)
        millis, answers = measure(store, asked, progress, profile)
    finally:
        store.close()
    return Latency(stored, asked, millis, answers, pinning, _disk_mb(path))


def _disk_mb(path: Path) -> float:
    """Megabytes of the store at ``path`` with its -wal and -shm files."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file()) / 1e6


def run_cold(
    data: Path,
    articles: int,
    questions: Sequence[str],
    jobs: int = 1,
    progress: bool = True,
    cache: Path = CACHE,
) -> Latency:
    """Build (or reuse) the store of ``articles`` with every article's facts pending,
    pin to one core, time ``questions`` on a copy of it (:func:`time_cold`)."""
    path = latency_store(data, articles, jobs, progress, cache, facts=False)
    return time_cold(path, questions, pin_one_core(), progress)


def time_cold(path: Path, questions: Sequence[str], pinning: str, progress: bool = True) -> Latency:
    """Time ``questions`` on a fresh copy of the store at ``path``, whose articles have
    their facts pending as bulk ingest leaves them: each search of a question reads
    those of up to 12 of the articles it finds (:func:`summarizer.pending.read_for_hits`).
    The store at ``path`` is not changed, so every run starts alike.
    """
    import shutil

    from summarizer.store import open_store

    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        store = open_store(str(copy))
        try:
            stored = store.count_articles()
            warm_up(store)  # reads the facts its questions find, like any other question
            pending = store.count_pending_facts()
            millis, answers = measure(store, questions, progress, warm=False)
            read = pending - store.count_pending_facts()
        finally:
            store.close()
    return Latency(
        stored,
        list(questions),
        millis,
        answers,
        pinning,
        _disk_mb(path),
        cold=True,
        pending=pending,
        facts_read=read,
    )


def latency_table(results: Latency | Sequence[Latency]) -> list[str]:
    """The timings as a Markdown table, one row per store size."""
    rows = [results] if isinstance(results, Latency) else list(results)
    lines = [
        "| articles | questions | answered | p50 ms | p95 ms | p99 ms | max ms | mean ms "
        "| store on disk MB | goal p95 ≤ 100 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in rows:
        verdict = "met" if result.percentile(95) <= GOAL_P95_MS else "**not met**"
        articles = f"{result.articles} *cold*" if result.cold else f"{result.articles}"
        lines.append(
            f"| {articles} | {len(result.millis)} | {result.answered} "
            f"| {result.percentile(50):.1f} | {result.percentile(95):.1f} "
            f"| {result.percentile(99):.1f} | {max(result.millis):.1f} "
            f"| {statistics.fmean(result.millis):.1f} | {result.disk_mb:.0f} | {verdict} |"
        )
    return lines


# -- report -------------------------------------------------------------------


def _environment(command: str) -> list[str]:
    packages = ", ".join(
        f"{p} {_version(p)}"
        for p in ("spacy", "en_core_web_sm", "natasha", "slovnet", "pymorphy3", "pymorphy2")
        if _version(p) != "absent"
    )
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        f"- machine: nproc {_machine_nproc()}, {_cpu_model()}",
        f"- python {platform.python_version()}; {packages}; SQLite {_sqlite_version()}",
    ]


@lru_cache(maxsize=1)
def _machine_nproc() -> str:
    """nproc of the machine, taken before the process pins itself to one core."""
    return _nproc()


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def quality_section(
    tallies: Sequence[Tally], command: str, quick: bool, facts: str = FACTS_MODES[0]
) -> str:
    """The "### Quality" part of the "## Answers" section."""
    xquad = (
        f"the first {QUICK_XQUAD_ARTICLES} of 48 XQuAD articles, its first"
        f" {QUICK_XQUAD_QUESTIONS} questions (`--quick`)"
        if quick
        else "all of XQuAD"
    )
    lines = [
        QUALITY,
        "",
        "Right / wrong / unknown of `answer_question` (**newsbot**) and of a plain BM25-sentence",
        "baseline, measured in the same run over the same stores. *Right*: the short answer",
        "contains an accepted alias (case and accents folded, whole words) and has at most 12",
        "words; for a question without answers only an explicit unknown (None) is right.",
        "*Wrong*: any other non-empty answer. *Unknown*: None. Accuracy = right / questions;",
        "precision = right / (right + wrong), how far a given answer can be trusted. The last",
        "column is a diagnostic, not a second score: wrong answers that hold a gold answer",
        "word for word after Snowball stemming (Russian gold spans are often inflected for",
        'their sentence: "Ньютона" where the answer says "Ньютон").',
        "",
        "- seed dev: `seed_qa_dev.json` (10 questions, 2 unanswerable) over all of `seeds/`",
        "  (the Istanbul article, the other seeds as distractors) in a fresh store.",
        f"- XQuAD en / ru: {xquad}; every paragraph stored as one article with the real",
        "  pipeline (`core.digest` + `core.store_digest`), one store per language, then every",
        "  question asked of the whole store. Wikipedia text, not news: most questions are",
        '  "what"/"how" questions whose gold is a phrase.',
        "- **bm25-baseline**: the top FTS5/BM25 sentence (`Store.search_sentences`, the",
        "  question's content words OR-ed) and, in it, the first span the question does not name:",
        "  a stored NER mention of the expected type (who → person, else org or nationality,",
        "  where → place, when → date/time, how many → number, other questions → any mention),",
        "  else the first number (when, how many) or capitalized run of words. It never",
        "  abstains unless it finds nothing.",
        "- SQuAD EM / F1: the official normalization (lower case, punctuation and English",
        "  articles removed), best over the gold answers; an abstention scores 0, and 1 on a",
        "  question nothing answers. Evidence top-k: the share of answerable questions with",
        "  a gold answer (folded, whole words) in the first k sentences the system rests on:",
        "  `Answer.evidence` for newsbot, or when it abstains `Answer.related` (the sentences",
        "  it ranked best, never shown as an answer), the top BM25 sentences for the baseline.",
        *facts_lines(tallies, facts),
        "- Tuning: the ranking weights (`summarizer/rank.py`) and the span thresholds",
        "  (`summarizer/answer.py`) were tuned on the even-numbered paragraphs of each XQuAD",
        "  article only; the second table splits newsbot's figures into those (dev) and the",
        "  odd-numbered paragraphs (held out), to show how far they carry over.",
        "",
        *_environment(command),
        *(
            [f"- skipped (digest never ended, questions still asked): {', '.join(SKIPPED)}"]
            if SKIPPED
            else []
        ),
        "",
        *quality_table(tallies),
        "",
        *split_table(tallies),
        "",
        "Goals (issue 7):",
        "",
        *goals(tallies),
        "",
    ]
    return "\n".join(lines)


def facts_lines(tallies: Sequence[Tally], facts: str) -> list[str]:
    """The bullet that says when the stores' facts were read (``--facts``)."""
    if facts == "ingest":
        return [
            "- Facts: `--facts ingest`, every article's facts read as it was stored",
            "  (`core.digest(article)`), as for a link a user sends.",
        ]
    read = ", ".join(
        f"{t.data} {t.read_on_demand} of {t.pending}" for t in tallies if t.system == SYSTEMS[0]
    )
    return [
        "- Facts: `--facts later` (the default), the product's path for articles ingested in",
        "  bulk (`newsbot ingest`, watched sources): every article stored with its facts",
        "  pending (`core.digest(article, facts=False)`). newsbot answers all of a data set's",
        "  questions first, each reading the pending facts of up to 12 articles it finds",
        "  (`pending.read_for_hits`) before using facts and mentions; then the rest are read",
        "  (`pending.read_pending`, as the bot's leader does when idle), and only then does the",
        "  baseline, which reads the stored NER mentions, answer. Articles whose facts",
        f"  newsbot's questions read: {read}.",
    ]


def latency_section(results: Latency | Sequence[Latency], command: str, quick: bool) -> str:
    """The "### Latency" part of the "## Answers" section."""
    rows = [results] if isinstance(results, Latency) else list(results)
    warm = [r for r in rows if not r.cold] or rows
    result = warm[0]
    sizes = " and ".join(f"{r.articles:,}" for r in warm)
    lines = [
        LATENCY,
        "",
        f"Wall-clock time of `answer_question` with {sizes} articles in a SQLite",
        f"store, {len(result.millis)} questions timed one by one after two warm-up questions (one",
        f"English, one Russian: each loads its parser), the process {result.pinning}.",
        "The store holds `seeds/` and the BBC News articles (`summaries-bbc`), each parsed once",
        "with `core.digest` and stored again with `core.store_digest` under new URLs and dates",
        "(a marker word appended to the text so the content hash differs; sentences, mentions",
        "and facts identical) until the count is reached: "
        f"{min(BBC_ARTICLES, math.ceil(result.articles * BBC_ARTICLES / LATENCY_ARTICLES)):,}",
        "parsed articles, each stored about 4.5 times per 10,000 (45 times at 100,000), so",
        "full-text hits come in near-duplicate groups as syndicated news does. Questions: the",
        "seed dev set, 5 that nothing answers, and",
        'questions made from the store\'s facts ("Who is the <role>?" / "Кто <role>?",',
        '"Who <verb-ed> <object>?", "How many <noun> did <X> <verb>?", "Where/What did <X>',
        '<verb>?"). Percentiles are nearest-rank.'
        + (
            f" `--quick`: {QUICK_LATENCY_ARTICLES:,} articles, {QUICK_LATENCY_QUESTIONS}"
            " questions (a smoke run)."
            if quick
            else ""
        ),
        "",
        "These stores have every article's facts read, the steady state: the bot's leader",
        "reads the facts that bulk ingest leaves pending when it is idle.",
        *cold_lines(rows),
        "",
        *_environment(command),
        "",
        *latency_table(rows),
        "",
    ]
    return "\n".join(lines)


def cold_lines(rows: Sequence[Latency]) -> list[str]:
    """What the *cold* row of the latency table measured, if there is one."""
    cold = next((r for r in rows if r.cold), None)
    if cold is None:
        return []
    asked = len(cold.millis)
    per = cold.facts_read / asked if asked else 0.0
    same = same_answers(cold, rows)
    lines = [
        "",
        "The row marked *cold* is what the first questions after a bulk ingest cost: the",
        f"same {cold.articles:,} articles stored with their facts pending (`core.digest(article,",
        "facts=False)`, as `newsbot ingest` and watched sources store them), before the leader",
        f"has read any; a fresh copy of that store each run, the first {asked} of the same",
        "questions timed one after another. Before it uses facts or mentions, each search of a",
        "question reads the pending facts of up to 12 of the articles it finds",
        "(`pending.read_for_hits`), and a question that falls back to ranking sentences for a",
        "span searches twice (up to 24); that parsing is most of its time. Of the",
        f"{cold.pending:,} articles pending when the timing began (the warm-up read"
        f" {cold.articles - cold.pending}), the timed questions",
        f"read {cold.facts_read:,} ({per:.1f} a question); near-duplicates are read one by one,",
        "as real copies would be.",
    ]
    if same is not None:
        lines += [
            f"{same} of the {asked} answers are the ones the store with every fact read gives to",
            "the same questions.",
        ]
    return lines


def write_section(text: str, heading: str, path: Path = DOCS) -> None:
    """Put ``text`` in place of the ``heading`` block inside "## Answers" of ``path``.

    The other sections of the file, and the other block of "## Answers", stay;
    the blocks are kept in the order quality, latency.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = re.compile(rf"^{re.escape(SECTION)}\s*$.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    found = section.search(old)
    body = found.group(0) if found else SECTION + "\n"
    block = re.compile(r"^### .*?(?=^### |\Z)", re.MULTILINE | re.DOTALL)
    first = block.search(body)
    intro = body[: first.start()] if first else body
    blocks = {m.group(0).splitlines()[0].strip(): m.group(0) for m in block.finditer(body)}
    blocks[heading] = text
    order = (QUALITY, news_qa.HEADING, "### Verifier", LATENCY)
    ordered = [h for h in order if h in blocks] + [h for h in blocks if h not in order]
    body = intro.rstrip("\n") + "\n\n" + "".join(blocks[h].strip("\n") + "\n\n" for h in ordered)
    if found:
        new = old[: found.start()] + body + old[found.end() :]
    else:
        new = old.rstrip("\n") + "\n\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


# -- progress -----------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _profiler(top: int) -> Callable[[Callable[[], None]], None]:
    """Run a function under cProfile and print its ``top`` costs to stderr."""

    def run(function: Callable[[], None]) -> None:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(function)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
            _say(out.getvalue())

    return run


# -- main ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 2 if the data is missing."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.answers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the eval data folder")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_XQUAD_ARTICLES} XQuAD articles; latency with {QUICK_LATENCY_ARTICLES} "
        f"articles and {QUICK_LATENCY_QUESTIONS} questions",
    )
    parser.add_argument("--part", choices=("all", "quality", "news-qa", "latency"), default="all")
    parser.add_argument(
        "--facts",
        choices=FACTS_MODES,
        default=FACTS_MODES[0],
        help="quality: store the articles with facts pending and read them on demand, as "
        "bulk ingest does (later, the default), or read them at ingest (ingest)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes that parse articles for the latency store",
    )
    parser.add_argument(
        "--articles",
        type=int,
        nargs="+",
        default=list(LATENCY_SIZES),
        metavar="N",
        help="store sizes for the latency part (default: 10000 100000)",
    )
    parser.add_argument(
        "--questions", type=int, default=LATENCY_QUESTIONS, help="questions timed per store"
    )
    parser.add_argument(
        "--cold-questions",
        type=int,
        default=COLD_QUESTIONS,
        metavar="N",
        help="questions timed on the smallest store built with facts pending (0: none)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the timed questions")
    parser.add_argument(
        "--show-wrong",
        type=int,
        default=0,
        metavar="N",
        help="print N wrong answers of ours per data set",
    )
    parser.add_argument(
        "--save-answers",
        type=Path,
        metavar="PATH",
        help="write every quality answer to PATH (JSON), to compare runs question by question",
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    _machine_nproc()  # before pinning, which makes nproc say 1
    missing = data_missing(args.data, args.part)
    if missing:
        _say(f"bench.answers: no eval data in {args.data} ({missing} missing; use --data PATH)")
        return 2
    progress = not args.no_progress
    command = "python -m bench.answers" + (" --quick" if args.quick else "")
    if args.part != "all":
        command += f" --part {args.part}"
    if args.facts != FACTS_MODES[0] and args.part in ("all", "quality"):
        command += f" --facts {args.facts}"
    if args.part in ("all", "latency") and not args.quick:
        if args.articles != list(LATENCY_SIZES):
            command += " --articles " + " ".join(map(str, args.articles))
        if args.questions != LATENCY_QUESTIONS:
            command += f" --questions {args.questions}"
        if args.cold_questions != COLD_QUESTIONS:
            command += f" --cold-questions {args.cold_questions}"
    if args.part in ("all", "quality"):
        started = time.perf_counter()
        tallies = run_quality(args.data, args.quick, progress, facts=args.facts)
        _say(f"quality done in {time.perf_counter() - started:.0f} s")
        print("\n".join(quality_table(tallies)))
        print("\n".join(split_table(tallies)))
        print("\n".join(goals(tallies)))
        for line in wrong_examples(tallies, SYSTEMS[0], args.show_wrong):
            _say(line)
        if args.save_answers:
            save_answers(tallies, args.save_answers)
        if not args.no_write:
            write_section(quality_section(tallies, command, args.quick, args.facts), QUALITY)
    if args.part in ("all", "news-qa"):
        started = time.perf_counter()
        records = news_qa.run(args.data, args.quick, progress)
        _say(f"news-qa done in {time.perf_counter() - started:.0f} s")
        print("\n".join(news_qa.tables(records)))
        if args.save_answers:
            news_qa.save(records, args.save_answers.with_suffix(".news-qa.json"))
        if not args.no_write:
            text = news_qa.section(records, command, args.quick, _environment(command))
            write_section(text, news_qa.HEADING)
    if args.part in ("all", "latency"):
        sizes = [QUICK_LATENCY_ARTICLES] if args.quick else args.articles
        questions = QUICK_LATENCY_QUESTIONS if args.quick else args.questions
        profile = _profiler(25) if args.profile else None
        jobs = 1 if args.quick else args.jobs  # --quick: in this process, whose parser is loaded
        results = [
            run_latency(args.data, size, questions, jobs, progress, CACHE, profile)
            for size in sizes
        ]
        if args.cold_questions > 0:  # the first questions after a bulk ingest
            smallest = min(results, key=lambda r: r.articles)
            asked = smallest.questions[: args.cold_questions]
            started = time.perf_counter()
            results.append(run_cold(args.data, smallest.articles, asked, jobs, progress))
            _say(f"cold store timed in {time.perf_counter() - started:.0f} s")
        print("\n".join(latency_table(results)))
        if not args.no_write:
            write_section(latency_section(results, command, args.quick), LATENCY)
    if not args.no_write:
        _say(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
