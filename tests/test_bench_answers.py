"""Smoke test of bench.answers on tiny inputs: the tables exist and the counts add up.

The benchmark is not a test of the answers; this only checks that it runs. No timing
is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import answers as bench
from summarizer.store import open_store
from tests.conftest import eval_path


def test_judge_follows_the_seed_rules() -> None:
    assert bench.judge("Vladimir Medinsky", ["Medinsky"]) == "right"
    assert bench.judge("DOLMABAHCE Palace", ["Dolmabahçe Palace"]) == "right"
    assert bench.judge("10000", ["1000"]) == "wrong"  # whole words only
    assert bench.judge(" ".join(["word"] * 12) + " Medinsky", ["Medinsky"]) == "wrong"
    assert bench.judge(None, ["Medinsky"]) == "unknown"
    assert bench.judge(None, None) == "right"
    assert bench.judge("Istanbul", None) == "wrong"


def test_quality_on_three_xquad_paragraphs(tmp_path: Path) -> None:
    data = eval_path("qa-xquad").parent
    paragraphs, items = bench.load_xquad(data, "en", articles=1)
    paragraphs = paragraphs[:3]
    asked = [i for i in items if i.source in {p.id for p in paragraphs}]
    store = open_store(str(tmp_path / "x.db"))
    try:
        assert bench.ingest_paragraphs(store, paragraphs, "en", progress=False) == 3
        tallies = bench.evaluate(store, "XQuAD en", asked, progress=False)
    finally:
        store.close()
    assert [t.system for t in tallies] == list(bench.SYSTEMS)
    for t in tallies:
        assert t.total == len(asked) > 0
        assert t.count("right") + t.count("wrong") + t.count("unknown") == t.total
    rows = bench.quality_table(tallies)
    assert len(rows) == 2 + len(tallies)
    assert any("**newsbot**" in row for row in rows)
    assert any("bm25-baseline" in row for row in rows)

    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Summaries\n\nkept\n", encoding="utf-8")
    section = bench.quality_section(tallies, "cmd", quick=True, facts="ingest")
    bench.write_section(section, bench.QUALITY, docs)
    text = docs.read_text(encoding="utf-8")
    assert "## Summaries\n\nkept" in text
    assert text.count(bench.SECTION) == 1
    assert bench.QUALITY in text
    assert "`--facts ingest`" in text  # the store had every article's facts read at ingest


def test_facts_later_reads_them_on_demand_then_all_before_the_baseline(tmp_path: Path) -> None:
    data = eval_path("qa-xquad").parent
    paragraphs, items = bench.load_xquad(data, "en", articles=1)
    paragraphs = paragraphs[:3]
    asked = [i for i in items if i.source in {p.id for p in paragraphs}]
    runs = {}
    for facts in (True, False):
        store = open_store(str(tmp_path / f"{facts}.db"))
        try:
            assert bench.ingest_paragraphs(store, paragraphs, "en", False, facts=facts) == 3
            assert store.count_pending_facts() == (0 if facts else 3)
            runs[facts] = bench.evaluate(store, "XQuAD en", asked, progress=False)
            assert store.count_pending_facts() == 0  # all read before the baseline answered
        finally:
            store.close()
    ours, base = runs[False]
    assert (ours.pending, runs[True][0].pending) == (3, 0)
    assert 1 <= ours.read_on_demand <= 3
    # the baseline reads the stored mentions: it must see every article's, as at ingest
    assert [o.answer for o in base.outcomes] == [o.answer for o in runs[True][1].outcomes]

    text = bench.quality_section(runs[False], "cmd", quick=True, facts="later")
    assert "`--facts later`" in text
    assert f"XQuAD en {ours.read_on_demand} of 3" in text


def test_latency_on_twenty_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = eval_path("seed_qa_dev.json").parent
    news = [
        bench.NewsItem(
            f"synthetic/{n:03d}",
            f"Port strike number {n}",
            f"Dock workers in Rotterdam walked out on Monday, union leader Anna Berg said. "
            f"The union said {n + 2} ships were stuck. Harbour chief executive Piet de Vries "
            f"called the strike illegal.\n\nTalks were held at the Rotterdam World Trade "
            f"Center, the port authority said.",
        )
        for n in range(4)
    ]
    path = tmp_path / "latency.db"
    stored = bench.build_latency_store(path, 20, news, jobs=1, progress=False)
    assert stored == 20
    store = open_store(str(path))
    monkeypatch.setattr(bench, "pin_one_core", lambda: "not pinned (test)")
    try:
        assert store.count_articles() == 20
        questions = bench.latency_questions(
            store, [i.question for i in bench.load_seed_qa(data)], 15
        )
        assert len(questions) == 15
        millis, answers = bench.measure(store, questions, progress=False)
    finally:
        store.close()
    assert len(millis) == len(answers) == 15
    result = bench.Latency(20, questions, millis, answers, "not pinned (test)")
    assert 0 <= result.answered <= 15
    rows = bench.latency_table(result)
    assert len(rows) == 3
    assert rows[2].startswith("| 20 | 15 |")

    docs = tmp_path / "benchmarks.md"
    bench.write_section(bench.latency_section(result, "cmd", quick=True), bench.LATENCY, docs)
    bench.write_section("### Quality\n\nq\n", bench.QUALITY, docs)
    text = docs.read_text(encoding="utf-8")
    assert text.index(bench.QUALITY) < text.index(bench.LATENCY)  # quality first, always

    # cold: the same articles stored with their facts pending, timed on a copy
    cold_path = tmp_path / "cold.db"
    assert bench.build_latency_store(cold_path, 20, news, jobs=1, progress=False, facts=False) == 20
    cold = bench.time_cold(cold_path, questions[:5], "not pinned (test)", progress=False)
    assert cold.cold
    assert len(cold.millis) == 5
    assert 0 < cold.facts_read <= cold.pending <= 20  # the port-strike questions read some
    store = open_store(str(cold_path))
    try:
        assert store.count_pending_facts() == 20  # the cached store stays cold
    finally:
        store.close()
    rows = bench.latency_table([result, cold])
    assert rows[3].startswith("| 20 *cold* | 5 |")
    section = bench.latency_section([result, cold], "cmd", quick=True)
    assert "*cold*" in section
    assert f"read {cold.facts_read} (" in section
    same = bench.same_answers(cold, [result, cold])
    assert same is not None
    assert 0 <= same <= 5
    assert f"{same} of the 5 answers are the ones" in section


def test_missing_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--data", str(tmp_path), "--no-write"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no eval data" in err[0]


def test_dev_and_held_out_paragraphs_are_split_by_number() -> None:
    items = [
        bench.QAItem(f"q{n}", f"Question {n}?", ("gold",), f"Invented_Article/{n % 4}")
        for n in range(8)
    ]
    tally = bench.Tally("XQuAD en", bench.SYSTEMS[0])
    for n, item in enumerate(items):
        answer = "gold" if n < 3 else None
        tally.outcomes.append(bench.Outcome(item, answer, bench.judge(answer, item.answers)))
    dev, held = bench.paragraph_split(tally)
    assert {o.item.source for o in dev.outcomes} == {"Invented_Article/0", "Invented_Article/2"}
    assert {o.item.source for o in held.outcomes} == {"Invented_Article/1", "Invented_Article/3"}
    assert dev.total + held.total == tally.total
    assert (dev.count("right"), held.count("right")) == (2, 1)
    rows = bench.split_table([tally, bench.Tally("seed dev", bench.SYSTEMS[0])])
    assert len(rows) == 2 + 2  # the seed set is not split
    assert "even (dev)" in rows[2]
    assert "odd (held out)" in rows[3]


def test_news_qa_judges_by_the_sets_own_rule() -> None:
    from bench import news_qa

    assert news_qa.judge("Mr Yury Boyko", ["Yury Boyko", "Boyko"]) == "right"
    assert news_qa.judge("Анатолий Кондратенко", ["Кондратенко"]) == "right"
    assert news_qa.judge("Зиничёв", ["Зиничев"]) == "right"  # ё folds to е
    assert news_qa.judge("15", ["15 суток"]) == "wrong"
    assert news_qa.judge(None, ["Boyko"]) == "unknown"
    assert news_qa.judge(None, None) == "right"
    assert news_qa.judge("Boyko", None) == "wrong"
    assert news_qa.judge(" ".join(["word"] * 12) + " Boyko", ["Boyko"]) == "wrong"


def test_news_qa_finds_the_gold_sentence_however_the_store_split_it() -> None:
    from bench import news_qa

    gold = "Матч пройдет 1 июня в Мадриде."
    assert news_qa.same_sentence("Матч пройдет 1 июня в Мадриде.", gold)
    assert news_qa.same_sentence("Финал Лиги чемпионов. Матч пройдет 1 июня в Мадриде.", gold)
    assert not news_qa.same_sentence("Матч пройдет 2 июня в Лондоне, сообщил клуб.", gold)
    assert news_qa.url_of("news-ru-corus/all_title_text.jsonl#10").endswith("jsonl/10")
