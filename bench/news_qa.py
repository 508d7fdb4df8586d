"""The news QA part of ``python -m bench.answers``: answers on news the code was not tuned on.

    python -m bench.answers --part news-qa [--data PATH] [--quick] [--save-answers PATH]

The dev set ``news-qa/questions.json`` (216 questions over 44 BBC and 24 Russian news
articles, see its SOURCE.txt) is asked of one store that holds its 68 articles and 300
distractors: every 7th of the sorted BBC files the set does not use. Every article goes
through the real pipeline (``core.summarize_article`` + ``core.store_digest``) with its
facts pending, as bulk ingest stores them, and every question through the same
:func:`summarizer.answer.answer_question` the CLI and the bot call.

Judged by the set's own rule: *right* is a non-empty answer of at most 12 words that
contains an accepted alias (case folded, accents stripped by NFKD, ё as е); for a trap
(no alias) only "I don't know" is right. *Wrong* is any other answer; *unknown* is "I
don't know" for an answerable question.

Also, in the same run: whether the sentence the answer rests on (or, without an answer,
the closest one shown) is the set's evidence sentence, first (top-1) or among the first
three (top-3), beside a plain BM25 over the stored sentences (the store's full-text
search with the question's words); and a reliability table: the confidence of the
answers given, in bins, against the share of them that is right.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.summaries import _progress, load_ru, read_text

if TYPE_CHECKING:
    from summarizer.article import Article
    from summarizer.store import Store

HEADING = "### News QA"
DISTRACTORS = 300
DISTRACTOR_STEP = 7
QUICK_QUESTIONS = 30  # every 7th question
QUICK_DISTRACTORS = 20
MAX_WORDS = 12
GROUPS = ("en/en", "ru/ru", "ru→en", "uk→en")
TYPES = ("who", "role", "where", "when", "number", "what", "unanswerable")
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)
URL = "https://news-qa.example/"
_WORD = re.compile(r"\w+")


@dataclass
class Record:
    """One question, newsbot's reply and the baseline's sentences, judged."""

    q: str
    lang: str
    group: str
    type: str
    source: str
    answers: list[str] | None
    answer: str | None
    confidence: float
    verdict: str  # right, wrong, unknown
    evidence: list[str] = field(default_factory=list)  # newsbot: evidence, else related
    evidence_urls: list[str | None] = field(default_factory=list)
    bm25: list[str] = field(default_factory=list)
    bm25_urls: list[str | None] = field(default_factory=list)
    gold_evidence: str | None = None

    def found(self, k: int, system: str = "newsbot") -> bool:
        """Whether the gold sentence is among the first ``k`` of ``system``'s sentences."""
        texts, urls = (
            (self.evidence, self.evidence_urls)
            if system == "newsbot"
            else (self.bm25, self.bm25_urls)
        )
        return any(
            url == url_of(self.source) and same_sentence(text, self.gold_evidence or "")
            for text, url in list(zip(texts, urls, strict=True))[:k]
        )


# -- judging --------------------------------------------------------------------


def fold(text: str) -> str:
    """Case folded, accents stripped (NFKD, combining marks dropped), spaces single."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def judge(answer: str | None, answers: Sequence[str] | None) -> str:
    """The set's rule: right, wrong or unknown."""
    if answer is None or not answer.strip():
        return "right" if answers is None else "unknown"
    if answers is None or len(answer.split()) > MAX_WORDS:
        return "wrong"
    said = fold(answer)
    return "right" if any(fold(a) and fold(a) in said for a in answers) else "wrong"


def same_sentence(text: str, gold: str) -> bool:
    """Whether a stored sentence is the gold evidence: one holds the other's words, or
    they share most of them (the store may split a sentence where the set did not)."""
    a, b = _WORD.findall(fold(text)), _WORD.findall(fold(gold))
    if not a or not b:
        return False
    joined_a, joined_b = f" {' '.join(a)} ", f" {' '.join(b)} "
    if (len(a) >= 5 and joined_a in joined_b) or joined_b in joined_a:
        return True
    common = len(set(a) & set(b))
    return common / len(set(a) | set(b)) >= 0.6


