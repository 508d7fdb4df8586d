"""Fit the answer verifier (``summarizer/verify.json``) and report it cross-validated.

    python -m bench.fit_verify [--data PATH] [--rows PATH] [--no-write] [--no-progress]

1. **Rows.** Four stores are built as the benchmarks build them, every article with its
   facts pending (``bench.news_qa``: the news QA dev set with its 300 distractors; the
   seed dev set over ``seeds/``; XQuAD en and ru, a paragraph an article). Every
   question is read (:func:`summarizer.answer.proposals`, the product's reader, however
   weak its answers); each proposal gives one row: :func:`summarizer.verify.features`
   of the proposed answer and whether it is right by its set's rule. A question's
   figures are those of its proposal of highest probability, as in the product.
   ``--rows PATH`` keeps the rows in PATH and reads them from there on the next run
   (delete it after changing the reader or the features).
2. **Cross-validation by article.** Five folds (``GroupKFold``, no shuffling) with every
   question of an article in one fold; each row gets the probability of a model fitted
   on the other four. The threshold is the lowest that keeps the news set's wrong
   answers at most :data:`MAX_WRONG` of its questions, on those out-of-fold probabilities.
   The run uses ``PYTHONHASHSEED=0`` (it restarts itself so) and stores the articles
   one second apart on a clock of its own: candidates of exactly equal score come
   back in an order that can follow string hashes and the second an article was stored.
3. **The shipped model** is fitted on all rows (logistic regression, ``random_state``
   :data:`SEED`, standardised features), rounded, and written to
   ``summarizer/verify.json`` with the threshold. The same rows give the same file.

The report (out-of-fold figures only) is printed and written to ``docs/benchmarks.md``
under "### Verifier".
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import news_qa
from bench.answers import (
    DEFAULT_DATA,
    SEEDS,
    _environment,
    _say,
    ingest_files,
    ingest_paragraphs,
    judge,
    load_seed_qa,
    load_xquad,
    write_section,
)
from bench.summaries import _progress

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "summarizer" / "verify.json"
HEADING = "### Verifier"
SEED = 0
FOLDS = 5
MAX_WRONG = 0.03  # wrong answers, as a share of the news set's questions
C = 1.0  # the regression's inverse regularisation strength


@dataclass
class Row:
    """One question: where it is from, the features of the answer the reader proposes
    (None: it proposes none) and whether that answer is right by its set's rule."""

    data: str  # news-qa, seed, xquad-en, xquad-ru
    article: str  # the fold key
    question: str  # the question's number in its set
    group: str
    type: str
    trap: bool
    features: dict[str, float] | None
    right: bool
    answer: str | None = None

    @property
    def key(self) -> str:
        return f"{self.data}:{self.question}"


def _rows_for(
    store: object,
    data: str,
    questions: Iterable[tuple[str, str, str, str, object]],
    progress: bool,
) -> list[Row]:
    """``questions``: (question, article, group, type, gold) each; gold None for a trap."""
    from summarizer.answer import proposals, verify_features
    from summarizer.question import analyse_question

    rate = news_qa.judge if data == "news-qa" else judge
    rows = []
    listed = list(questions)
    for n, (text, article, group, kind, gold) in enumerate(
        _progress(listed, f"{data} questions", progress)
    ):
        for proposal in proposals(store, analyse_question(" ".join(text.split()))):  # type: ignore[arg-type]
            feats = None
            if proposal.answer and proposal.evidence:
                feats = verify_features(store, proposal)  # type: ignore[arg-type]
            right = feats is not None and rate(proposal.answer, gold) == "right"  # type: ignore[arg-type]
            rows.append(
                Row(data, article, str(n), group, kind, gold is None, feats, right, proposal.answer)
            )
    return rows


@contextmanager
def _steady_clock() -> Iterator[None]:
    """Articles stored one second apart, whatever the wall clock does.

    The store orders undated articles by the second they were stored, so on a real clock
    which articles share a second (and so how they sort) changes from run to run."""
    from summarizer.store import sql

    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    ticks = itertools.count()
    real = sql.now_text
    sql.now_text = lambda: (start + dt.timedelta(seconds=next(ticks))).isoformat()  # type: ignore[assignment]
    try:
        yield
    finally:
        sql.now_text = real  # type: ignore[assignment]


