"""The verifier: shipped weights that load offline, a fit that reruns to the same file, and
answers withheld with the closest sentences shown."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bench import fit_verify
from summarizer import core
from summarizer.answer import Proposal, decide, proposals, verify_features
from summarizer.article import Article
from summarizer.question import analyse_question
from summarizer.store import Store, open_store
from summarizer.verify import model


def _store(tmp_path: Path, *texts: tuple[str, str, str]) -> Store:
    store = open_store(str(tmp_path / "news.db"))
    for url, title, text in texts:
        core.store_digest(store, core.summarize_article(Article(text=text, title=title, url=url)))
    return store


def test_the_shipped_model_loads_offline_and_knows_every_feature(tmp_path: Path) -> None:
    shipped = model()
    assert 0.0 < shipped.threshold < 1.0
    assert len(shipped.names) == len(shipped.coef) == len(shipped.mean) == len(shipped.scale)
    store = _store(
        tmp_path,
        (
            "https://news.example/a",
            "Port deal signed",
            "Anna Berg, the harbour master of Rostock, signed the port deal on Monday.",
        ),
    )
    try:
        proposal = proposals(store, analyse_question("Who signed the port deal?"))[0]
        assert proposal.answer is not None
        computed = verify_features(store, proposal)
    finally:
        store.close()
    assert set(computed) == set(shipped.names), "the features and the weights file agree"
    assert 0.0 <= shipped.probability(computed) <= 1.0


def test_a_surname_is_completed_only_from_its_own_article(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        (
            "https://news.example/court",
            "Judge rules on ferry case",
            "Judge Eleanor Marsh Clark ruled on Tuesday that the ferry operator must pay "
            "compensation. Clark said the company had ignored safety warnings.",
        ),
        (
            "https://news.example/golf",
            "Golfer wins in Dubai",
            "Tim Clark won the Dubai Desert Classic on Sunday. Clark praised the crowd "
            "after the final round.",
        ),
    )
    try:
        proposed = proposals(store, analyse_question("Who won the Dubai Desert Classic?"))
    finally:
        store.close()
    answers = [p for p in proposed if p.answer]
    assert answers, proposed
    for proposal in answers:  # every way the reader found it, whether given or not
        assert proposal.answer is not None
        assert "Clark" in proposal.answer, proposal
        assert "Eleanor" not in proposal.answer, proposal  # the judge, from the other article
        assert proposal.evidence[0].url == "https://news.example/golf"


def test_a_withheld_answer_shows_its_sentence_first_among_the_closest(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        (
            "https://news.example/b",
            "Rain in the north",
            "Heavy rain fell across the north on Friday. Roads were closed near the river.",
        ),
    )
    try:
        q = analyse_question("Who is the new foreign minister of Peru?")
        hit = store.search_sentences(["rain"], limit=1)[0]
        from summarizer.answer import Evidence

        evidence = Evidence(hit.text, hit.url, hit.title, hit.published, hit.article_id, 0)
        reply = decide(store, [Proposal(q, "Friday", 0.01, "span", [evidence], [])])
    finally:
        store.close()
    assert reply.answer is None
    assert reply.evidence == []
    assert 0.0 <= reply.confidence <= 1.0
    assert reply.related[0].text == hit.text
    assert reply.to_json()["related"][0]["text"] == hit.text


def _synthetic_rows(n: int = 240) -> list[fit_verify.Row]:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        coverage = rng.random()
        right = rng.random() < coverage
        features = {"coverage": coverage, "raw": rng.random(), "kind_fact": float(i % 2)}
        row = fit_verify.Row(
            "news-qa", f"a{i % 24}", str(i), "en/en", "who", False, features, right
        )
        rows.append(row)
    return rows


def test_the_fit_reruns_to_the_same_weights_file(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    rows = _synthetic_rows()
    names = sorted(rows[0].features or {})
    files = []
    for run in range(2):
        probs = fit_verify.out_of_fold(rows, names)
        threshold = fit_verify.pick_threshold(rows, probs)
        path = tmp_path / f"weights-{run}.json"
        fit_verify.write_weights(rows, names, threshold, path)
        files.append(path.read_bytes())
    assert files[0] == files[1]
    weights = json.loads(files[0])
    assert weights["features"] == names
    # the feature that decides the label gets the largest weight
    assert max(zip(weights["coef"], names, strict=True))[1] == "coverage"


def test_out_of_fold_probabilities_never_come_from_a_model_that_saw_the_article() -> None:
    pytest.importorskip("sklearn")
    rows = _synthetic_rows()
    # an article whose rows are all right and carry a marker feature only it has: a model
    # that saw it would trust the marker; out of fold, the marker is unknown
    for row in rows:
        assert row.features is not None
        row.features["marker"] = 1.0 if row.article == "a0" else 0.0
        if row.article == "a0":
            row.right = True
    names = sorted(rows[0].features or {})
    probs = fit_verify.out_of_fold(rows, names)
    inside = [p for p, r in zip(probs, rows, strict=True) if r.article == "a0"]
    mean, scale, fitted = fit_verify.fit(
        fit_verify.matrix(rows, names), [int(r.right) for r in rows]
    )
    seen = fit_verify.predict(
        mean, scale, fitted, fit_verify.matrix([r for r in rows if r.article == "a0"], names)
    )
    assert sum(p for p in inside if p is not None) < sum(seen)


def test_the_span_scorer_fit_reruns_to_the_same_file_and_learns_the_deciding_feature(
    tmp_path: Path,
) -> None:
    pytest.importorskip("sklearn")
    from bench import fit_spans

    rng = random.Random(3)
    questions = []
    for i in range(120):
        rows, right, old = [], [], []
        for _ in range(5):
            near = rng.random()
            rows.append({"closeness": near, "novelty": rng.random()})
            right.append(near > 0.8)
            old.append(rng.random())
        questions.append(fit_spans.Question("squad", f"t{i % 10}", rows, right, old))
    names = fit_spans.names_of(questions)
    files = []
    for run in range(2):
        model = fit_verify.fit(*fit_spans.flat(questions, names))
        oof = fit_spans.out_of_fold(questions, names)
        cut = fit_spans.matching_cut(questions, oof)
        path = tmp_path / f"spans-{run}.json"
        fit_spans.write_weights(model, names, cut, 600, path)
        files.append(path.read_bytes())
    assert files[0] == files[1]
    weights = json.loads(files[0])
    assert max(zip(weights["coef"], names, strict=True))[1] == "closeness"
    # out of fold, the fitted scorer's top span beats a random rule's
    fitted = sum(fit_spans.top_right(q, p) for q, p in zip(questions, oof, strict=True))
    assert fitted > sum(fit_spans.top_right(q, q.old) for q in questions)