# -- data -----------------------------------------------------------------------


def url_of(source: str) -> str:
    """A URL for a set's source (no fragment or space, which URL normalisation would change)."""
    return URL + re.sub(r"[^\w./-]+", "-", source.replace("#", "/"))


def group_of(question: dict[str, object]) -> str:
    english = str(question["source"]).startswith("summaries-bbc/")
    lang = str(question["lang"])
    if lang == "en":
        return "en/en"
    if lang == "ru":
        return "ru→en" if english else "ru/ru"
    return "uk→en" if english else "uk/uk"


def load(data: Path) -> tuple[list[dict[str, object]], list[str]]:
    """The questions and the set's article sources."""
    raw = json.loads((data / "news-qa" / "questions.json").read_text(encoding="utf-8"))
    return list(raw["questions"]), list(raw["articles"])


def article_of(data: Path, source: str, ru_items: Sequence[object] | None = None) -> Article:
    """The article a source names, as the product would store it (headline, text)."""
    from summarizer.article import Article

    if source.startswith("news-ru-corus/"):
        line = int(source.rpartition("#")[2])
        items = ru_items or load_ru(data / "news-ru-corus" / "all_title_text.jsonl")
        item = items[line]
        return Article(text=item.text, title=item.title, url=url_of(source))  # type: ignore[attr-defined]
    title, _, body = read_text(data / source).strip().partition("\n")
    return Article(text=body.strip(), title=title.strip(), url=url_of(source))


def distractors(data: Path, used: Sequence[str], count: int = DISTRACTORS) -> list[str]:
    """Every 7th of the sorted BBC files the set does not use, ``count`` of them."""
    root = data / "summaries-bbc" / "News Articles"
    files = sorted(str(p.relative_to(data)) for p in root.glob("*/*.txt"))
    unused = [f for f in files if f not in set(used)]
    return unused[::DISTRACTOR_STEP][:count]


def build_store(store: Store, data: Path, sources: Sequence[str], progress: bool = True) -> int:
    """Every source through the real pipeline, facts pending; how many were stored."""
    from summarizer.core import store_digest, summarize_article

    ru_items = load_ru(data / "news-ru-corus" / "all_title_text.jsonl")
    stored = 0
    for source in _progress(sources, "news-qa articles", progress):
        article = article_of(data, source, ru_items)
        stored += store_digest(store, summarize_article(article, facts=False)).created
    return stored


# -- running --------------------------------------------------------------------


def ask_all(
    store: Store, questions: Sequence[dict[str, object]], progress: bool = True
) -> list[Record]:
    """Each question asked of newsbot, then of plain BM25 (the sentences only)."""
    from bench.answers import content_words
    from summarizer.answer import answer_question

    records = []
    for item in _progress(questions, "news-qa questions", progress):
        q = str(item["q"])
        reply = answer_question(store, q)
        shown = reply.evidence or reply.related
        answers = item["answers"]
        gold = list(answers) if isinstance(answers, list) else None
        records.append(
            Record(
                q=q,
                lang=str(item["lang"]),
                group=group_of(item),
                type=str(item["type"]),
                source=str(item["source"]),
                answers=gold,
                answer=reply.answer,
                confidence=round(reply.confidence, 4),
                verdict=judge(reply.answer, gold),
                evidence=[e.text for e in shown[:3]],
                evidence_urls=[e.url for e in shown[:3]],
                gold_evidence=item["evidence"] if isinstance(item["evidence"], str) else None,
            )
        )
    for record in records:
        hits = store.search_sentences(content_words(record.q), limit=3)
        record.bm25 = [h.text for h in hits]
        record.bm25_urls = [h.url for h in hits]
    return records


