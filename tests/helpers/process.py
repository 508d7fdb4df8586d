"""``newsbot run`` as a child process, for the operations tests.

:func:`newsbot_process` starts it (any argv, any interpreter or entry point)
against a Bot API stand-in, with the HTTP server on a free port
(``NEWSBOT_HTTP_PORT=0``); the port it bound is read from its log, so two
tests never race for a port.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.conftest import ROOT
from tests.helpers.botapi import TOKEN, BotApiStandIn

_LISTENING = re.compile(r"on 127\.0\.0\.1:(\d+)")


@dataclass
class Running:
    proc: asyncio.subprocess.Process
    log: Path
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url(path)) as response:
            return response.status, await response.text()


def bot_env(api: BotApiStandIn, db: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_TOKEN=TOKEN,
        NEWSBOT_API_URL=api.base_url,
        NEWSBOT_DB=str(db),
        NEWSBOT_HTTP_HOST="127.0.0.1",
        NEWSBOT_HTTP_PORT="0",
        NEWSBOT_POLL_INTERVAL="3600",
        NEWSBOT_LOG_LEVEL="INFO",
    )
    env.update(extra or {})
    return env


@asynccontextmanager
async def newsbot_process(
    api: BotApiStandIn,
    tmp: Path,
    *,
    argv: Sequence[str] = ("run",),
    command: Sequence[str] = (sys.executable, "-m", "bot"),
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    ready: str = "getUpdates",
    within: float = 90,
) -> AsyncIterator[Running]:
    """Start ``command argv`` and wait until it calls ``ready`` and its HTTP server is up."""
    log = tmp / "bot.log"
    full_env = bot_env(api, tmp / "bot.db", env)
    if command[0] == sys.executable:
        full_env["PYTHONPATH"] = str(ROOT)  # this checkout
    else:
        full_env.pop("PYTHONPATH", None)  # an installed entry point: only what it installed
    before = len(api.calls)
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            *command, *argv, env=full_env, cwd=cwd, stdout=out, stderr=out
        )

    def port() -> int | None:
        found = _LISTENING.search(log.read_text(errors="replace"))
        return int(found.group(1)) if found else None

    try:
        await api.wait_for(
            lambda: (
                (any(m == ready for m, _ in api.calls[before:]) and port())
                or proc.returncode is not None
            ),
            within=within,
            what=f"newsbot to call {ready} and listen",
        )
        assert proc.returncode is None, log.read_text()
        bound = port()
        assert bound is not None, log.read_text()
        yield Running(proc, log, bound)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
