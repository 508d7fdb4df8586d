"""Fit the reader's span scorer (``summarizer/spans.json``) and report it.

    python -m bench.fit_spans [--data PATH] [--no-write]

The reader takes its short answer out of a sentence (:mod:`summarizer.spans`): every
candidate span of a fitting type gets :func:`summarizer.spans.features`, and a
logistic regression gives the probability that it is the answer.

1. **Rows.** SQuAD v1.1 train (``qa-squad-train-part``, 3,807 English questions): each
   question with the sentence of its paragraph that holds the answer; one row per
   candidate span, right when the span holds a gold answer with at most one word
   more, not one of the question's (the benchmarks' rule, made strict so that tight
   spans win).
2. **Cross-validation by article.** Five folds (``GroupKFold`` over SQuAD's titles);
   each question's top span is taken from a model that never saw its article, beside
   the hand-weighted rule this scorer replaced.
3. **Sets it never saw.** Fitted on all of SQuAD, the scorer is tried on the gold
   sentences of the news QA dev set (en and ru) and of XQuAD en/ru: how often the top
   span is right, beside the old rule. Those sets are never fitted on here.
4. **The cut.** ``threshold`` is the probability above which a top span counts as an
   answer for the reader; it is set so that, on SQuAD out of fold, as many questions
   pass it as passed the old rule's cut (:data:`OLD_CUT`): the same coverage, with
   the spans the fitted scorer picks.

Logistic regression, ``random_state`` :data:`SEED`, standardised features, rounded:
the same data give the same file. The report is printed and written to
``docs/benchmarks.md`` under "### Span scorer".
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.answers import DEFAULT_DATA, load_xquad, write_section
from bench.fit_verify import fit, fixed_hashes, predict, write_model

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "summarizer" / "spans.json"
HEADING = "### Span scorer"
SEED = 0
FOLDS = 5
EXTRA_WORDS = 1  # a right span holds the answer with at most this many words more
OLD_CUT = 0.30  # the raw score at which the old rule's span became an answer


@dataclass
class Question:
    data: str  # squad, news-qa-en, news-qa-ru, xquad-en, xquad-ru
    article: str
    rows: list[dict[str, float]]
    right: list[bool]
    old: list[float]  # the old rule's score of each span


def right_span(span: str, answers: Sequence[str], asked: frozenset[str] = frozenset()) -> bool:
    """Whether ``span`` holds a gold answer, with at most :data:`EXTRA_WORDS` words more
    and none of those the question's own ("£10bn" for "How big is the black hole?",
    not "£10bn black")."""
    from summarizer.entities import fold
    from summarizer.stemming import forms

    said = f" {fold(span)} "
    for answer in answers:
        gold = fold(answer)
        if not gold or f" {gold} " not in said:
            continue
        extra = said.replace(f" {gold} ", " ", 1).split()
        if len(extra) <= EXTRA_WORDS and not any(set(forms(w)) & asked for w in extra):
            return True
    return False


def old_score(span: object, row: dict[str, float]) -> float:
    """The hand-weighted rule the fitted scorer replaced (type × novelty × closeness ×
    parse distance × length), for the comparison only."""
    steps = next((k for k in ("1", "0", "2", "3", "4") if row.get(f"steps:{k}")), None)
    tree = {"0": 1.0, "1": 1.0, "2": 0.9, "3": 0.8, "4": 0.65}.get(steps or "", 0.7)
    words = next(int(k[6:]) for k in row if k.startswith("words:"))
    length = 1.0 if words <= 4 else 0.85
    novelty, closeness = row["novelty"], row["closeness"]
    return span.type_fit * (0.3 + 0.7 * novelty) * closeness * tree * length  # type: ignore[attr-defined]


def question_of(
    data: str, article: str, text: str, sentence: str, language: str, answers: Sequence[str]
) -> Question:
    from summarizer.question import analyse_question
    from summarizer.spans import asked, candidates

    q = analyse_question(" ".join(text.split()))
    wanted = asked(q.text, q.wh)
    found = candidates(wanted, sentence, language)
    return Question(
        data,
        article,
        [row for _, row in found],
        [right_span(span.text, answers, wanted.forms) for span, _ in found],
        [old_score(span, row) for span, row in found],
    )


def sentence_with(context: str, start: int, language: str) -> str | None:
    """The sentence of ``context`` in which the character ``start`` falls."""
    from summarizer.sentences import split_sentences

    at = 0
    for sentence in split_sentences(context, language):
        found = context.find(sentence, at)
        if found < 0:
            continue
        if found <= start < found + len(sentence):
            return sentence
        at = found + len(sentence)
    return None


def squad(data: Path) -> list[Question]:
    raw = json.loads((data / "qa-squad-train-part" / "train-v1.1-part.json").read_text("utf-8"))
    out = []
    for article in raw["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                first = qa["answers"][0]
                sentence = sentence_with(paragraph["context"], first["answer_start"], "en")
                if sentence is None:
                    continue
                answers = [a["text"] for a in qa["answers"]]
                out.append(
                    question_of("squad", article["title"], qa["question"], sentence, "en", answers)
                )
    return out


def unseen(data: Path) -> list[Question]:
    """The gold sentences of the news QA dev set and of XQuAD, for the report only."""
    from summarizer.language import detect_language

    out = []
    news = json.loads((data / "news-qa" / "questions.json").read_text("utf-8"))
    for item in news if isinstance(news, list) else news["questions"]:
        if not isinstance(item.get("answers"), list) or not item.get("evidence"):
            continue
        language = detect_language(item["evidence"])
        name = f"news-qa-{'ru' if language != 'en' else 'en'}"
        out.append(
            question_of(
                name, item["source"], item["q"], item["evidence"], language, item["answers"]
            )
        )
    for language in ("en", "ru"):
        paragraphs, items = load_xquad(data, language)
        text = {p.id: p.text for p in paragraphs}
        for qa in items:
            if not qa.answers:
                continue
            context = text[qa.source]
            start = context.find(qa.answers[0])
            sentence = sentence_with(context, start, language) if start >= 0 else None
            if sentence is not None:
                out.append(
                    question_of(
                        f"xquad-{language}",
                        qa.source,
                        qa.question,
                        sentence,
                        language,
                        qa.answers,
                    )
                )
    return out


# -- fitting --------------------------------------------------------------------


def names_of(questions: Sequence[Question]) -> list[str]:
    return sorted({name for q in questions for row in q.rows for name in row})


def flat(
    questions: Sequence[Question], names: Sequence[str]
) -> tuple[list[list[float]], list[int]]:
    x = [[row.get(n, 0.0) for n in names] for q in questions for row in q.rows]
    y = [int(r) for q in questions for r in q.right]
    return x, y


def scores_of(
    model: tuple[list[float], list[float], object],
    questions: Sequence[Question],
    names: Sequence[str],
) -> list[list[float]]:
    x, _ = flat(questions, names)
    probs = predict(*model, x) if x else []
    out, at = [], 0
    for q in questions:
        out.append(probs[at : at + len(q.rows)])
        at += len(q.rows)
    return out


def out_of_fold(questions: Sequence[Question], names: Sequence[str]) -> list[list[float]]:
    from sklearn.model_selection import GroupKFold

    probs: list[list[float]] = [[] for _ in questions]
    groups = [q.article for q in questions]
    for train, test in GroupKFold(n_splits=FOLDS).split(questions, groups=groups):
        model = fit(*flat([questions[i] for i in train], names))
        for i, p in zip(test, scores_of(model, [questions[i] for i in test], names), strict=True):
            probs[i] = p
    return probs


def top_right(q: Question, scores: Sequence[float]) -> bool:
    if not scores:
        return False
    best = max(range(len(scores)), key=lambda k: (scores[k], -k))
    return q.right[best]


def matching_cut(questions: Sequence[Question], probs: Sequence[Sequence[float]]) -> float:
    """The probability that lets as many questions through as the old rule's cut."""
    passed = sum(1 for q in questions if q.old and max(q.old) >= OLD_CUT)
    tops = sorted((max(p) for p in probs if p), reverse=True)
    if not passed or not tops:
        return 0.5
    return tops[min(passed, len(tops)) - 1]