def collect(data: Path, progress: bool = True) -> list[Row]:
    """Every question of the four sets read, one row each."""
    from summarizer.store import open_store

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, _steady_clock():
        questions, sources = news_qa.load(data)
        store = open_store(str(Path(tmp) / "news.db"))
        try:
            news_qa.build_store(
                store, data, [*sources, *news_qa.distractors(data, sources)], progress
            )
            rows += _rows_for(
                store,
                "news-qa",
                (
                    (
                        str(q["q"]),
                        str(q["source"]),
                        news_qa.group_of(q),
                        str(q["type"]),
                        q["answers"],
                    )
                    for q in questions
                ),
                progress,
            )
        finally:
            store.close()
        store = open_store(str(Path(tmp) / "seed.db"))
        try:
            ingest_files(store, sorted(SEEDS.glob("*.txt")), facts=False)
            rows += _rows_for(
                store,
                "seed",
                ((i.question, "seed", "en/en", "seed", i.answers) for i in load_seed_qa(data)),
                progress,
            )
        finally:
            store.close()
        for language in ("en", "ru"):
            paragraphs, items = load_xquad(data, language)
            store = open_store(str(Path(tmp) / f"xquad-{language}.db"))
            try:
                ingest_paragraphs(store, paragraphs, language, progress, facts=False)
                rows += _rows_for(
                    store,
                    f"xquad-{language}",
                    (
                        (i.question, i.source.split("/")[0], language, "xquad", i.answers)
                        for i in items
                    ),
                    progress,
                )
            finally:
                store.close()
    return rows


# -- fitting --------------------------------------------------------------------


def matrix(rows: Sequence[Row], names: Sequence[str]) -> list[list[float]]:
    return [[r.features.get(n, 0.0) for n in names] for r in rows if r.features is not None]


def fit(x: list[list[float]], y: list[int]) -> tuple[list[float], list[float], object]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    a = np.asarray(x, dtype=float)
    mean = a.mean(axis=0)
    scale = a.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000, random_state=SEED)
    model.fit((a - mean) / scale, np.asarray(y))
    return list(mean), list(scale), model


def predict(
    mean: list[float], scale: list[float], model: object, x: list[list[float]]
) -> list[float]:
    import numpy as np

    a = (np.asarray(x, dtype=float) - np.asarray(mean)) / np.asarray(scale)
    return [float(p) for p in model.predict_proba(a)[:, 1]]  # type: ignore[attr-defined]


def out_of_fold(rows: Sequence[Row], names: Sequence[str]) -> list[float | None]:
    """Each row's probability from a model that never saw its article (None: no proposal)."""
    from sklearn.model_selection import GroupKFold

    answered = [i for i, r in enumerate(rows) if r.features is not None]
    x = matrix(rows, names)
    y = [int(rows[i].right) for i in answered]
    groups = [f"{rows[i].data}:{rows[i].article}" for i in answered]
    probs: list[float | None] = [None] * len(rows)
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        mean, scale, model = fit([x[i] for i in train], [y[i] for i in train])
        for i, p in zip(test, predict(mean, scale, model, [x[i] for i in test]), strict=True):
            probs[answered[i]] = p
    return probs


def choose(rows: Sequence[Row], probs: Sequence[float | None]) -> list[tuple[Row, float | None]]:
    """Each question's candidate of highest probability (the first of its rows if none)."""
    best: dict[str, tuple[Row, float | None]] = {}
    for row, p in zip(rows, probs, strict=True):
        held = best.get(row.key)
        if held is None or (p is not None and (held[1] is None or p > held[1])):
            best[row.key] = (row, p)
    return list(best.values())


def pick_threshold(rows: Sequence[Row], probs: Sequence[float | None]) -> float:
    """The lowest threshold keeping the news set's wrong answers ≤ MAX_WRONG of its questions."""
    news = [(r, p) for r, p in choose(rows, probs) if r.data == "news-qa"]
    allowed = MAX_WRONG * len(news)
    for t in sorted({round(p, 4) for _, p in news if p is not None}):
        wrong = sum(1 for r, p in news if p is not None and p >= t and not r.right)
        if wrong <= allowed:
            return t
    return 1.0


def verdict(row: Row, p: float | None, threshold: float) -> str:
    """right, wrong or unknown at ``threshold``."""
    if p is None or p < threshold:
        return "right" if row.trap else "unknown"
    return "right" if row.right else "wrong"


# -- report ---------------------------------------------------------------------


def _count_row(label: str, rows: Sequence[tuple[Row, float | None]], t: float) -> str:
    n = len(rows)
    said = [verdict(r, p, t) for r, p in rows]
    right, wrong = said.count("right"), said.count("wrong")
    given = sum(1 for r, p in rows if p is not None and p >= t)
    good = sum(1 for r, p in rows if p is not None and p >= t and r.right)
    pct = (lambda k: f"{100 * k / n:.0f}%") if n else (lambda k: "–")
    precision = f"{good / given:.2f}" if given else "–"
    return (
        f"| {label} | {n} | {right} ({pct(right)}) | {wrong} ({pct(wrong)}) "
        f"| {n - right - wrong} ({pct(n - right - wrong)}) | {precision} |"
    )


