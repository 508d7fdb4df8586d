"""The Docker image, built the only way this machine can: the same steps in a fresh venv.

Docker cannot run here, so this test does what the Dockerfile does, from a
clean clone of the repository: a new virtual environment, the Dockerfile's
own ``pip install`` commands (read from its ``RUN`` lines, in order), then
the image's ``ENTRYPOINT`` + ``CMD`` (read from the Dockerfile too) with the
store in a fresh "/data" folder. The bot must answer ``/start`` through the
Bot API stand-in, ``/healthz`` must answer 200 and the ``HEALTHCHECK``
command must pass. It installs packages (a minute or two from pip's cache).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.process import newsbot_process

pytestmark = pytest.mark.slow

USER = 3131


def dockerfile_steps(text: str) -> tuple[list[list[str]], list[str], list[str], list[str]]:
    """(pip commands of RUN lines in order, ENTRYPOINT, CMD, HEALTHCHECK CMD) of the Dockerfile."""
    joined = re.sub(r"\\\n", " ", text)
    pips: list[list[str]] = []
    final: dict[str, list[str]] = {}
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("RUN "):
            for part in line[4:].split("&&"):
                words = shlex.split(part.split(">")[0])
                if words[:4] == ["python", "-m", "pip", "install"]:
                    pips.append(words[3:])
        for key in ("ENTRYPOINT", "CMD"):
            if line.startswith(key + " "):
                final[key] = json.loads(line[len(key) + 1 :])
        if line.startswith("HEALTHCHECK "):
            final["HEALTHCHECK"] = json.loads(line.split(" CMD ", 1)[1])
    return pips, final["ENTRYPOINT"], final["CMD"], final["HEALTHCHECK"]


async def run(*command: str | Path, cwd: Path, within: float = 600) -> str:
    proc = await asyncio.create_subprocess_exec(
        *map(str, command),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "PYTHON"))},
    )
    out, _ = await asyncio.wait_for(proc.communicate(), within)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, f"{command} failed:\n{text[-3000:]}"
    return text


def test_the_dockerfile_is_what_the_issue_asks() -> None:
    text = (ROOT / "Dockerfile").read_text()
    pips, entrypoint, cmd, healthcheck = dockerfile_steps(text)
    assert len(re.findall(r"^FROM ", text, re.M)) == 2  # multi-stage
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, re.M)  # the final stage is slim
    assert re.search(r"^USER newsbot$", text, re.M)  # not root
    assert 'VOLUME ["/data"]' in text
    assert "NEWSBOT_DB=/data/newsbot.db" in text
    assert pips[0] == ["install", "--require-hashes", "--no-deps", "-r", "requirements/models.txt"]
    assert pips[-1] == ["install", "."]
    assert (entrypoint, cmd, healthcheck) == (["newsbot"], ["run"], ["newsbot", "health"])
    assert re.search(r"about [\d.]+ GB uncompressed", text)


async def test_a_clean_clone_installed_like_the_image_answers_start(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is needed to clone the repository")
    src, venv, data, app = (tmp_path / name for name in ("src", "venv", "data", "app"))
    await run("git", "clone", "--quiet", "--no-hardlinks", ROOT, src, cwd=tmp_path)
    pips, entrypoint, cmd, healthcheck = dockerfile_steps((src / "Dockerfile").read_text())

    # RUN python -m venv /opt/newsbot; then each RUN python -m pip install ..., in /src
    await run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    for pip in pips:
        await run(python, "-m", "pip", "install", "--disable-pip-version-check", *pip[1:], cwd=src)
    await run(python, "-m", "pip", "check", cwd=tmp_path)
    installed = await run(python, "-c", "import bot; print(bot.__file__)", cwd=tmp_path)
    assert str(venv) in installed  # the installed package, not the clone's sources

    # COPY seeds /app/seeds; WORKDIR /app; the store on the /data volume
    shutil.copytree(src / "seeds", app / "seeds")
    data.mkdir()
    bin_dir = venv / "bin"
    env = {
        "NEWSBOT_DB": str(data / "newsbot.db"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    async with (
        BotApiStandIn() as api,
        newsbot_process(
            api,
            tmp_path,
            command=[str(bin_dir / entrypoint[0]), *entrypoint[1:]],
            argv=cmd,
            env=env,
            cwd=app,
            within=180,
        ) as bot,
    ):
        message_id = await api.say(USER, "/start")
        reply = await api.reply(USER, message_id)
        assert "/watch" in reply.text
        assert "/ask" in reply.text
        # the message catalogues were installed with the package (package data)
        message_id = await api.say(USER + 1, "/start", language_code="uk")
        assert (await api.reply(USER + 1, message_id)).text.startswith("newsbot читає новини")
        status, body = await bot.get("/healthz")
        assert status == 200, body
        # HEALTHCHECK CMD ["newsbot", "health"], with the container's settings
        proc = await asyncio.create_subprocess_exec(
            str(bin_dir / healthcheck[0]),
            *healthcheck[1:],
            cwd=app,
            env={
                **os.environ,
                "NEWSBOT_HTTP_PORT": str(bot.port),
                "NEWSBOT_HTTP_HOST": "127.0.0.1",
            },
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, out
    assert (data / "newsbot.db").is_file()
