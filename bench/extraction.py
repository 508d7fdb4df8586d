"""Benchmark article extraction: ours against trafilatura, readability-lxml and newspaper4k.

    python -m bench.extraction [--data PATH] [--quick] [--no-write] [--no-progress]

**Zyte set** (``extraction-zyte/``, 181 real article pages with human ground-truth
body text): every extractor runs on every page; its text is scored against the
ground truth with lowercase ``\\w+`` tokens and multiset overlap (token precision,
recall, F1 per page, then the mean over pages: macro). A page an extractor refuses
or crashes on scores 0. Times are the median wall-clock and the mean CPU time
(``time.process_time``) per page, one process, the HTML already decoded in memory,
after one untimed pass over the pages (imports, data loaded on first use).
``--quick`` (the CI smoke run) shares the pages over one worker process per CPU
(``--jobs``), each page run by every extractor in turn in one worker: the scores are
the same, the times on a busy machine are not.

**Trafilatura set** (``extraction-trafilatura/``, 105 pages with snippets that must
and must not appear): the share of "with" snippets found (recall) and of "without"
snippets found (boilerplate kept; lower is better), whitespace-normalized, case-folded.

The tables are printed and written to ``docs/benchmarks.md`` under "## Extraction".
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import multiprocessing as mp
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench import offline
from bench.answers import _progress, _say
from bench.summaries import _cpu_model, _nproc, _version, failure_lines, write_section

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "eval"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Extraction"
ZYTE = "extraction-zyte"
TRAF = "extraction-trafilatura"
QUICK_STEP = 6  # --quick: every 6th page of each set
EXTRACTORS = ("newsbot", "trafilatura", "readability-lxml", "newspaper4k")
_TOKEN = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Page:
    """One HTML page with what should be extracted from it."""

    key: str
    url: str | None
    html: str
    truth: str = ""  # Zyte: the ground-truth body
    with_: tuple[str, ...] = ()  # trafilatura set: snippets that must appear
    without: tuple[str, ...] = ()  # ... and must not


@dataclass
class Scores:
    """One extractor's scores over one set of pages."""

    name: str
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    millis: list[float] = field(default_factory=list)  # wall-clock per page
    cpu: list[float] = field(default_factory=list)  # CPU time per page, ms
    failures: list[str] = field(default_factory=list)  # "key: reason"
    found: int = 0  # trafilatura set: "with" snippets found
    wanted: int = 0
    kept: int = 0  # trafilatura set: "without" snippets found
    unwanted: int = 0

    @staticmethod
    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0


# -- extractors -----------------------------------------------------------------


def ours(html: str, url: str | None) -> str:
    from summarizer.errors import NotAnArticle
    from summarizer.extract import extract_html

    try:
        return extract_html(html, url=url).text
    except NotAnArticle:
        return ""


def trafilatura_default(html: str, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def readability(html: str, url: str | None) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html, url=url).summary(html_partial=True)
    root = lxml.html.fromstring(summary)
    for block in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "br", "tr", "blockquote"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def newspaper4k(html: str, url: str | None) -> str:
    import newspaper

    article = newspaper.Article(url or "https://example.com/article", fetch_images=False)
    article.download(input_html=html)
    article.parse()
    return article.text or ""


def extractors(names: Sequence[str] = EXTRACTORS) -> dict[str, Callable[[str, str | None], str]]:
    """The extractors to compare, by name; newspaper4k only when installed (patched)."""
    table: dict[str, Callable[[str, str | None], str]] = {
        "newsbot": ours,
        "trafilatura": trafilatura_default,
        "readability-lxml": readability,
        "newspaper4k": newspaper4k,
    }
    chosen = {n: table[n] for n in names}
    if "newspaper4k" in chosen:
        if offline.available():
            offline.patch_newspaper()
        else:
            _say("newspaper4k is not installed: its row is left out (pip install newspaper4k)")
            del chosen["newspaper4k"]
    return chosen


# -- data -----------------------------------------------------------------------


def decode(raw: bytes) -> str:
    """The page's text, as our fetcher would decode it (no header charset)."""
    from summarizer.fetch import decode_body

    return decode_body(raw, None)


def load_zyte(data: Path, quick: bool = False) -> list[Page]:
    folder = data / ZYTE
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[::QUICK_STEP] if quick else sorted(truth)
    pages = []
    for key in keys:
        raw = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        item = truth[key]
        pages.append(Page(key, item.get("url"), decode(raw), truth=item["articleBody"]))
    return pages


def load_trafilatura(data: Path, quick: bool = False) -> list[Page]:
    folder = data / TRAF
    entries = json.loads((folder / "evaldata_subset.json").read_text(encoding="utf-8"))
    urls = sorted(entries)[::QUICK_STEP] if quick else sorted(entries)
    pages = []
    for url in urls:
        entry = entries[url]
        path = folder / "html" / entry["file"]
        if not path.is_file():
            continue
        pages.append(
            Page(
                entry["file"],
                url,
                decode(path.read_bytes()),
                with_=tuple(entry.get("with") or ()),
                without=tuple(entry.get("without") or ()),
            )
        )
    return pages


