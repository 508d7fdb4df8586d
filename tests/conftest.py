"""Shared fixtures: the seed files, a fresh store, the eval data and the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from summarizer.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ISTANBUL = SEEDS / "istanbul-talks-2025-05-16.txt"
EVAL = ROOT.parent / "shared" / "eval"


def eval_path(*parts: str) -> Path:
    """A path under ``../shared/eval``; the test is skipped when it is absent."""
    path = EVAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    return path


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """The NEWSBOT_DB of a fresh, empty store."""
    return str(tmp_path / "newsbot.db")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    db = open_store(store_url)
    yield db
    db.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


async def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    cwd: Path = ROOT,
) -> CliResult:
    """Run ``python -m bot ARGS`` in a subprocess, as a user would, without blocking the loop.

    The environment is the test's, less any NEWSBOT_* settings, plus ``env``.
    """
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=full_env,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout=120)
    return CliResult(proc.returncode or 0, out.decode(), err.decode())