def report(rows: Sequence[Row], probs: Sequence[float | None], threshold: float) -> list[str]:
    pairs = choose(rows, probs)
    reachable = {r.key for r in rows if r.right}
    news = [(r, p) for r, p in pairs if r.data == "news-qa"]
    lines = [
        f"Threshold {threshold:.3f}, chosen on these out-of-fold probabilities: the "
        "figures below are what answering only above it would give. The reader proposed "
        f"a right answer (at any score) for {sum(r.key in reachable for r, _ in news)} of "
        f"the {sum(not r.trap for r, _ in news)} answerable news questions.",
        "",
        "| questions (out of fold) | n | right | wrong | unknown | precision |",
        "|---|---:|---:|---:|---:|---:|",
        _count_row("**news-qa, all**", news, threshold),
    ]
    lines += [
        _count_row(f"news-qa {g}", [(r, p) for r, p in news if r.group == g], threshold)
        for g in news_qa.GROUPS
    ]
    lines += [
        _count_row(f"news-qa {k}", [(r, p) for r, p in news if r.type == k], threshold)
        for k in news_qa.TYPES
    ]
    for data in ("seed", "xquad-en", "xquad-ru"):
        lines.append(_count_row(data, [(r, p) for r, p in pairs if r.data == data], threshold))
    lines += ["", "| probability (news-qa, out of fold) | answers | right | share right |"]
    lines.append("|---|---:|---:|---:|")
    for low, high in zip(news_qa.BINS, news_qa.BINS[1:], strict=False):
        inside = [r for r, p in news if p is not None and low <= p < high]
        good = sum(r.right for r in inside)
        share = f"{good / len(inside):.2f}" if inside else "–"
        lines.append(f"| {low:.1f}–{min(high, 1.0):.1f} | {len(inside)} | {good} | {share} |")
    return lines


def write_weights(rows: Sequence[Row], names: Sequence[str], threshold: float, path: Path) -> None:
    answered = [r for r in rows if r.features is not None]
    fitted = fit(matrix(rows, names), [int(r.right) for r in answered])
    about = {
        "about": "summarizer.verify's logistic regression, fitted by python -m bench.fit_verify",
        "seed": SEED,
        "folds": FOLDS,
        "rows": {d: sum(r.data == d for r in answered) for d in sorted({r.data for r in rows})},
    }
    write_model(about, fitted, names, threshold, path)


def write_model(
    about: dict[str, object],
    fitted: tuple[list[float], list[float], object],
    names: Sequence[str],
    threshold: float,
    path: Path,
) -> None:
    """A fitted regression as :func:`summarizer.fitted.load` reads it, rounded: the same
    fit gives the same file."""
    mean, scale, model = fitted
    weights = {
        **about,
        "features": list(names),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in model.coef_[0]],  # type: ignore[attr-defined]
        "intercept": round(float(model.intercept_[0]), 6),  # type: ignore[attr-defined]
        "threshold": round(threshold, 4),
    }
    path.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")


def fixed_hashes(module: str = "bench.fit_verify") -> None:
    """Run ``module`` again with ``PYTHONHASHSEED=0`` unless it is set so: the order in
    which equal candidates come back can follow string hashes, and a rerun must give
    the same rows."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", module, *sys.argv[1:]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fit_verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=Path, help="keep the rows here and reuse them")
    parser.add_argument("--no-write", action="store_true", help="leave verify.json and docs")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "news-qa" / "questions.json").exists():
        _say(f"bench.fit_verify: no eval data in {args.data} (use --data PATH)")
        return 2
    if args.rows and args.rows.exists():
        rows = [Row(**r) for r in json.loads(args.rows.read_text(encoding="utf-8"))]
    else:
        rows = collect(args.data, not args.no_progress)
        if args.rows:
            args.rows.write_text(json.dumps([asdict(r) for r in rows]) + "\n", encoding="utf-8")
    names = sorted({n for r in rows if r.features for n in r.features})
    probs = out_of_fold(rows, names)
    threshold = pick_threshold(rows, probs)
    lines = report(rows, probs, threshold)
    print("\n".join(lines))
    if not args.no_write:
        write_weights(rows, names, threshold, WEIGHTS)
        command = "python -m bench.fit_verify"
        text = "\n".join([HEADING, "", *_environment(command), "", *lines]) + "\n"
        write_section(text, HEADING)
        _say(f"written to {WEIGHTS.relative_to(ROOT)} and docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    fixed_hashes()
    sys.exit(main())
