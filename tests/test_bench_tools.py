"""Smoke tests of bench.extraction, bench.summaries and bench.ingest: they run on tiny
inputs, their tables add up, and each says in one line (exit 2) when its data is absent.

Benchmarks are not tests: no quality or timing is asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import extraction, ingest, offline, summaries
from tests.conftest import eval_path


def test_token_scores() -> None:
    assert extraction.prf("the cat sat", "the cat sat") == (1.0, 1.0, 1.0)
    p, r, f = extraction.prf("the cat sat on the mat", "the cat")
    assert (p, r) == (2 / 6, 1.0)
    assert f == pytest.approx(0.5)
    assert extraction.prf("", "the cat") == (0.0, 0.0, 0.0)
    assert extraction.prf("Cat, cat!", "cat") == (0.5, 1.0, pytest.approx(2 / 3))  # multisets


@pytest.mark.parametrize(
    ("module", "words"),
    [
        (extraction, "no extraction data"),
        (summaries, "no BBC summary data"),
        (ingest, "no Zyte pages"),
    ],
)
def test_missing_data_exits_2_with_one_line(
    module: object, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert module.main(["--data", str(tmp_path), "--no-write"]) == 2  # type: ignore[attr-defined]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert words in err[0]


def test_extraction_on_three_zyte_pages(tmp_path: Path) -> None:
    data = eval_path("extraction-zyte").parent
    pages = extraction.load_zyte(data)[:3]
    names = ["newsbot", "trafilatura", "readability-lxml"]
    results = extraction.run_zyte(pages, names, progress=False)
    assert [s.name for s in results] == names
    for s in results:
        assert len(s.f1) == len(s.millis) == 3
        assert all(0.0 <= f <= 1.0 for f in s.f1)
    traf = extraction.run_trafilatura(extraction.load_trafilatura(data)[:2], names, progress=False)
    assert all(s.wanted > 0 for s in traf)
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Summaries\n\nkept\n", encoding="utf-8")
    text = extraction.section(results, traf, (3, 2), "cmd", "note")
    summaries.write_section(text, docs, extraction.SECTION)
    summaries.write_section(text, docs, extraction.SECTION)  # replaced, not repeated
    out = docs.read_text(encoding="utf-8")
    assert "## Summaries\n\nkept" in out
    assert out.count(extraction.SECTION) == 1
    assert "| **newsbot** |" in out


@pytest.mark.skipif(not offline.available(), reason="newspaper4k is not installed")
def test_newspaper_summary_runs_offline() -> None:
    body = (
        "The port of Rotterdam was closed on Monday by a strike. Dock workers walked out "
        "over pay, the union said. Ships waited outside the harbour for two days. "
        "The port authority called the strike illegal. Talks resume on Friday."
    )
    summary = summaries.summarize_with(summaries.NEWSPAPER, body, "en", 2, "Rotterdam strike")
    assert len(summary) == 2
    assert all(s in body for s in summary)


def test_summaries_smoke_with_russian_check(tmp_path: Path) -> None:
    data = eval_path("summaries-bbc")
    items = summaries.load(data)[:2]
    results = summaries.run(items, ["lead", "news"], progress=False)
    assert [len(r.scores["rouge1"]) for r in results] == [2, 2]
    ru_items = summaries.load_ru(eval_path("news-ru-corus", "all_title_text.jsonl"))[:3]
    ru = summaries.run_ru(ru_items)
    assert all(len(r.scores["rouge1"]) == 3 for r in ru)
    text = summaries.section(results, items, " --smoke", data, (ru, 3, tmp_path))
    assert summaries.RU_SUBSECTION in text
    assert "Goal" in text