def run(data: Path, quick: bool = False, progress: bool = True) -> list[Record]:
    """The whole part: the store, then every question (every 7th with ``quick``)."""
    from summarizer.store import open_store

    questions, sources = load(data)
    others = distractors(data, sources, QUICK_DISTRACTORS if quick else DISTRACTORS)
    if quick:
        questions = questions[::7][:QUICK_QUESTIONS]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "news-qa.db"))
        try:
            build_store(store, data, [*sources, *others], progress)
            return ask_all(store, questions, progress)
        finally:
            store.close()


# -- tables ---------------------------------------------------------------------


def _row(label: str, rows: Sequence[Record]) -> str:
    n = len(rows)
    right = sum(r.verdict == "right" for r in rows)
    wrong = sum(r.verdict == "wrong" for r in rows)
    unknown = n - right - wrong
    given = sum(r.answer is not None for r in rows)
    precision = f"{right_given(rows) / given:.2f}" if given else "–"
    pct = (lambda k: f"{100 * k / n:.0f}%") if n else (lambda k: "–")
    return (
        f"| {label} | {n} | {right} ({pct(right)}) | {wrong} ({pct(wrong)}) "
        f"| {unknown} ({pct(unknown)}) | {precision} |"
    )


def right_given(rows: Sequence[Record]) -> int:
    """Right answers among those given (an "I don't know" that is right is not counted)."""
    return sum(r.verdict == "right" and r.answer is not None for r in rows)


def tables(records: Sequence[Record]) -> list[str]:
    """Right / wrong / unknown by group and type, evidence against BM25, reliability."""
    lines = [
        "| questions | n | right | wrong | unknown | precision |",
        "|---|---:|---:|---:|---:|---:|",
        _row("**all**", records),
    ]
    lines += [_row(g, [r for r in records if r.group == g]) for g in GROUPS]
    lines += [_row(t, [r for r in records if r.type == t]) for t in TYPES]
    answerable = [r for r in records if r.answers is not None]
    lines += [
        "",
        "| evidence (answerable questions) | n | newsbot top-1 | BM25 top-1 "
        "| newsbot top-3 | BM25 top-3 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, rows in [("all", answerable)] + [
        (g, [r for r in answerable if r.group == g]) for g in GROUPS
    ]:
        n = len(rows)
        if not n:
            continue
        cells = [
            f"{100 * sum(r.found(k, s) for r in rows) / n:.0f}%"
            for k, s in ((1, "newsbot"), (1, "bm25"), (3, "newsbot"), (3, "bm25"))
        ]
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    lines += ["", "| confidence of the answers given | answers | right | share right |"]
    lines.append("|---|---:|---:|---:|")
    given = [r for r in records if r.answer is not None]
    for low, high in itertools.pairwise(BINS):
        rows = [r for r in given if low <= r.confidence < high]
        share = f"{sum(r.verdict == 'right' for r in rows) / len(rows):.2f}" if rows else "–"
        label = f"{low:.1f}–{min(high, 1.0):.1f}"
        lines.append(
            f"| {label} | {len(rows)} | {sum(r.verdict == 'right' for r in rows)} | {share} |"
        )
    return lines


def section(records: Sequence[Record], command: str, quick: bool, environment: list[str]) -> str:
    """The block for docs/benchmarks.md."""
    traps = [r for r in records if r.answers is None]
    kept = sum(r.verdict == "right" for r in traps)
    head = [
        HEADING,
        "",
        f"`{command}`" + (" (quick: every 7th question, 20 distractors)" if quick else ""),
        "",
        *environment,
        "",
        f"{len(records)} questions of `news-qa/questions.json` over one store with its "
        "68 articles and "
        f"{QUICK_DISTRACTORS if quick else DISTRACTORS} BBC distractors, facts pending at "
        "ingest, asked through `answer_question`. Judged by the set's rule (an alias "
        f'inside an answer of at most {MAX_WORDS} words). Traps answered "I don\'t know": '
        f"{kept} of {len(traps)}.",
        "",
    ]
    return "\n".join(head + tables(records)) + "\n"


def save(records: Sequence[Record], path: Path) -> None:
    path.write_text(
        json.dumps([asdict(r) for r in records], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
