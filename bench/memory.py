"""Benchmark the bot's memory: RSS idle, after the first question, after 400 messages,
and over the largest inputs it allows.

    python -m bench.memory [--quick] [--no-write] [--no-progress]

The bot runs in a fresh process (``multiprocessing``, spawned), as ``newsbot run``
builds it (``bot.app.build_application``) against the Bot API stand-in of
``tests/helpers`` and a loopback page server, on a new SQLite store. That process
reports its own RSS (``VmRSS`` of ``/proc/self/status``) after each step, and a
thread samples it every 20 ms for the peak. The steps:

1. **idle**: started, nothing asked;
2. **first question**: an English and a Russian link sent (their summaries and facts
   read, so both parsers are loaded: they are most of the steady size), then one
   question;
3. **400 messages**: 20 users send 20 messages each (``/start``, ``/help``, questions,
   links already stored), each waiting for its reply;
4. **largest inputs**: one user each sends a link to a one-sentence Russian page of
   250 kB, a 4 MB text page of a million tiny paragraphs, a page of 600,000 short
   sentences, and watches a 50,000-item feed (3.6 MB), at once; after them, RSS
   again ("after").

Goals (issue 17): peak ≤ 1 GB at any moment, and the level after the largest inputs
within 100 MB of the level before them. ``--quick`` sends 100 messages instead of 400
(the inputs are the same) in one run; otherwise three runs, each in a new process,
``--runs`` to choose. Whether each goal is met over all the runs is said, and the exit
status is 1 when one is not. The table is printed and written to ``docs/benchmarks.md``
under "## Memory" (not with ``--no-write``). With each step, what the two allocators
hold (``heaps_mb``): the level after the largest inputs is mostly theirs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import platform
import re
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.summaries import _cpu_model, _nproc, write_section

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Memory"
PEAK_GOAL_MB = 1000.0
AFTER_GOAL_MB = 100.0
USERS = 20


def heaps_mb() -> dict[str, float]:
    """What the two allocators hold, MB: CPython's object allocator (``pymalloc``: its
    1 MiB arenas, and the objects live in them), and glibc's heap (``mallinfo2``: in use,
    free, and the big blocks mapped on their own), where the rest goes (big objects, the
    models' arrays, C libraries); and the RSS split into anonymous memory and pages of
    files (shared libraries, mapped model files: the kernel can drop them). Empty where
    these cannot be read (no glibc 2.33)."""
    out: dict[str, float] = {}
    import ctypes
    import os

    try:
        libc = ctypes.CDLL("libc.so.6")
        fields = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"

        class Mallinfo2(ctypes.Structure):
            _fields_ = [(name, ctypes.c_size_t) for name in fields.split()]

        libc.mallinfo2.restype = Mallinfo2
        info = libc.mallinfo2()
        out["glibc in use"] = info.uordblks / 2**20
        out["glibc free"] = info.fordblks / 2**20
        out["glibc mmapped"] = info.hblkhd / 2**20
    except (OSError, AttributeError):
        return {}
    # sys._debugmallocstats writes to the C stderr: read it through a pipe
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    text = b"".join(chunks).decode(errors="replace")
    arenas = re.search(r"^(\d+) arenas \* (\d+) bytes/arena", text, re.MULTILINE)
    live = re.search(r"^# bytes in allocated blocks\s*=\s*([\d,]+)", text, re.MULTILINE)
    if arenas and live:
        out["pymalloc arenas"] = int(arenas[1]) * int(arenas[2]) / 2**20
        out["pymalloc objects"] = int(live[1].replace(",", "")) / 2**20
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("RssAnon:", "RssFile:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """The highest RSS seen, sampled every ``every`` seconds in a thread."""

    def __init__(self, every: float = 0.02) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak = max(self.peak, rss_mb())

    def reset(self) -> None:
        self.peak = rss_mb()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _inputs(port: int) -> dict[str, tuple[str, str]]:
    """The largest inputs the bot allows: path -> (body, content type)."""
    from tests.helpers.channels import huge_feed
    from tests.test_bounded import ONE_SENTENCE_RU

    return {
        "/ru-one-sentence.html": (
            f"<html><body><article><p>{ONE_SENTENCE_RU}</p></article></body></html>",
            "text/html",
        ),
        "/paragraphs.txt": ("ab\n\n" * 1_000_000, "text/plain"),
        "/sentences.txt": ("Да. " * 600_000, "text/plain"),
        "/big.xml": (
            huge_feed(f"http://127.0.0.1:{port}/item.html", 50_000),
            "application/rss+xml",
        ),
    }


async def _run_bot(messages: int, report: Any) -> None:
    import gc

    from aiohttp import web

    from summarizer.memory import release
    from tests.conftest import ISTANBUL
    from tests.helpers.articles import seed_page
    from tests.helpers.botapi import BotApiStandIn
    from tests.helpers.pages import LoopbackServer, page
    from tests.test_bot import make_settings, running, site_routes

    def final(api: BotApiStandIn, chat: int, sent: int) -> Any:
        return lambda: [
            m for m in api.replies_to(chat, sent) if not m.text.startswith("Reading the article")
        ]

    sampler = Sampler()
    clock = (time.monotonic(), time.process_time())
    rows: list[dict[str, Any]] = []

    def row(step: str) -> None:
        gc.collect()
        wall, cpu = time.monotonic() - clock[0], time.process_time() - clock[1]
        rows.append(
            {
                "step": step,
                "rss": rss_mb(),
                "peak": sampler.peak,
                "wall": wall,
                "cpu": cpu,
                "heaps": heaps_mb(),
            }
        )
        report(f"{step}: RSS {rss_mb():.0f} MB, peak {sampler.peak:.0f} MB, {wall:.1f} s")

    big: dict[str, Any] = {}

    async def serve(request: web.Request) -> web.Response:
        body, kind = big[request.path]
        return web.Response(text=body, content_type=kind)

    routes = {
        **site_routes(),
        "/item.html": page(seed_page(ISTANBUL)),
        **dict.fromkeys(_inputs(0), serve),  # the inputs are made once the port is known
    }
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiStandIn() as api, LoopbackServer(routes) as site:
            big.update(_inputs(site.port))
            settings = make_settings(api, site, Path(tmp) / "bot.db")
            async with running(api, settings):
                await asyncio.sleep(1.0)
                row("idle")
                for path in ("/istanbul.html", "/tulun.html"):  # both parsers loaded
                    sent = await api.say(1, site.url(path))
                    await api.wait_for(final(api, 1, sent), what="the first summaries")
                asked = await api.say(1, "Who led Russia's delegation?")
                await api.reply(1, asked)
                row("first question")

                async def user(n: int) -> None:
                    chat = 100 + n
                    for k in range(messages // USERS):
                        text = ("/start", "/help", "Who led Russia's delegation?")[k % 3]
                        if k % 5 == 4:
                            text = site.url("/istanbul.html")
                        said = await api.say(chat, text)
                        await api.wait_for(final(api, chat, said), what=f"a reply to {text}")

                await asyncio.gather(*(user(n) for n in range(USERS)))
                row(f"{messages} messages")
                before = rss_mb()
                sampler.reset()
                waits = []
                for n, path in enumerate(sorted(p for p in big if p != "/big.xml")):
                    said = await api.say(200 + n, site.url(path))
                    waits.append(api.wait_for(final(api, 200 + n, said), 600, path))
                await api.say(210, f"/watch {site.url('/big.xml')}")
                waits.append(
                    api.wait_for(
                        lambda: [m for m in api.to_chat(210) if "new article" in m.text],
                        600,
                        "the big feed",
                    )
                )
                done = await asyncio.gather(*waits)
                failed = [m.text[:120] for got in done for m in got if "could not" in m.text]
                if failed:
                    raise SystemExit(f"an input was not read: {failed}")
                gc.collect()
                untrimmed = rss_mb()
                release()
                row("largest inputs")
                rows[-1]["before"], rows[-1]["untrimmed"] = before, untrimmed
        sampler.stop()
    report(None, rows)


def _child(messages: int, queue: Any) -> None:
    import logging

    logging.disable(logging.WARNING)

    def report(line: str | None, rows: Any = None) -> None:
        queue.put((line, rows))

    asyncio.run(_run_bot(messages, report))
    queue.put((None, {"maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(messages: int, progress: bool) -> tuple[list[dict[str, Any]], float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(messages, queue))
    child.start()
    rows: list[dict[str, Any]] = []
    maxrss = 0.0
    while True:
        line, data = queue.get(timeout=1800)
        if line is not None:
            if progress:
                print(line, file=sys.stderr, flush=True)
        elif isinstance(data, list):
            rows = data
        else:
            maxrss = data["maxrss"]
            break
    child.join(60)
    if child.exitcode not in (0, None):
        raise SystemExit(f"the bot's process failed (exit {child.exitcode})")
    return rows, maxrss


Run = tuple[list[dict[str, Any]], float]  # the rows of one run, and its ru_maxrss


def _goals(run: Run) -> tuple[float, float, bool, bool]:
    """The peak of a run, what it kept after the largest inputs, and whether each goal
    is met."""
    rows, maxrss = run
    peak = max(maxrss, *(r["peak"] for r in rows))
    kept = rows[-1]["rss"] - rows[-1]["before"]
    return peak, kept, peak <= PEAK_GOAL_MB, kept <= AFTER_GOAL_MB


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def table(runs: Sequence[Run]) -> str:
    """The steps of the first run, what the allocators held before and after its
    largest inputs, one line a run, and the goals over all the runs."""
    rows, _ = runs[0]
    lines = [
        "| step | RSS after, MB | peak so far, MB | wall clock, s | CPU, s |",
        "|---|---:|---:|---:|---:|",
    ]
    last = 0.0, 0.0
    for r in rows:
        wall, cpu = r["wall"] - last[0], r["cpu"] - last[1]
        last = r["wall"], r["cpu"]
        lines.append(f"| {r['step']} | {r['rss']:.0f} | {r['peak']:.0f} | {wall:.1f} | {cpu:.1f} |")
    steady, final = rows[-2], rows[-1]
    if steady["heaps"] and final["heaps"]:
        lines += [
            "",
            "| held, MB | before the largest inputs | after | change |",
            "|---|---:|---:|---:|",
        ]
        for key, was in steady["heaps"].items():
            now = final["heaps"].get(key, 0.0)
            lines.append(f"| {key} | {was:.0f} | {now:.0f} | {now - was:+.0f} |")
    lines += [
        "",
        "| run | before the largest inputs, MB | after, MB | change, MB "
        "| after, before malloc_trim, MB | peak, MB | wall clock, s | CPU, s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, run in enumerate(runs, 1):
        final = run[0][-1]
        peak, kept, _, _ = _goals(run)
        lines.append(
            f"| {number} | {final['before']:.0f} | {final['rss']:.0f} | {kept:+.0f} | "
            f"{final['untrimmed']:.0f} | {peak:.0f} | {final['wall']:.1f} | {final['cpu']:.1f} |"
        )
    goals = [_goals(run) for run in runs]
    peaks, kepts = [g[0] for g in goals], [g[1] for g in goals]
    lines += [
        "",
        f"Goals (issue 17), over the {len(runs)} run(s): peak ≤ {PEAK_GOAL_MB:.0f} MB "
        f"{_met(all(g[2] for g in goals))} (at most {max(peaks):.0f} MB); the level after "
        f"the largest inputs within {AFTER_GOAL_MB:.0f} MB of the level before "
        f"{_met(all(g[3] for g in goals))} ({', '.join(f'{k:+.0f}' for k in kepts)} MB).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 messages, one run")
    parser.add_argument("--runs", type=int, help="runs, each in a new process (default 3)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    messages = 100 if args.quick else 400
    count = args.runs or (1 if args.quick else 3)
    if count < 1:
        parser.error("--runs must be at least 1")
    runs = [measure(messages, not args.no_progress) for _ in range(count)]
    body = table(runs)
    print(body)
    if not args.no_write:
        today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        quick = " --quick" if args.quick else ""
        text = "\n".join(
            [
                SECTION,
                "",
                f"`python -m bench.memory{quick}` on {today}: {_cpu_model()} ({_nproc()} CPUs "
                f"shared), Python {platform.python_version()}; {count} run(s), each a new "
                "process. The bot in its own process against the "
                "Bot API stand-in and a loopback page server, a new SQLite store; RSS after "
                "each step (after gc), peak sampled every 20 ms (the highest so far, reset "
                f"before the largest inputs); wall clock and CPU time of the step; {messages} "
                "messages. Largest inputs, sent at once by four users: a link to "
                "a one-sentence Russian page of 250 kB, to a 4 MB text page of a million tiny "
                "paragraphs, to a page of 600,000 short sentences, and /watch of a "
                "50,000-item feed (3.6 MB). The steps and what the allocators hold are the "
                "first run's (pymalloc: CPython's arenas and the objects in them; glibc: its "
                "heap in use and free, and the big blocks it maps apart; RssAnon and RssFile: "
                "the RSS split into anonymous memory and pages of files); the runs' wall "
                "clock and CPU time are the whole run's.",
                "",
                body,
            ]
        )
        write_section(text, DOCS, SECTION)
    return 0 if all(g[2] and g[3] for g in map(_goals, runs)) else 1


if __name__ == "__main__":
    sys.exit(main())
