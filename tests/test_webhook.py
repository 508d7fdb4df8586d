"""``newsbot run --webhook URL``: updates posted to the bot's own HTTP server, secret checked.

The bot runs as a child process against the Bot API stand-in (which records
``setWebhook``); the test plays Telegram and posts updates to the webhook
path on loopback, with and without the secret token.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.helpers.botapi import BotApiStandIn, _ok
from tests.helpers.process import Running, newsbot_process

pytestmark = pytest.mark.slow

SECRET = "s3cret-Token_for-tests"
PUBLIC_URL = "https://bot.example.org/telegram/hook-7f3a"
USER = 4242


class WebhookStandIn(BotApiStandIn):
    """The stand-in, also answering setWebhook (recorded in ``webhooks``)."""

    def __init__(self) -> None:
        super().__init__()
        self.webhooks: list[dict[str, Any]] = []

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhooks.append(params)
        return _ok(True)


def message_update(update_id: int, message_id: int, text: str, language: str = "en") -> dict:
    user = {"id": USER, "is_bot": False, "first_name": "Hook", "language_code": language}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": USER, "type": "private", "first_name": "Hook"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post(bot: Running, body: dict, secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.url("/telegram/hook-7f3a"), json=body, headers=headers) as response,
    ):
        return response.status


async def test_webhook_answers_with_the_secret_and_refuses_without_it(tmp_path: Path) -> None:
    async with (
        WebhookStandIn() as api,
        newsbot_process(
            api,
            tmp_path,
            argv=("run", "--webhook", PUBLIC_URL),
            env={"NEWSBOT_WEBHOOK_SECRET": SECRET},
            ready="setWebhook",
        ) as bot,
    ):
        # the webhook is registered with Telegram with its secret
        assert api.webhooks[-1]["url"] == PUBLIC_URL
        assert api.webhooks[-1]["secret_token"] == SECRET
        assert not any(method == "getUpdates" for method, _ in api.calls)

        # without the secret, or with a wrong one: 403, and the update is never handled
        assert await post(bot, message_update(9001, 1, "/help"), None) == 403
        assert await post(bot, message_update(9002, 2, "/help"), "wrong") == 403
        assert await post(bot, message_update(9003, 3, "/help"), SECRET[:-1]) == 403

        # with it: 200, and /start is answered
        assert await post(bot, message_update(9004, 4, "/start"), SECRET) == 200
        reply = await api.reply(USER, 4)
        assert "/watch" in reply.text
        assert "/ask" in reply.text
        assert api.replies_to(USER, 1) == api.replies_to(USER, 2) == []
        assert api.replies_to(USER, 3) == []

        # not an update: 400; health and metrics share the port
        assert await post(bot, {"hello": "world"}, SECRET) == 400
        status, body = await bot.get("/healthz")
        assert status == 200, body
        status, body = await bot.get("/metrics")
        assert 'newsbot_webhook_requests_total{result="forbidden"} 3.0' in body
        assert 'newsbot_webhook_requests_total{result="accepted"} 1.0' in body

        # the secret never reaches the log
        assert SECRET not in bot.log.read_text()


async def test_webhook_needs_a_secret(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    result = await run_cli(
        "run",
        "--webhook",
        PUBLIC_URL,
        env={"NEWSBOT_TOKEN": "1:a", "NEWSBOT_DB": str(tmp_path / "x.db")},
    )
    assert result.code == 2
    assert "NEWSBOT_WEBHOOK_SECRET" in result.err
    assert len(result.err.strip().splitlines()) == 1
