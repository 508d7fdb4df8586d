"""A store that fails is seen (issue 17, finding 8).

A SQLite file corrupted in the middle stops ``newsbot run`` and ``newsbot
worker`` at start (``PRAGMA quick_check``) with one ``newsbot: error:`` line
and exit 2; a running bot whose store is corrupted under it, or stops taking
writes, says so on ``/healthz`` (503), never ``{"store": "ok"}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_application
from bot.web import HttpServer
from summarizer.article import Article
from summarizer.config import Settings
from summarizer.store import Store, open_store
from tests.conftest import run_cli
from tests.helpers.botapi import TOKEN, BotApiStandIn
from tests.helpers.process import newsbot_process

USER = 7171
PAGE = 4096  # SQLite's default page size, which the store keeps


def _filled(db: Path, articles: int = 150) -> None:
    """A store of some pages: each article its own few sentences."""
    with open_store(str(db)) as store:
        for n in range(articles):
            sentences = [
                f"Report {n} says the harbour of town {n} opened berth {n * 7 + k}."
                for k in range(8)
            ]
            store.add_article(
                Article(text=" ".join(sentences), url=f"https://news.example/{n}", title=f"R{n}"),
                sentences,
                sentences[:2],
            )


def _corrupt_middle(db: Path) -> None:
    """Overwrite the middle third of the file's pages with bytes no page has (page 1,
    the header and the schema, stays whole, so the file still opens)."""
    pages = db.stat().st_size // PAGE
    assert pages > 30, pages
    with db.open("r+b") as out:
        for page in range(pages // 3, 2 * pages // 3):
            out.seek(page * PAGE)
            out.write(bytes([0xA5]) * PAGE)


def one_error_line(err: str, code: int) -> str:
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("newsbot: error: the store is damaged: "), lines
    return lines[0]


async def test_run_and_worker_refuse_a_store_corrupted_mid_file(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    _filled(db)
    _corrupt_middle(db)
    async with BotApiStandIn() as api:
        env = {
            "NEWSBOT_DB": str(db),
            "NEWSBOT_TOKEN": TOKEN,
            "NEWSBOT_API_URL": api.base_url,
            "NEWSBOT_HTTP_HOST": "127.0.0.1",
            "NEWSBOT_HTTP_PORT": "0",
        }
        worker = await run_cli("worker", "--once", env=env)
        one_error_line(worker.err, worker.code)
        run = await run_cli("run", env=env)
        line = one_error_line(run.err, run.code)
        assert api.calls == []  # it never started
    assert "malformed" in line or "corrupt" in line or "Tree" in line, line
    assert db.stat().st_size > 0  # left as it is, for a restore or an expert


@pytest.mark.slow
async def test_a_running_bot_whose_store_is_corrupted_says_so_on_healthz(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"  # the file newsbot_process points NEWSBOT_DB at
    _filled(db)
    async with BotApiStandIn() as api, newsbot_process(api, tmp_path) as bot:
        status, body = await bot.get("/healthz")
        assert status == 200, body
        healthy = json.loads(body)
        assert healthy["store"] == "ok"
        assert healthy["disk_free_mb"] > 0

        _corrupt_middle(db)
        # a question reads pages this process never read: they are garbage now
        message_id = await api.say(USER, "Which berth did the harbour of town 77 open?")
        await api.reply(USER, message_id)
        status, body = await bot.get("/healthz")
        assert status == 503, body
        assert json.loads(body)["store"].startswith("the store is damaged: "), body


def _stop_writes(store: Store, url: str) -> None:
    """The store's connection refuses writes from now on, as a file turned read-only or a
    primary turned standby would (SQLite's query_only, PostgreSQL's read-only default)."""
    db = store._db  # type: ignore[attr-defined]
    if url.startswith("postgresql"):
        db.execute("SET default_transaction_read_only = on")
    else:
        db.execute("PRAGMA query_only = ON")


async def test_healthz_reports_a_store_that_stopped_taking_writes(
    store_url: str, tmp_path: Path
) -> None:
    async with BotApiStandIn() as api:
        settings = Settings(
            token=TOKEN, api_url=api.base_url, db=store_url, http_host="127.0.0.1", http_port=0
        )
        application = build_application(settings)
        store = open_store(store_url)
        application.bot_data.start(store)
        server = HttpServer(application, settings)
        await server.start()
        try:
            async with aiohttp.ClientSession() as session:
                health = f"http://127.0.0.1:{server.port}/healthz"
                async with session.get(health) as response:
                    assert response.status == 200, await response.text()
                    assert (await response.json())["store"] == "ok"
                _stop_writes(store, store_url)
                assert store.count_articles() == 0  # reads still work
                async with session.get(health) as response:
                    body = await response.json()
                    assert response.status == 503, body
                    assert body["store"].startswith("the store cannot be written"), body
                    assert body["bot_api"] == "ok"
        finally:
            await server.stop()
            await application.bot.request.shutdown()  # the bot was never initialized
            await application.bot_data.close()


async def test_healthz_reports_a_disk_almost_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from bot import web

    async with BotApiStandIn() as api:
        settings = Settings(
            token=TOKEN,
            api_url=api.base_url,
            db=str(tmp_path / "n.db"),
            http_host="127.0.0.1",
            http_port=0,
        )
        application = build_application(settings)
        application.bot_data.start(open_store(settings.db))
        server = HttpServer(application, settings)
        await server.start()
        real = shutil.disk_usage

        def nearly_full(path: object) -> object:
            usage = real(path)  # type: ignore[arg-type]
            return usage._replace(free=web.DISK_LOW - 2**20)

        try:
            monkeypatch.setattr(shutil, "disk_usage", nearly_full)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{server.port}/healthz") as response:
                    body = await response.json()
            assert response.status == 503, body
            assert body["store"] == f"the disk is almost full ({web.DISK_LOW // 2**20 - 1} MB free)"
            assert body["disk_free_mb"] == web.DISK_LOW // 2**20 - 1
        finally:
            await server.stop()
            await application.bot.request.shutdown()
            await application.bot_data.close()
