"""Operations: /healthz, /metrics, logs, settings that stop the start, ``newsbot health``."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from bot import logs
from bot.app import build_application
from bot.web import HttpServer
from summarizer.article import Article
from summarizer.config import Settings
from summarizer.store import open_store
from tests.conftest import run_cli
from tests.helpers.botapi import TOKEN, BotApiStandIn
from tests.helpers.process import newsbot_process

USER = 7070


def metric(page: str, name: str) -> float:
    """The value of one sample (``name`` with its labels) in a Prometheus text page; 0 if absent."""
    for line in page.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.slow
async def test_metrics_move_after_a_question_and_the_token_never_shows(tmp_path: Path) -> None:
    env = {"NEWSBOT_LOG_FORMAT": "json", "NEWSBOT_LOG_LEVEL": "DEBUG"}
    async with BotApiStandIn() as api, newsbot_process(api, tmp_path, env=env) as bot:
        status, body = await bot.get("/healthz")
        assert status == 200, body
        health = json.loads(body)
        assert health.pop("disk_free_mb") > 0  # the store's disk
        assert health == {"store": "ok", "bot_api": "ok"}

        _, before = await bot.get("/metrics")
        message_id = await api.say(USER, "Who led the delegation in Istanbul?")
        reply = await api.reply(USER, message_id)
        assert reply.text.startswith("I don't know"), reply.text  # the store is empty
        _, after = await bot.get("/metrics")

        for name in (
            "newsbot_messages_sent_total",
            "newsbot_answer_latency_seconds_count",
            'newsbot_answers_total{found="no"}',
            'newsbot_bot_api_calls_total{method="sendMessage",status="200"}',
        ):
            assert metric(after, name) >= metric(before, name) + 1, name
        for name in (
            "newsbot_articles_ingested_total",
            "newsbot_sources_failing",
            "newsbot_telegram_429_total",
            "newsbot_messages_failed_total",
            "newsbot_digest_lateness_seconds_count",
            "newsbot_source_polls_total",
        ):
            base = name.removesuffix("_total").removesuffix("_count")
            assert re.search(rf"^# TYPE {base}(_total)? ", after, re.M), name

        # `newsbot health` (the image's HEALTHCHECK) asks the same endpoint
        health = await run_cli("health", env={"NEWSBOT_HTTP_PORT": str(bot.port)})
        assert health.code == 0, health
        assert health.out.startswith("healthy")

    text = bot.log.read_text()
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines
    for line in lines:  # one JSON object per event
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(entry)
    assert any("receiving updates by long polling" in json.loads(x)["message"] for x in lines)
    assert bot.proc.returncode == 0  # SIGTERM: a clean stop


async def test_healthz_is_503_without_the_bot_api_or_the_store(tmp_path: Path) -> None:
    settings = Settings(
        token=TOKEN,
        api_url="http://127.0.0.1:9/bot",  # nothing listens there
        db=str(tmp_path / "bot.db"),
        http_host="127.0.0.1",
        http_port=0,
    )
    application = build_application(settings)
    server = HttpServer(application, settings)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{server.port}/healthz") as response:
                assert response.status == 503
                assert await response.json() == {"store": "not open", "bot_api": "unreachable"}
            application.bot_data.start(open_store(settings.db))
            async with session.get(f"http://127.0.0.1:{server.port}/healthz") as response:
                assert response.status == 503
                assert (await response.json())["store"] == "ok"
            async with session.get(f"http://127.0.0.1:{server.port}/metrics") as response:
                page = await response.text()
                assert response.status == 200
                assert "newsbot_articles_ingested_total 0.0" in page
                assert "newsbot_facts_pending 0.0" in page
            application.bot_data.store.add_article(
                Article(text="Anna Berg opened the harbour.", url="https://news.example/1"),
                ["Anna Berg opened the harbour."],
                ["Anna Berg opened the harbour."],
                facts_pending=True,
            )
            async with session.get(f"http://127.0.0.1:{server.port}/metrics") as response:
                page = await response.text()
                assert "newsbot_articles_ingested_total 1.0" in page
                assert "newsbot_facts_pending 1.0" in page
                assert 'newsbot_bot_api_calls_total{method="getMe",status="network"}' in page
    finally:
        await server.stop()
        await application.bot.request.shutdown()  # the bot was never initialized
        await application.bot_data.close()


async def test_healthz_is_200_when_store_and_api_answer(tmp_path: Path) -> None:
    async with BotApiStandIn() as api:
        settings = Settings(
            token=TOKEN,
            api_url=api.base_url,
            db=str(tmp_path / "bot.db"),
            http_port=0,
            http_host="127.0.0.1",
        )
        application = build_application(settings)
        application.bot_data.start(open_store(settings.db))
        server = HttpServer(application, settings)
        await server.start()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{server.port}/healthz") as response:
                    assert response.status == 200
            assert [m for m, _ in api.calls] == ["getMe"]  # the bounded probe
        finally:
            await server.stop()
            await application.bot.request.shutdown()  # the bot was never initialized
            await application.bot_data.close()


async def test_a_wrong_setting_stops_run_with_one_line_naming_it(tmp_path: Path) -> None:
    for name, value in [
        ("NEWSBOT_POLL_INTERVAL", "abc"),
        ("NEWSBOT_HTTP_PORT", "http"),
        ("NEWSBOT_HTTP_PORT", "70000"),
        ("NEWSBOT_LOG_FORMAT", "xml"),
        ("NEWSBOT_LOG_LEVEL", "LOUD"),
    ]:
        result = await run_cli(
            "run", env={"NEWSBOT_TOKEN": TOKEN, "NEWSBOT_DB": str(tmp_path / "x.db"), name: value}
        )
        assert result.code == 2, (name, result)
        assert result.err.count("\n") == 1, result.err
        assert result.err.startswith(f"newsbot: error: {name} ")
        assert value in result.err
        assert TOKEN not in result.err + result.out


async def test_health_command_fails_when_nothing_listens() -> None:
    result = await run_cli("health", env={"NEWSBOT_HTTP_PORT": "9"})
    assert result.code == 1
    assert result.out.startswith("unhealthy")


def test_log_lines_are_single_and_hide_the_token() -> None:
    token = "987654321:" + "AAH-fake_token_for_the_log_test_1234"  # fake, split for scanners
    for fmt in ("text", "json"):
        out = io.StringIO()
        logs.configure("INFO", fmt, (token,), stream=out)
        log = logging.getLogger("newsbot.test")
        log.info("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"boom at /bot{token}/sendMessage\nsecond line")
        except RuntimeError:
            log.exception("failed")
        log.warning("a look-alike %s", "123456789:" + "x" * 30)
        lines = out.getvalue().splitlines()
        assert len(lines) == 3, lines
        assert all(token not in line and "x" * 30 not in line for line in lines)
        assert "[token]" in lines[0]
        if fmt == "json":
            assert "RuntimeError" in json.loads(lines[1])["exc"]
        else:
            assert "RuntimeError" in lines[1]
    logs.configure("WARNING", "text", stream=sys.stderr)