def data_missing(data: Path) -> str | None:
    needed = [f"{ZYTE}/ground-truth.json", f"{ZYTE}/html", f"{TRAF}/evaldata_subset.json"]
    missing = [n for n in needed if not (data / n).exists()]
    return ", ".join(missing) if missing else None


# -- scoring --------------------------------------------------------------------


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def prf(got: str, want: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 of ``got`` against ``want`` (multisets)."""
    g, w = tokens(got), tokens(want)
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return p, r, 2 * p * r / (p + r)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


Extracted = list[tuple[str, float, float, str | None]]  # per extractor: text, ms, CPU ms, failure
_WARM: set[tuple[str, ...]] = set()  # the extractor sets this process has run once


def extract_page(page: Page, names: Sequence[str]) -> Extracted:
    """Every extractor of ``names`` on ``page``: its text ("" on a crash), its wall-clock
    and CPU times in ms, and the crash as "key: reason" (None when it did not crash)."""
    out: Extracted = []
    for name, extract in extractors(names).items():
        failure = None
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            text = extract(page.html, page.url)
        except Exception as exc:  # a crash is a result here: scored as an empty page
            why = " ".join(str(exc).replace("*", "").split())[:80]
            failure = f"{page.key[:16]}: {type(exc).__name__}: {why}"
            log.debug("%s failed on %s", name, page.key, exc_info=True)
            text = ""
        millis = (time.perf_counter() - start) * 1000
        out.append((text, millis, (time.process_time() - start_cpu) * 1000, failure))
    return out


def _extracted(
    pages: Sequence[Page], names: Sequence[str], label: str, progress: bool, jobs: int
) -> Iterator[tuple[Page, Extracted]]:
    """Each page with what every extractor made of it, in page order, from ``jobs``
    worker processes (the extractors run one after the other on a page, in one worker)."""
    work = partial(extract_page, names=names)
    if jobs <= 1 or len(pages) <= 1:
        # One untimed pass first, so that imports and data loaded on first use are not
        # counted in the times of whichever extractor meets them first (dateparser, under
        # trafilatura's date search, compiles its locales on the first date only it
        # reads: over a second, which moved the mean CPU time of a whole set).
        for page in _progress(pages, f"{label} (warm-up)", progress):
            work(page)
        for page in _progress(pages, label, progress):
            yield page, work(page)
        return
    if tuple(names) not in _WARM:
        # Import every extractor (and load its data) once, before the workers are forked.
        work(pages[0])
        _WARM.add(tuple(names))
    context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    with context.Pool(min(jobs, len(pages))) as pool:
        done = pool.imap(work, pages)
        yield from zip(pages, _progress(done, label, progress, len(pages)), strict=True)


def _record(s: Scores, result: tuple[str, float, float, str | None]) -> str:
    text, millis, cpu, failure = result
    s.millis.append(millis)
    s.cpu.append(cpu)
    if failure:
        s.failures.append(failure)
    return text


def run_zyte(
    pages: Sequence[Page], names: Sequence[str], progress: bool = True, jobs: int = 1
) -> list[Scores]:
    chosen = list(extractors(names))
    results = [Scores(n) for n in chosen]
    for page, extracted in _extracted(pages, chosen, "zyte pages", progress, jobs):
        for s, result in zip(results, extracted, strict=True):
            p, r, f = prf(_record(s, result), page.truth)
            s.precision.append(p)
            s.recall.append(r)
            s.f1.append(f)
    return results


def run_trafilatura(
    pages: Sequence[Page], names: Sequence[str], progress: bool = True, jobs: int = 1
) -> list[Scores]:
    chosen = list(extractors(names))
    results = [Scores(n) for n in chosen]
    for page, extracted in _extracted(pages, chosen, "trafilatura-set pages", progress, jobs):
        for s, result in zip(results, extracted, strict=True):
            text = _norm(_record(s, result))
            s.wanted += len(page.with_)
            s.found += sum(1 for snippet in page.with_ if _norm(snippet) in text)
            s.unwanted += len(page.without)
            s.kept += sum(1 for snippet in page.without if _norm(snippet) in text)
    return results


# -- report ---------------------------------------------------------------------


def _name(name: str) -> str:
    return f"**{name}**" if name == "newsbot" else name


def zyte_table(results: Sequence[Scores]) -> list[str]:
    lines = [
        "| extractor | precision | recall | F1 | median ms/page | mean CPU ms/page | failures |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results:
        lines.append(
            f"| {_name(s.name)} | {s.mean(s.precision):.3f} | {s.mean(s.recall):.3f} "
            f"| {s.mean(s.f1):.3f} | {statistics.median(s.millis):.1f} | {s.mean(s.cpu):.1f} "
            f"| {len(s.failures)} |"
        )
    return lines


def trafilatura_table(results: Sequence[Scores]) -> list[str]:
    lines = [
        "| extractor | must-have snippets found | boilerplate snippets kept (lower is better) "
        "| median ms/page | mean CPU ms/page | failures |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in results:
        lines.append(
            f"| {_name(s.name)} | {s.found}/{s.wanted} ({s.found / max(1, s.wanted):.3f}) "
            f"| {s.kept}/{s.unwanted} ({s.kept / max(1, s.unwanted):.3f}) "
            f"| {statistics.median(s.millis):.1f} | {s.mean(s.cpu):.1f} | {len(s.failures)} |"
        )
    return lines


def verdict(results: Sequence[Scores]) -> str:
    """The goal line: our F1 against the best of trafilatura and readability-lxml."""
    f1 = {s.name: s.mean(s.f1) for s in results}
    rivals = {n: f1[n] for n in ("trafilatura", "readability-lxml") if n in f1}
    if "newsbot" not in f1 or not rivals:
        return "Goal not checked (extractors missing)."
    best = max(rivals, key=lambda n: rivals[n])
    gap = f1["newsbot"] - rivals[best]
    met = "**met**" if gap >= 0 else "**not met**"
    return (
        f"Goal (our F1 ≥ the best of trafilatura and readability-lxml): {met}, "
        f"{f1['newsbot']:.3f} vs {best} {rivals[best]:.3f} ({gap:+.3f})."
    )


def section(
    zyte: Sequence[Scores],
    traf: Sequence[Scores],
    counts: tuple[int, int],
    command: str,
    note: str,
) -> str:
    packages = ", ".join(
        f"{p} {_version(p)}" for p in ("trafilatura", "readability-lxml", "newspaper4k", "lxml")
    )
    failures = [f"{s.name}: {f}" for s in (*zyte, *traf) for f in s.failures]
    lines = [
        SECTION,
        "",
        "Main-text extraction from real pages: newsbot's `extract_html` (trafilatura's fast",
        "pass; trafilatura in full, then readability-lxml, only where the text is short)",
        "against trafilatura (`trafilatura.extract`, defaults), readability-lxml",
        "(`Document(html).summary()`, then the text of its HTML) and newspaper4k",
        "(`Article.download(input_html=...)` + `parse()`). Pages are decoded once, as newsbot's",
        "fetcher would (`fetch.decode_body`), and every extractor gets the same string and the",
        "page's URL. Times: median wall-clock and mean CPU time per page, one process, after",
        "an untimed pass over the pages (`--quick` shares the pages over one worker per CPU;",
        "the scores do not change, the times would).",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        f"- machine: nproc {_nproc()}, {_cpu_model()}",
        f"- python {platform.python_version()}; {packages}",
        f"- {note}",
        "",
        f"### Zyte article-extraction benchmark ({counts[0]} pages)",
        "",
        "Token precision / recall / F1 against the human ground-truth body: lowercase `\\w+`",
        "tokens, multiset overlap, mean over pages (macro). A refusal or a crash scores 0.",
        "",
        *zyte_table(zyte),
        "",
        verdict(zyte),
        "",
        f"### trafilatura's evaluation set ({counts[1]} pages)",
        "",
        "Snippets that must appear in the main text, and boilerplate snippets that must not",
        "(whitespace collapsed, case folded), summed over pages.",
        "",
        *trafilatura_table(traf),
        "",
    ]
    lines += failure_lines("Failures (scored as empty pages):", failures)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 2 if the data is missing."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.extraction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the eval data folder")
    parser.add_argument("--quick", action="store_true", help="every 6th page of each set")
    parser.add_argument(
        "--only", nargs="+", choices=EXTRACTORS, default=list(EXTRACTORS), help="extractors to run"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print our N worst pages")
    parser.add_argument(
        "--jobs",
        type=int,
        help="worker processes (default: one per CPU for the smoke runs, 1 for a full run, "
        "whose wall-clock times are published and would be inflated on a busy machine)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    missing = data_missing(args.data)
    if missing:
        _say(f"bench.extraction: no extraction data in {args.data} ({missing}; use --data PATH)")
        return 2
    progress = not args.no_progress
    started = time.perf_counter()
    zyte_pages = load_zyte(args.data, args.quick)
    traf_pages = load_trafilatura(args.data, args.quick)
    _say(f"{len(zyte_pages)} Zyte pages, {len(traf_pages)} trafilatura-set pages")
    jobs = max(1, args.jobs or ((os.cpu_count() or 1) if args.quick else 1))
    zyte = run_zyte(zyte_pages, args.only, progress, jobs)
    traf = run_trafilatura(traf_pages, args.only, progress, jobs)
    _say(f"done in {time.perf_counter() - started:.0f} s")
    print("\n".join(zyte_table(zyte)))
    print(verdict(zyte))
    print()
    print("\n".join(trafilatura_table(traf)))
    if args.show:
        mine = next((s for s in zyte if s.name == "newsbot"), None)
        if mine:
            worst = sorted(zip(mine.f1, zyte_pages, strict=True), key=lambda x: x[0])
            for f, page in worst[: args.show]:
                _say(f"  {f:.3f} {page.key} {page.url}")
    if not args.no_write:
        command = "python -m bench.extraction" + (" --quick" if args.quick else "")
        note = offline.NOTE if "newspaper4k" in args.only else "newspaper4k not run"
        write_section(
            section(zyte, traf, (len(zyte_pages), len(traf_pages)), command, note),
            DOCS,
            SECTION,
        )
        _say(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
