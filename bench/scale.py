"""Benchmark shared polling: ingest throughput of 1, 2 and 4 ``newsbot worker`` processes on
PostgreSQL against 1 on SQLite, over the same loopback-served pages.

    python -m bench.scale [--data PATH] [--quick] [--no-write] [--no-progress]
                          [--postgres URL]

The Zyte pages (``extraction-zyte/``) are served from a loopback HTTP server in
its own process, each behind a feed of its own (``/feed/<key>``: an RSS feed
whose one item links to ``/<key>.html``), so every page is one watched source.
For each configuration, in turn, on a fresh store (a new SQLite file, or a new
PostgreSQL database ``nb_bench_<random>``, dropped afterwards):

1. start N ``python -m bot worker`` processes and wait until each has loaded its
   language models and logged ``ready`` (not timed);
2. start the clock, add every feed as a source, and wait until every source has
   been polled (``last_polled`` set in the store): each worker leases due sources
   (``claim_sources``), fetches the feed, then the page: extraction, language,
   sentences, summary, store (the facts are left pending, for the bot's leader or
   the first question to read: ``summarizer.pending.read_pending``);
3. stop the workers (SIGTERM).

Reported: articles stored per second of wall-clock over step 2, sources that
failed, and how the sources were split between the workers. The table is
printed and written to ``docs/benchmarks.md`` under "## Scale". ``--quick``:
four pages, two workers on PostgreSQL (one on SQLite when there is no server).
The server is ``--postgres``, or ``NEWSBOT_TEST_POSTGRES_URL``, or
``postgresql://postgres@127.0.0.1:5432/test``; without one only SQLite runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.answers import _say
from bench.ingest import serve_pages, zyte_pages
from bench.summaries import _cpu_model, _nproc, _version, failure_lines, write_section

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "eval"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Scale"
ZYTE = "extraction-zyte"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
QUICK_PAGES = 4
FULL = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
QUICK = (("postgresql", 2),)
WORKER_CONCURRENCY = 2
LOAD_BEFORE = "?"  # the 1, 5 and 15 minute load averages when the run started


@dataclass
class Run:
    """One configuration's pass over the pages."""

    backend: str
    workers: int
    pages: int
    ingested: int
    failed: list[str]
    seconds: float
    split: list[int] = field(default_factory=list)  # sources polled by each worker
    load: float = 0.0  # the 1-minute load average when the row ended (a shared machine)

    @property
    def rate(self) -> float:
        return self.ingested / self.seconds if self.seconds else 0.0


# -- the loopback server ------------------------------------------------------------