def report(
    squad_q: Sequence[Question],
    oof: Sequence[Sequence[float]],
    others: Sequence[Question],
    other_probs: Sequence[Sequence[float]],
) -> list[str]:
    lines = [
        "| gold sentences of | questions | with a right candidate "
        "| top span right, old rule | top span right, fitted |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(label: str, qs: Sequence[Question], probs: Sequence[Sequence[float]]) -> str:
        n = len(qs)
        reachable = sum(any(q.right) for q in qs)
        old = sum(top_right(q, q.old) for q in qs)
        new = sum(top_right(q, p) for q, p in zip(qs, probs, strict=True))
        share = [f"{k} ({k / max(1, n):.0%})" for k in (old, new)]
        return f"| {label} | {n} | {reachable} | {share[0]} | {share[1]} |"

    lines.append(row("SQuAD train part (out of fold)", squad_q, oof))
    for data in ("news-qa-en", "news-qa-ru", "xquad-en", "xquad-ru"):
        pairs = [(q, p) for q, p in zip(others, other_probs, strict=True) if q.data == data]
        lines.append(row(f"{data} (never fitted on)", [q for q, _ in pairs], [p for _, p in pairs]))
    return lines


def write_weights(
    model: tuple[list[float], list[float], object],
    names: Sequence[str],
    cut: float,
    rows: int,
    path: Path,
) -> None:
    about = {
        "about": "summarizer.spans' logistic regression, fitted by python -m bench.fit_spans",
        "seed": SEED,
        "rows": rows,
    }
    write_model(about, model, names, cut, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fit_spans",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-write", action="store_true", help="report only")
    args = parser.parse_args(argv)
    if argv is None:
        fixed_hashes("bench.fit_spans")
    squad_q = squad(args.data)
    names = names_of(squad_q)
    oof = out_of_fold(squad_q, names)
    model = fit(*flat(squad_q, names))
    others = unseen(args.data)
    other_probs = scores_of(model, others, names)
    cut = matching_cut(squad_q, oof)
    lines = report(squad_q, oof, others, other_probs)
    rows = sum(len(q.rows) for q in squad_q)
    lines += [
        "",
        f"{rows} candidate spans of {len(squad_q)} SQuAD questions, {len(names)} features; "
        f"cut {cut:.4f} (as many SQuAD questions pass it out of fold as passed the old "
        f"rule's {OLD_CUT}).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_weights(model, names, cut, rows, WEIGHTS)
        head = [
            HEADING,
            "",
            "`python -m bench.fit_spans`: the reader's span scorer, fitted on SQuAD only. "
            "How often the top candidate of the sentence that holds the answer is right.",
            "",
        ]
        write_section("\n".join(head + lines) + "\n", HEADING)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
