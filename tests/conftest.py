"""Shared fixtures: the seed files, a fresh store, the eval data and the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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


# -- stores: every store test runs on SQLite and on PostgreSQL ------------------------------

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ENV = "NEWSBOT_TEST_POSTGRES_URL"
_postgres_checked: dict[str, str | None] = {}  # URL: why it cannot be used (None: usable)


def postgres_url() -> str:
    """The test server's URL (``NEWSBOT_TEST_POSTGRES_URL``); the test is skipped without it."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    if url not in _postgres_checked:
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=3).close()
            _postgres_checked[url] = None
        except ImportError as exc:
            _postgres_checked[url] = f"psycopg is not installed ({exc})"
        except Exception as exc:  # any failure to connect: the reason goes into the skip
            reason = " ".join(line.strip() for line in str(exc).splitlines())
            _postgres_checked[url] = f"{type(exc).__name__}: {reason}"
    why = _postgres_checked[url]
    if why is not None:
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {why}")
    return url


@contextmanager
def fresh_store_url(backend: str, folder: Path) -> Iterator[str]:
    """The NEWSBOT_DB of a fresh, empty store: a SQLite file in ``folder``, or a new
    schema (dropped afterwards) on the PostgreSQL test server, named in ``search_path``."""
    if backend == "sqlite":
        yield str(folder / "newsbot.db")
        return
    import psycopg

    url = postgres_url()
    schema = f"newsbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SET lock_timeout = '20s'")
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The NEWSBOT_DB of a fresh, empty store, once per backend."""
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


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