def _pages(data: Path, quick: bool) -> dict[str, bytes]:
    return zyte_pages(
        data,
        (lambda keys: keys[:: max(1, len(keys) // QUICK_PAGES)][:QUICK_PAGES]) if quick else None,
    )


def _serve(data: str, quick: bool, port: Any) -> None:
    """Serve /<key>.html and /feed/<key> until killed (in its own process)."""
    pages = _pages(Path(data), quick)

    def feed(path: str, host: str) -> tuple[bytes, str] | None:
        key = path.removeprefix("feed/")
        if not path.startswith("feed/") or key not in pages:
            return None
        link = f"http://{host}/{key}.html"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>feed {key}</title><link>{escape(link)}</link>"
            f"<description>one page</description><item><title>{key}</title>"
            f"<link>{escape(link)}</link><guid>{escape(link)}</guid></item>"
            "</channel></rss>"
        ).encode()
        return body, "application/rss+xml; charset=utf-8"

    serve_pages(pages, port, feed)


# -- stores ---------------------------------------------------------------------------


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5):
            return True
    except Exception:  # no driver, no server, no database: SQLite only
        return False


@contextmanager
def fresh_store(backend: str, pg_url: str) -> Iterator[str]:
    """The NEWSBOT_DB of a new, empty store of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
            yield str(Path(folder) / "scale.db")
        return
    import psycopg
    from psycopg import sql

    name = f"nb_bench_{secrets.token_hex(5)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(pg_url)._replace(path="/" + name))
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# -- one configuration --------------------------------------------------------------------


def _worker_env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        NEWSBOT_DB=db,
        NEWSBOT_ALLOW_PRIVATE_URLS="1",
        NEWSBOT_POLL_INTERVAL="3600",  # one round: nothing is due twice during the run
        # ingest is CPU-bound: two at once overlap one fetch with one digest; more would
        # only let the first worker to claim hoard sources the others could take
        NEWSBOT_WORKER_CONCURRENCY=str(WORKER_CONCURRENCY),
        NEWSBOT_LOG_LEVEL="INFO",
    )
    return env


def run_one(backend: str, workers: int, feeds: list[str], pg_url: str) -> Run:
    from summarizer.sources import parse_source
    from summarizer.store import open_store

    with fresh_store(backend, pg_url) as db, tempfile.TemporaryDirectory() as logs:
        open_store(db).close()  # the schema, before the workers start
        procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        try:
            for index in range(workers):
                log = Path(logs) / f"w{index}.log"
                with log.open("wb") as out:
                    procs.append(
                        (
                            subprocess.Popen(
                                [sys.executable, "-m", "bot", "worker", "--name", f"w{index}"],
                                env=_worker_env(db),
                                cwd=ROOT,
                                stdout=out,
                                stderr=subprocess.STDOUT,
                            ),
                            log,
                        )
                    )
            _wait(
                lambda: all("ready" in log.read_text(errors="replace") for _, log in procs),
                procs,
                120,
            )
            started = time.perf_counter()
            with open_store(db) as store:
                for url in feeds:
                    ref = parse_source(url)
                    store.add_source(ref.kind, ref.key, ref.url)

                def polled() -> bool:
                    return all(s.last_polled for s in store.list_sources())

                _wait(polled, procs, 3600, every=0.1)
                seconds = time.perf_counter() - started
                sources = store.list_sources()
                ingested = store.count_articles()
        finally:
            for proc, _ in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc, _ in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        split = []
        for _, log in procs:
            found = re.search(r"stopped: (\d+) sources polled", log.read_text(errors="replace"))
            split.append(int(found.group(1)) if found else -1)
    failed = [f"{s.key.rsplit('/', 1)[-1][:12]}: {s.last_error}" for s in sources if s.last_error]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return Run(backend, workers, len(feeds), ingested, failed, seconds, split, load)


def _wait(
    condition: Any,
    procs: list[tuple[subprocess.Popen[bytes], Path]],
    within: float,
    every: float = 0.2,
) -> None:
    deadline = time.monotonic() + within
    while not condition():
        for proc, log in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a worker exited: {log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {within} s")
        time.sleep(every)


def run(
    data: Path, quick: bool, configs: Sequence[tuple[str, int]], pg_url: str, progress: bool
) -> list[Run]:
    context = multiprocessing.get_context("spawn")
    port_queue = context.Queue()
    server = context.Process(target=_serve, args=(str(data), quick, port_queue), daemon=True)
    server.start()
    try:
        port = port_queue.get(timeout=60)
        keys = sorted(_pages(data, quick))
        feeds = [f"http://127.0.0.1:{port}/feed/{key}" for key in keys]
        runs = []
        for backend, workers in configs:
            if progress:
                _say(f"  {backend} × {workers}: {len(feeds)} pages ...")
            runs.append(run_one(backend, workers, feeds, pg_url))
            if progress:
                _say(f"  {backend} × {workers}: {runs[-1].rate:.2f} articles/s")
                for failure in runs[-1].failed:
                    _say(f"    failed: {failure}")
        return runs
    finally:
        server.terminate()
        server.join(timeout=10)


# -- report ------------------------------------------------------------------------------


def table(runs: Sequence[Run]) -> list[str]:
    base = next((r.rate for r in runs if r.backend == "sqlite" and r.workers == 1), None)
    lines = [
        "| store | workers | pages | ingested | failed | seconds | articles/s "
        "| vs SQLite × 1 | sources per worker | load after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        ratio = f"{r.rate / base:.2f}×" if base else "–"
        lines.append(
            f"| {r.backend} | {r.workers} | {r.pages} | {r.ingested} | {len(r.failed)} "
            f"| {r.seconds:.1f} | {r.rate:.2f} | {ratio} | {' / '.join(map(str, r.split))} "
            f"| {r.load:.1f} |"
        )
    return lines


def section(runs: Sequence[Run], command: str, pg_url: str) -> str:
    packages = ", ".join(
        f"{p} {_version(p)}" for p in ("psycopg", "spacy", "natasha", "trafilatura", "aiohttp")
    )
    server = "absent"
    if any(r.backend == "postgresql" for r in runs):
        server = _pg_version(pg_url)
    failures = [f"{r.backend} × {r.workers}: {f}" for r in runs for f in r.failed]
    lines = [
        SECTION,
        "",
        "Shared polling (`newsbot worker`, issue 9): the Zyte pages (`extraction-zyte/`)",
        "served from a loopback HTTP server in its own process, each page behind a feed of",
        "its own, so each page is one watched source. For each row, a fresh store and N",
        "worker processes that have loaded their models; the clock runs from adding the",
        "sources until every source has been polled. Each worker leases due sources from",
        "the store (`claim_sources`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN",
        "IMMEDIATE` on SQLite), fetches the feed and the page, and ingests it: extraction,",
        "language, sentences, summary, store; the facts are left pending (read by the bot's",
        "leader when idle, or by the first question that finds the article: see Ingest",
        "throughput). Articles/s = articles stored / seconds.",
        "",
        f"**This machine has {_nproc()} CPU cores**, shared by the workers, the page server",
        "and PostgreSQL: ingest is CPU-bound (one worker keeps about one core busy), so two",
        "workers is where it stops scaling here, and four only add contention. On a machine",
        "(or machines) with a core per worker the rate grows with the workers until the",
        "database is the limit. Other work shared the machine too: the load average is",
        "given before the run and after each row; rows taken under a higher load are slower",
        "for it.",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- command: `{command}`",
        f"- machine: nproc {_nproc()}, {_cpu_model()}; load average before the run {LOAD_BEFORE}",
        f"- workers: `python -m bot worker`, NEWSBOT_WORKER_CONCURRENCY={WORKER_CONCURRENCY}",
        f"- python {platform.python_version()}; PostgreSQL {server}; {packages}",
        "",
        *table(runs),
        "",
    ]
    lines += failure_lines("Failed sources:", failures)
    return "\n".join(lines)


def _pg_version(pg_url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(pg_url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"
    except Exception:  # the version is a detail of the report
        return "?"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 2 if the data is missing."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the eval data folder")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_PAGES} pages, 2 workers on PostgreSQL"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("NEWSBOT_TEST_POSTGRES_URL") or DEFAULT_PG,
        help="the PostgreSQL server (a database is created on it per run, then dropped)",
    )
    args = parser.parse_args(argv)

    if not (args.data / ZYTE / "html").is_dir():
        _say(f"bench.scale: no Zyte pages in {args.data / ZYTE / 'html'} (use --data PATH)")
        return 2
    configs = list(QUICK if args.quick else FULL)
    if not postgres_reachable(args.postgres):
        _say(f"bench.scale: no PostgreSQL at {args.postgres}: SQLite only")
        configs = [("sqlite", 1)]
    global LOAD_BEFORE
    LOAD_BEFORE = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    runs = run(args.data, args.quick, configs, args.postgres, not args.no_progress)
    if not args.no_progress:
        _say(f"done in {time.perf_counter() - started:.0f} s")
    print("\n".join(table(runs)))
    if not args.no_write:
        command = "python -m bench.scale" + (" --quick" if args.quick else "")
        write_section(section(runs, command, args.postgres), DOCS, SECTION)
        _say(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
