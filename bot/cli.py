"""The ``newsbot`` command line.

Each subcommand is a thin shell over :mod:`summarizer.core`. Errors a user can
cause (:class:`summarizer.errors.NewsbotError`, among them a store that cannot be
written: read-only or on a full disk), running out of memory and text no codec
takes print one line on stderr and exit with status 2; nothing else ever prints a
traceback, unless ``NEWSBOT_LOG_LEVEL=DEBUG``. The one-shot commands (all but
``run`` and ``worker``) log nothing below WARNING unless NEWSBOT_LOG_LEVEL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

# One BLAS thread: natasha's and spaCy's matrices are small, and a second BLAS thread per
# process only fights the others for the cores (natasha ran ~10x slower on a busy 2-core
# machine). Set before numpy is first imported; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from summarizer import BadInput, NewsbotError, Settings

logger = logging.getLogger("newsbot")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit status 2 like every bad input."""

    def error(self, message: str) -> Any:  # argparse's signature: NoReturn
        raise BadInput("cli.usage", message=message, prog=self.prog)


def build_parser() -> argparse.ArgumentParser:
    from summarizer import ALGORITHMS, DEFAULT_ALGORITHM

    parser = _ArgumentParser(
        prog="newsbot",
        description="Reads the news for you: extractive summaries, facts and cited answers.",
        epilog="Settings come from NEWSBOT_* environment variables or newsbot.toml; see README.md.",
    )
    parser.add_argument("--db", help="the store (default: NEWSBOT_DB or ./newsbot.db)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    demo = sub.add_parser("demo", help="offline tour of the seed articles")
    demo.add_argument("--seeds", help="folder of seed articles (default: ./seeds)")

    summarize = sub.add_parser("summarize", help="summarize one article: URL, file or - (stdin)")
    summarize.add_argument("source", metavar="SOURCE", help="a URL, an .html/.txt file, or -")
    summarize.add_argument(
        "-n",
        "--sentences",
        type=int,
        metavar="N",
        help="sentences in the summary (default: 3 to 5 by length)",
    )
    summarize.add_argument(
        "-a",
        "--algorithm",
        default=DEFAULT_ALGORITHM,
        choices=sorted(ALGORITHMS),
        metavar="NAME",
        help=f"one of {', '.join(sorted(ALGORITHMS))} (default: {DEFAULT_ALGORITHM})",
    )
    summarize.add_argument("--lang", default="auto", choices=["auto", "en", "ru", "uk"])
    summarize.add_argument("--json", action="store_true", help="print one JSON object")

    ingest = sub.add_parser(
        "ingest", help="store articles: URLs, files, folders, @channels, feed URLs"
    )
    ingest.add_argument("items", nargs="+", metavar="SOURCE")
    ingest.add_argument("--json", action="store_true", help="print the counts as JSON")

    sources = sub.add_parser("sources", help="watched sources: add, list, remove")
    sources_sub = sources.add_subparsers(
        dest="action", metavar="ACTION", parser_class=_ArgumentParser
    )
    add = sources_sub.add_parser("add", help="watch @channel, t.me/channel, feed or page URLs")
    add.add_argument("items", nargs="+", metavar="SOURCE")
    listing = sources_sub.add_parser("list", help="the watched sources")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    remove = sources_sub.add_parser("remove", help="stop watching sources")
    remove.add_argument("items", nargs="+", metavar="SOURCE")

    ask = sub.add_parser("ask", help="answer a question from the store, with its evidence")
    ask.add_argument(
        "question",
        nargs="+",
        metavar="QUESTION",
        help="the question (several words), or - to read one question a line",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object a line")

    facts = sub.add_parser("facts", help="what the store knows about an entity")
    facts.add_argument(
        "entity",
        nargs="*",
        metavar="ENTITY",
        help="a name (any spelling); without one, the best-known entities",
    )
    facts.add_argument("--json", action="store_true", help="print JSON")

    poll = sub.add_parser("poll", help="one round over every watched source, then exit")
    poll.add_argument("--json", action="store_true", help="print the counts as JSON")

    run = sub.add_parser("run", help="the Telegram bot (long polling, or a webhook)")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this public HTTPS URL (default: NEWSBOT_WEBHOOK_URL, if set)",
    )

    worker = sub.add_parser(
        "worker",
        help="poll watched sources, sharing them with other workers (no token needed)",
        description=(
            "Poll the watched sources that are due, leasing each from the store so that "
            "any number of workers (and the leader of `newsbot run`) split them without "
            "fetching a source twice in one round. Runs until SIGINT/SIGTERM; see README "
            "'Running at scale'."
        ),
    )
    worker.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="sources polled at once (default: NEWSBOT_WORKER_CONCURRENCY, 4)",
    )
    worker.add_argument("--name", help="this worker's name in the leases (default: host:pid)")
    worker.add_argument(
        "--once", action="store_true", help="stop when no source is due instead of waiting"
    )
    worker.add_argument("--json", action="store_true", help="print what it did as JSON")

    sub.add_parser(
        "health",
        help="ask the running bot's /healthz (exit 0 when healthy): the Docker HEALTHCHECK",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    try:
        settings = Settings.load()
    except NewsbotError as exc:
        return _fail(exc)
    from bot import logs

    # one line per event (NEWSBOT_LOG_FORMAT=json for JSON lines); the token never shown
    logs.configure(
        settings.log_level, settings.log_format, (settings.token, settings.webhook_secret)
    )
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_BAD_INPUT
        if args.command not in SERVICES:
            _quiet_logs(settings)
        if args.db:
            settings = _replace(settings, db=args.db)
        command: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
        return command(args, settings)
    except NewsbotError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        return _fail(BadInput("cli.out_of_memory"))
    except UnicodeError as exc:  # a name or text that no codec takes, outside any reader's care
        return _fail(BadInput("cli.unicode", reason=exc))
    except Exception as exc:  # the last line of defence: a bug, not the user's fault
        logger.debug("unexpected error", exc_info=True)
        print(
            f"newsbot: internal error: {type(exc).__name__}: {exc} "
            "(NEWSBOT_LOG_LEVEL=DEBUG shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED


#: the commands that run as services: their log lines are what their operators read
SERVICES = frozenset({"run", "worker"})


def _quiet_logs(settings: Settings) -> None:
    """A one-shot command's stderr is for the user: its own ``newsbot: error:`` lines,
    and no log line below WARNING (nor the extractors' ERROR lines about a page they
    could not read, which the command says in its own words), unless NEWSBOT_LOG_LEVEL
    asks for them."""
    from bot import logs

    if os.environ.get("NEWSBOT_LOG_LEVEL") or settings.log_level.upper() != "INFO":
        return
    logging.getLogger().setLevel(logging.WARNING)
    for noisy in logs.QUIET:
        logging.getLogger(noisy).setLevel(logging.CRITICAL)


def _fail(exc: BaseException) -> int:
    message = " ".join(str(exc).split())
    print(f"newsbot: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


# -- commands -------------------------------------------------------------------


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    import summarizer

    async def read() -> Any:
        if args.source == "-":
            # no name: read_document tells HTML from plain text by the content
            return summarizer.read_document(sys.stdin.buffer.read(), tme_url=settings.tme_url)
        if summarizer.is_url(args.source):
            async with _fetcher(settings) as fetcher:
                return await summarizer.read_url(args.source, fetcher)
        return summarizer.read_file(args.source, tme_url=settings.tme_url)

    article = asyncio.run(read())
    result = summarizer.summarize_article(
        article, count=args.sentences, algorithm=args.algorithm, language=args.lang
    )
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print_digest(result, sys.stdout)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    import summarizer
    from summarizer.store import open_store

    folder = Path(args.seeds) if args.seeds else _default_seeds()
    files = summarizer.expand_paths([str(folder)])
    if not files:
        raise BadInput("cli.no_seeds", folder=folder)
    db = args.db or ":memory:"  # the tour leaves nothing behind unless --db is given
    out = sys.stdout
    out.write(f"newsbot demo: {len(files)} seed articles from {folder}, offline.\n")
    with open_store(db) as store:
        results = []
        for path in files:
            article = summarizer.read_file(path, tme_url=settings.tme_url)
            result = summarizer.summarize_article(article)
            summarizer.store_digest(store, result)
            results.append(result)
        # the store holds every seed before the first question: answers may come from any
        for result in results:
            out.write("\n" + "=" * 72 + "\n")
            print_digest(result, out)
            print_demo_facts(store, result, out)
    return EXIT_OK


def print_demo_facts(store: Any, result: Any, out: TextIO, limit: int = 5) -> None:
    """A few of the article's facts, and answers to questions made from them."""
    from summarizer import answer_question, sample_questions

    if result.analysis is None:
        return
    shown = [f for f in result.analysis.facts if f.kind == "role"][:limit]
    shown += [
        f
        for f in result.analysis.facts
        if f.kind == "rel" and f.object and f.subject_key.startswith("person:")
    ][:limit]
    if shown:
        out.write("\n  Facts:\n")
    for fact in shown[:limit]:
        if fact.kind == "role":
            out.write(f"    - {fact.subject}: {fact.predicate}\n")
        else:
            out.write(f"    - {fact.subject} → {fact.predicate} → {fact.object}\n")
    questions = sample_questions(result.analysis, result.article.language or "en")
    if questions:
        out.write("\n  Questions:\n")
    for question in questions:
        answer = answer_question(store, question)
        out.write(f"    Q: {question}\n")
        if answer.answer is None:
            out.write("    A: I don't know.\n")
            continue
        out.write(f"    A: {answer.answer}\n")
        if answer.evidence:
            out.write(f"       “{answer.evidence[0].text}”\n")


def _default_seeds() -> Path:
    for candidate in (Path("seeds"), Path(__file__).resolve().parents[1] / "seeds"):
        if candidate.is_dir():
            return candidate
    raise BadInput("cli.no_seeds_folder")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    import summarizer
    from summarizer.store import open_store

    items = summarizer.expand_paths(args.items)
    with open_store(settings.db) as store:

        async def run(progress: Callable[[str], None]) -> summarizer.IngestReport:
            async with _fetcher(settings) as fetcher:
                return await summarizer.ingest_any(
                    items, store, fetcher, settings, progress=progress
                )

        report = _with_progress(items, run, quiet=args.quiet or len(items) < 2)
    return _print_report(report, args.json, "ingested")


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from summarizer import parse_source
    from summarizer.store import open_store

    if args.action is None:
        raise BadInput("cli.sources_action")
    with open_store(settings.db) as store:
        if args.action == "list":
            rows = store.list_sources()
            if args.json:
                for s in rows:
                    print(
                        json.dumps(
                            {
                                "key": s.key,
                                "kind": s.kind,
                                "url": s.url,
                                "last_polled": s.last_polled,
                                "last_error": s.last_error,
                                "failures": s.failures,
                            },
                            ensure_ascii=False,
                        )
                    )
            elif not rows:
                print("No watched sources. Add one with: newsbot sources add @channel")
            for s in [] if args.json else rows:
                status = (
                    f"failing ({s.failures}x): {s.last_error}"
                    if s.failures
                    else (f"polled {s.last_polled}" if s.last_polled else "not polled yet")
                )
                print(f"{s.key}\t{s.kind}\t{s.url}\t{status}")
            return EXIT_OK
        refs = [parse_source(item, settings.tme_url) for item in args.items]
        for ref in refs:
            if args.action == "add":
                _, created = store.add_source(ref.kind, ref.key, ref.url)
                print(f"{'watching' if created else 'already watching'} {ref.key}")
            else:
                removed = store.remove_source(ref.key)
                if not removed:
                    raise BadInput("cli.not_watched", key=ref.key)
                print(f"stopped watching {ref.key}")
    return EXIT_OK


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    import summarizer
    from summarizer.store import open_store

    with open_store(settings.db) as store:
        sources = store.list_sources()
        if not sources:
            raise BadInput("cli.no_sources")

        async def run(progress: Callable[[str], None]) -> Any:
            async with _fetcher(settings) as fetcher:
                return await summarizer.poll_all(store, fetcher, settings, progress=progress)

        report = _with_progress([s.key for s in sources], run, quiet=args.quiet)
    return _print_report(report, args.json, "polled")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from summarizer import answer_question
    from summarizer.store import open_store

    if args.question == ["-"]:
        questions = [line.strip() for line in sys.stdin if line.strip()]
    else:
        questions = [" ".join(args.question)]
    if not questions or not any(q.strip("?!. ") for q in questions):
        raise BadInput("cli.no_question")
    with open_store(settings.db) as store:
        if store.count_articles() == 0:
            raise BadInput("cli.empty_store")
        for question in questions:
            answer = answer_question(store, question)
            if args.json:
                print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
            else:
                print_answer(answer, sys.stdout)
    return EXIT_OK


def cmd_facts(args: argparse.Namespace, settings: Settings) -> int:
    from summarizer import facts_about, known_entities
    from summarizer.store import open_store

    name = " ".join(args.entity).strip()
    with open_store(settings.db) as store:
        if not name:
            _read_pending_facts(store)
            rows = known_entities(store)
            if args.json:
                print(
                    json.dumps(
                        [{"name": n, "key": k, "facts": c} for k, n, c in rows], ensure_ascii=False
                    )
                )
            elif not rows:
                print("No facts yet. Add articles with: newsbot ingest SOURCE")
            for _key, display, count in [] if args.json else rows:
                print(f"{display}\t{count} facts")
            return EXIT_OK
        found = facts_about(store, name)
    if not found:
        raise BadInput("cli.unknown_name", name=name)
    if args.json:
        print(json.dumps([_entity_json(e) for e in found], ensure_ascii=False))
    else:
        for entity in found:
            print_entity_facts(entity, sys.stdout)
    return EXIT_OK


def _read_pending_facts(store: Any) -> None:
    """Read the facts ingest left pending (all of them: the list covers every article)."""
    from summarizer import read_all_pending

    pending = store.count_pending_facts()
    if not pending:
        return
    print(f"reading the facts of {pending} article(s) ...", file=sys.stderr)
    done = 0
    for batch in read_all_pending(store):
        done += batch
        print(f"  {min(done, pending)}/{pending}", file=sys.stderr)


def _entity_json(entity: Any) -> dict[str, Any]:
    def one(f: Any) -> dict[str, Any]:
        return {
            "predicate": f.predicate,
            "object": f.object,
            "detail": f.detail,
            "sentence": f.sentence,
            "url": f.url,
            "title": f.title,
            "published": f.published,
        }

    return {
        "name": entity.name,
        "key": entity.key,
        "roles": [one(f) for f in entity.roles],
        "relations": [one(f) for f in entity.relations],
    }


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        raise BadInput("cli.no_token")
    webhook = args.webhook or settings.webhook_url
    if webhook and not settings.webhook_secret:
        raise BadInput("cli.webhook_secret")
    if webhook and not webhook.startswith(("https://", "http://")):
        raise BadInput("cli.webhook_url", url=webhook)
    from bot.app import build_application
    from bot.web import serve

    _check_store(settings)
    for chatty in ("httpx", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    application = build_application(settings)
    # one aiohttp server for /healthz, /metrics and the webhook: see bot/web.py
    asyncio.run(serve(application, settings, webhook))
    return EXIT_OK


def _check_store(settings: Settings) -> None:
    """A store that cannot be opened, is damaged (SQLite's ``PRAGMA quick_check``) or
    takes no write stops a service's start here, with one line."""
    from summarizer.store import open_store

    with open_store(settings.db) as store:
        store.check()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be 1-64, not {value}")
    return value


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Poll due sources, leased from the shared store, until stopped (see bot/worker.py)."""
    from bot import worker

    _check_store(settings)
    report = asyncio.run(
        worker.main(settings, name=args.name, concurrency=args.concurrency, once=args.once)
    )
    summary = {
        "worker": report.name,
        "polled": report.polled,
        "new": report.new,
        "already_stored": report.known,
        "failed": report.failed,
        "seconds": round(report.seconds, 3),
    }
    if args.json:
        print(json.dumps(summary))
    elif not args.quiet:
        print(
            f"polled {report.polled} sources: {report.new} new, {report.known} already stored, "
            f"{report.failed} failed"
        )
    return EXIT_OK


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """GET the local /healthz; 0 when it answers 200 (used by the image's HEALTHCHECK)."""
    import urllib.error
    import urllib.request

    host = settings.http_host
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    url = f"http://{'[' + host + ']' if ':' in host else host}:{settings.http_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print(f"healthy: {response.read().decode(errors='replace').strip()}")
            return EXIT_OK
    except urllib.error.HTTPError as exc:
        print(f"unhealthy: {exc.code} {exc.read().decode(errors='replace').strip()}")
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}")
    return EXIT_FAILED


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "demo": cmd_demo,
    "summarize": cmd_summarize,
    "ingest": cmd_ingest,
    "sources": cmd_sources,
    "poll": cmd_poll,
    "ask": cmd_ask,
    "facts": cmd_facts,
    "run": cmd_run,
    "worker": cmd_worker,
    "health": cmd_health,
}


# -- output helpers ---------------------------------------------------------------


def _fetcher(settings: Settings) -> Any:
    from summarizer import Fetcher

    return Fetcher.from_settings(settings)  # NEWSBOT_FETCH_* hold for the CLI as for the bot


def _with_progress(
    items: Sequence[str], run: Callable[[Callable[[str], None]], Any], *, quiet: bool
) -> Any:
    if quiet:
        return asyncio.run(run(lambda item: None))
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("working", total=len(items), item="")

        def step(item: str) -> None:
            progress.update(task, advance=1, item=item[-60:])

        return asyncio.run(run(step))


def _print_report(report: Any, as_json: bool, verb: str) -> int:
    summary = {
        "new": len(report.added),
        "already_stored": len(report.duplicates),
        "failed": len(report.failed),
    }
    for item, reason in report.failed:
        print(f"newsbot: error: {item}: {reason}", file=sys.stderr)
    for item, what in report.notes:  # a cap reached: said, but no failure
        print(f"newsbot: note: {item}: {what}", file=sys.stderr)
    if as_json:
        out: dict[str, Any] = {
            **summary,
            "errors": [{"item": i, "error": r} for i, r in report.failed],
        }
        if report.notes:
            out["notes"] = [{"item": i, "note": n} for i, n in report.notes]
        print(json.dumps(out))
    else:
        print(
            f"{verb}: {summary['new']} new, {summary['already_stored']} already stored, "
            f"{summary['failed']} failed"
        )
    return EXIT_BAD_INPUT if report.failed else EXIT_OK


def print_digest(result: Any, out: TextIO) -> None:
    a = result.article
    out.write(f"{a.title or '(untitled)'}\n")
    meta = [
        a.published or "date unknown",
        a.site or (a.url and "web") or "local text",
        a.language or "",
    ]
    out.write(" · ".join(m for m in meta if m) + "\n")
    if a.url:
        out.write(f"{a.url}\n")
    if a.via:
        out.write(f"via {a.via}\n")
    out.write("\n")
    for sentence in result.summary:
        out.write(f"  • {sentence}\n")


def _source_line(title: str | None, url: str | None, published: str | None) -> str:
    parts = [p for p in (title, published, url) if p]
    return " · ".join(parts)


def print_answer(answer: Any, out: TextIO) -> None:
    """The short answer alone on the first line, then the sentences it rests on; without
    one, the closest sentences, said to be no answer."""
    if answer.answer is None and not answer.related:
        out.write("I don't know: nothing in the store supports an answer to that.\n")
        return
    out.write(f"{answer.answer}\n" if answer.answer else "I'm not sure. The closest I found:\n")
    for e in answer.evidence if answer.answer else answer.related:
        out.write(f"  “{e.text}”\n    — {_source_line(e.title, e.url, e.published)}\n")


def print_entity_facts(entity: Any, out: TextIO) -> None:
    """The facts the bot's /facts shows too (``EntityFacts.listed``), each with its source."""
    out.write(f"{entity.name}\n")
    for fact in entity.listed():
        what = entity.what(fact)
        out.write(
            f"  {'role: ' if fact.kind == 'role' else ''}{what}\n    “{fact.sentence}”\n"
            f"    — {_source_line(fact.title, fact.url, fact.published)}\n"
        )
