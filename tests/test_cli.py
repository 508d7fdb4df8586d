"""The command line, run as a user runs it: in a subprocess, against loopback servers."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from aiohttp import web

from summarizer.plaintext import read_text
from summarizer.sentences import split_sentences
from tests.conftest import ISTANBUL, ROOT, SEEDS, CliResult, fresh_store_url, run_cli
from tests.helpers.articles import seed_page
from tests.helpers.pages import LoopbackServer, page

RUSSIAN_SEED = SEEDS / "tass-uk-science-visas-2019-08-09.txt"
PRIVATE = {"NEWSBOT_ALLOW_PRIVATE_URLS": "1"}


def _article_sentences(path: Path, language: str) -> list[str]:
    article = read_text(path.read_text(encoding="utf-8"), name=path.name)
    return split_sentences(article.text, language)


async def test_demo_prints_each_seed_with_a_verbatim_summary(tmp_path: Path) -> None:
    result = await run_cli("demo", cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert result.code == 0, result.err
    seeds = sorted(p for p in SEEDS.glob("*.txt"))
    blocks = result.out.split("=" * 72)[1:]
    assert len(blocks) == len(seeds) >= 3
    for path, block in zip(seeds, blocks, strict=True):
        lines = block.strip().splitlines()
        language = "ru" if "tass" in path.name else "en"
        title, meta = lines[0], lines[1]
        assert title
        assert title != "(untitled)"
        assert meta.split(" · ")[0][:4].isdigit()  # the date first
        assert meta.split(" · ")[1]  # then the source
        bullets = [line.strip()[2:] for line in lines if line.strip().startswith("• ")]
        assert "  Questions:" in lines  # answers to questions made from the article's facts
        assert 3 <= len(bullets) <= 5
        sentences = _article_sentences(path, language)
        assert all(b in sentences for b in bullets), bullets
    assert not list(tmp_path.iterdir()), "the demo must not leave a store behind"


async def test_summarize_seed_json_metadata_and_clean_sentences() -> None:
    result = await run_cli("summarize", str(ISTANBUL), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    assert data["url"] == (
        "https://kyivindependent.com/"
        "russia-ukraine-agree-on-1-000-for-1-000-pow-exchange-in-istanbul-umerov-says/"
    )
    assert data["published"] == "2025-05-16"
    assert data["language"] == "en"
    assert set(data) >= {"title", "url", "published", "language", "summary", "facts"}
    sentences = _article_sentences(ISTANBUL, "en")
    assert 3 <= len(data["summary"]) <= 5
    for sentence in data["summary"]:
        assert "https://" not in sentence
        assert "t.me" not in sentence
        assert sentence in sentences  # whole sentences of the article, never cut
        assert not sentence.endswith("Turkish Foreign")
        assert "via AFP" not in sentence
    positions = [sentences.index(s) for s in data["summary"]]
    assert positions == sorted(positions)


async def test_summarize_russian_seed_in_russian_with_razdel_sentences() -> None:
    result = await run_cli("summarize", str(RUSSIAN_SEED), "--json", "--sentences", "3")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    assert data["language"] == "ru"
    assert data["published"] == "2019-08-09"
    assert len(data["summary"]) == 3
    sentences = _article_sentences(RUSSIAN_SEED, "ru")
    for sentence in data["summary"]:
        assert sentence in sentences
        assert "ЛОНДОН" not in sentence
        assert "/ТАСС/" not in sentence
        assert any("а" <= ch <= "я" for ch in sentence.lower())


async def test_summarize_reads_stdin_and_accepts_algorithm_and_length() -> None:
    text = ISTANBUL.read_bytes()
    result = await run_cli(
        "summarize", "-", "--json", "--algorithm", "lexrank", "--sentences", "2", stdin=text
    )
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    assert len(data["summary"]) == 2
    assert data["url"].startswith("https://kyivindependent.com/")


async def test_summarize_loopback_page_allowed_only_with_the_setting() -> None:
    routes = {"/page.html": page(seed_page(ISTANBUL, title="Russia, Ukraine agree on swap"))}
    async with LoopbackServer(routes) as server:
        url = server.url("/page.html")
        refused = await run_cli("summarize", url)
        assert refused.code == 2
        assert refused.err.startswith("newsbot: error:")
        assert len(refused.err.strip().splitlines()) == 1
        assert "NEWSBOT_ALLOW_PRIVATE_URLS" in refused.err
        assert server.requests == [], "no request may be made to a refused address"

        allowed = await run_cli("summarize", url, "--json", env=PRIVATE)
        assert allowed.code == 0, allowed.err
        data = allowed.json()
        assert isinstance(data, dict)
        assert data["title"] == "Russia, Ukraine agree on swap"
        assert data["url"] == url
        assert data["published"] == "2025-05-16"
        sentences = _article_sentences(ISTANBUL, "en")
        assert data["summary"]
        assert all(s in sentences for s in data["summary"])
        assert len(server.requests) == 1


async def test_the_cli_honours_the_fetch_settings_as_the_bot_does() -> None:
    routes = {"/page.html": page(seed_page(ISTANBUL, title="Russia, Ukraine agree on swap"))}
    async with LoopbackServer(routes) as server:
        url = server.url("/page.html")
        capped = await run_cli("summarize", url, env={**PRIVATE, "NEWSBOT_FETCH_MAX_BYTES": "2000"})
        assert capped.code == 2, capped.out
        assert len(capped.err.strip().splitlines()) == 1
        assert "2000" in capped.err.replace(",", "") or "large" in capped.err, capped.err
        uncapped = await run_cli("summarize", url, env=PRIVATE)
        assert uncapped.code == 0, uncapped.err


async def test_ingest_the_same_article_twice_stores_it_once(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    routes = {
        "/a.html": page(seed_page(ISTANBUL)),
        "/b.html": page(seed_page(ISTANBUL)),  # the same article under a second URL
    }
    async with LoopbackServer(routes) as server:
        env = {**PRIVATE, "NEWSBOT_DB": db}
        first = await run_cli("ingest", server.url("/a.html"), "--json", env=env)
        assert first.code == 0, first.err
        assert json.loads(first.out)["new"] == 1
        again = await run_cli(
            "ingest",
            server.url("/a.html?utm_source=telegram"),
            server.url("/b.html"),
            "--json",
            env=env,
        )
        assert again.code == 0, again.err
        assert json.loads(again.out) == {"new": 0, "already_stored": 2, "failed": 0, "errors": []}
        # the tracking-parameter URL was recognised without a second fetch
        assert [r.path for r in server.requests] == ["/a.html", "/b.html"]
    files = await run_cli("ingest", str(ISTANBUL), str(ISTANBUL), "--json", env={"NEWSBOT_DB": db})
    assert json.loads(files.out)["new"] == 0  # the text is already stored from the page


async def test_ingest_a_folder_counts_every_seed(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    result = await run_cli("ingest", str(SEEDS), env={"NEWSBOT_DB": db})
    assert result.code == 0, result.err
    count = len(list(SEEDS.glob("*.txt")))
    assert result.out.strip() == f"ingested: {count} new, 0 already stored, 0 failed"


async def test_bad_inputs_give_one_line_and_status_2(tmp_path: Path) -> None:
    async def not_found(request: web.Request) -> web.Response:
        return web.Response(status=404, text="nothing here")

    routes = {
        "/menu.html": page("<html><body><nav><a href='/'>Home</a></nav></body></html>"),
        "/missing": not_found,
        "/file.pdf": page(b"%PDF-1.4 binary", content_type="application/pdf"),
    }
    db = tmp_path / "n.db"
    env = {**PRIVATE, "NEWSBOT_DB": str(db)}
    async with LoopbackServer(routes) as server:
        cases = [
            ("summarize", str(tmp_path / "nope.txt")),
            ("summarize", str(ISTANBUL), "--algorithm", "nosuch"),
            ("summarize", str(ISTANBUL), "--sentences", "0"),
            ("summarize", "ftp://example.com/a"),
            ("summarize", server.url("/menu.html")),
            ("summarize", server.url("/missing")),
            ("summarize", server.url("/file.pdf")),
            ("ingest", server.url("/menu.html")),
            ("frobnicate",),
            ("sources", "add", "not a source at all"),
        ]
        for args in cases:
            result = await run_cli(*args, env=env)
            assert result.code == 2, (args, result.err)
            assert result.err.startswith("newsbot: error:"), (args, result.err)
            assert "Traceback" not in result.err
            assert len(result.err.strip().splitlines()) == 1, (args, result.err)
    empty = await run_cli("ingest", str(ISTANBUL), "--json", env={"NEWSBOT_DB": str(db)})
    assert json.loads(empty.out)["new"] == 1, "the failed ingest must not have stored anything"


async def test_help_lists_the_commands() -> None:
    result = await run_cli("--help")
    assert result.code == 0
    for command in ("demo", "summarize", "ingest", "sources", "poll"):
        assert command in result.out


# -- a store that cannot be written, memory, codecs, quiet stderr (issue 17, finding 9) --

#: runs the CLI after ``PATCH`` (argv[1]) is executed: what a subprocess needs to play a
#: full disk or an exhausted memory; the rest of argv goes to the CLI
DRIVER = "import sys\nexec(sys.argv[1])\nfrom bot.cli import main\nsys.exit(main(sys.argv[2:]))\n"


async def _driven(patch: str, *args: str, env: dict[str, str]) -> CliResult:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DRIVER,
        patch,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}, **env},
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return CliResult(proc.returncode or 0, out.decode(), err.decode())


def one_error_line(result: CliResult, *words: str) -> str:
    assert result.code == 2, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("newsbot: error: "), lines
    assert "internal error" not in lines[0]
    for word in words:
        assert word in lines[0], lines
    return lines[0]


async def test_asking_a_read_only_store_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    env = {"NEWSBOT_DB": str(db)}
    assert (await run_cli("ingest", str(ISTANBUL), env=env)).code == 0  # facts left pending
    db.chmod(0o444)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root writes read-only files: drop that power for the command
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and no setpriv to drop CAP_DAC_OVERRIDE")
        drop = "-dac_override,-fowner"
        prefix = (setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}")
    proc = await asyncio.create_subprocess_exec(
        *prefix,
        sys.executable,
        "-m",
        "bot",
        "ask",
        "Who led the Russian delegation?",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}, **env},
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    result = CliResult(proc.returncode or 0, out.decode(), err.decode())
    one_error_line(result, "the store cannot be written: it is read-only")


async def test_a_full_disk_is_a_one_line_error_and_nothing_is_half_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "n.db"
    env = {"NEWSBOT_DB": str(db)}
    assert (await run_cli("ingest", str(ISTANBUL), env=env)).code == 0
    # SQLite's own limit on the file's pages: past it, it fails as on a full disk
    full = (
        "import sqlite3\n"
        "real = sqlite3.connect\n"
        "def connect(*args, **kwargs):\n"
        "    db = real(*args, **kwargs)\n"
        "    pages = db.execute('PRAGMA page_count').fetchone()[0]\n"
        "    db.execute(f'PRAGMA max_page_count = {pages}')\n"
        "    return db\n"
        "sqlite3.connect = connect\n"
    )
    result = await _driven(full, "ingest", str(RUSSIAN_SEED), env=env)
    assert "database or disk is full" in one_error_line(result, "the disk is full")
    listed = await run_cli("ingest", "--json", str(ISTANBUL), str(RUSSIAN_SEED), env=env)
    assert json.loads(listed.out)["already_stored"] == 1  # the second was not half-stored


async def test_running_out_of_memory_is_a_one_line_error(tmp_path: Path) -> None:
    exhausted = (
        "import summarizer.core\n"
        "def summarize_article(*args, **kwargs):\n"
        "    raise MemoryError\n"
        "summarizer.core.summarize_article = summarize_article\n"
    )
    result = await _driven(exhausted, "summarize", str(ISTANBUL), env={})
    one_error_line(result, "not enough memory")


async def test_text_the_output_cannot_encode_is_a_one_line_error() -> None:
    result = await run_cli("summarize", str(RUSSIAN_SEED), env={"PYTHONIOENCODING": "ascii"})
    one_error_line(result, "cannot be encoded", "'ascii' codec")


async def test_one_shot_commands_write_no_log_lines_on_stderr(tmp_path: Path) -> None:
    """INFO lines of the library (a source that failed) and trafilatura's ERROR lines
    (a page it could not parse) came before the command's own one-line error."""
    env = {"NEWSBOT_DB": str(tmp_path / "n.db"), **PRIVATE}
    broken = tmp_path / "broken.html"
    broken.write_text("<", encoding="utf-8")
    result = await run_cli("summarize", str(broken), env=env)
    one_error_line(result, "no article text")
    async with LoopbackServer({}) as site:
        missing = site.url("/missing.xml")
        assert (await run_cli("sources", "add", missing, env=env)).code == 0
        polled = await run_cli("poll", env=env)
    assert polled.err.strip() == f"newsbot: error: {missing}: 127.0.0.1 answered 404 Not Found."
    # asked for, the log lines are there
    loud = await run_cli("summarize", str(broken), env={**env, "NEWSBOT_LOG_LEVEL": "INFO"})
    assert "ERROR trafilatura" in loud.err


async def test_asking_a_read_only_postgresql_store_is_a_one_line_error(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    if not os.environ.get("NEWSBOT_TEST_POSTGRES_URL"):
        pytest.skip("NEWSBOT_TEST_POSTGRES_URL is not set")
    with fresh_store_url("postgresql", tmp_path) as url:
        assert (await run_cli("ingest", str(ISTANBUL), env={"NEWSBOT_DB": url})).code == 0
        read_only = url + "%20-cdefault_transaction_read_only%3Don"  # as on a standby
        result = await run_cli(
            "ask", "Who led the Russian delegation?", env={"NEWSBOT_DB": read_only}
        )
    one_error_line(result, "the store cannot be written: it is read-only")
