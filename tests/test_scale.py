"""Running at scale on a real PostgreSQL server: one leader with failover, shared polling.

* Three ``newsbot run --webhook`` instances share one database; 50 subscribers
  are due at the next whole minute. Exactly one instance leads (the
  ``newsbot_leader`` gauge); it is killed with SIGKILL two seconds before the
  minute, a standby takes over, and every subscriber gets exactly one digest.
* Three ``newsbot worker`` processes and 30 feeds served from loopback: in each
  round every feed is fetched exactly once, its article once in all, and the
  work is split between the workers.

The server comes from ``NEWSBOT_TEST_POSTGRES_URL`` (each test gets a database
of its own, dropped afterwards); without it the tests skip, saying so.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from bench.digest_fanout import LimitedStandIn
from bot.schedule import delivery_key
from summarizer.sources import parse_source
from summarizer.store import open_store
from tests.conftest import ROOT
from tests.helpers.botapi import _ok
from tests.helpers.channels import rss
from tests.helpers.pages import LoopbackServer, page
from tests.helpers.process import bot_env
from tests.test_digest import PARK, SANCTIONS, add_story, own

ENV = "NEWSBOT_TEST_POSTGRES_URL"
SECRET = "scale-test-secret"

pytestmark = pytest.mark.slow


def server_url() -> str:
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"{ENV} is not set: the scale tests need a PostgreSQL server")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database ``nb_<random>`` on the test server, dropped after the test."""
    import psycopg
    from psycopg import sql

    url = server_url()
    name = f"nb_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class Proc:
    """One child process (``python -m bot …``) and its log."""

    proc: asyncio.subprocess.Process
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_log(self, pattern: str, within: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            assert self.proc.returncode is None, self.text()[-3000:]
            await asyncio.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in the log within {within} s:\n{self.text()[-3000:]}")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def start(argv: list[str], env: dict[str, str], log: Path) -> Proc:
    env = {**env, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *argv, env=env, cwd=ROOT, stdout=out, stderr=out
        )
    return Proc(proc, log)


# -- one leader, failover, exactly one digest each ---------------------------------------------

SUBSCRIBERS = 50
INSTANCES = 3


class WebhookStandIn(LimitedStandIn):
    """The flood-limited stand-in, also answering setWebhook."""

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)


def _leader_gauge(metrics: str) -> float | None:
    found = re.search(r"^newsbot_leader (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else None


async def _gauges(ports: dict[int, int]) -> dict[int, float | None]:
    out: dict[int, float | None] = {}
    async with aiohttp.ClientSession() as session:
        for index, port in ports.items():
            try:
                async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                    out[index] = _leader_gauge(await response.text())
            except aiohttp.ClientError:
                out[index] = None  # dead
    return out


def _prepare_subscribers(db: str, slot: datetime) -> None:
    kyiv = slot.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%H:%M")
    with open_store(db) as store:
        park = add_story(store, "City opens a new park", PARK, "https://city.example/park")
        sanctions = add_story(
            store, "EU agrees new sanctions", SANCTIONS, "https://a.example/sanctions"
        )
        for user in range(1, SUBSCRIBERS + 1):
            store.upsert_user(user, user, "en")
            own(store, user, park, sanctions)  # a digest holds the user's own links only
            if user % 2:
                store.set_subscription(user, slot.strftime("%H:%M"), "UTC")
            else:
                store.set_subscription(user, kyiv, "Europe/Kyiv")


async def test_three_instances_sigkill_the_leader_before_the_minute_one_digest_each(
    tmp_path: Path, pg_url: str
) -> None:
    now = datetime.now(UTC)
    slot = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (slot - now).total_seconds() < 40:  # time to start three instances before it
        slot += timedelta(minutes=1)
    _prepare_subscribers(pg_url, slot)

    def digests() -> collections.Counter[int]:
        return collections.Counter(m.chat_id for m in api.sent if m.text.startswith("Your digest"))

    async with WebhookStandIn(per_chat=True) as api:
        extra = {
            "NEWSBOT_DB": pg_url,
            "NEWSBOT_LEADER_INTERVAL": "1",
            "NEWSBOT_WEBHOOK_SECRET": SECRET,
        }
        env = bot_env(api, tmp_path / "unused.db", extra)
        procs = [
            await start(
                ["run", "--webhook", "https://bot.example/hook"], env, tmp_path / f"run{i}.log"
            )
            for i in range(INSTANCES)
        ]
        try:
            ports = {
                i: int((await p.wait_log(r"on 127\.0\.0\.1:(\d+)")).group(1))
                for i, p in enumerate(procs)
            }
            # exactly one leader (a lone first instance leads from its first second)
            gauges = await _gauges(ports)
            assert sorted(gauges.values()) == [0.0, 0.0, 1.0], gauges
            leader = next(i for i, g in gauges.items() if g == 1.0)
            assert datetime.now(UTC) < slot - timedelta(seconds=3), "started too late"

            # SIGKILL the leader two seconds before the minute: nothing sent yet
            await asyncio.sleep((slot - timedelta(seconds=2) - datetime.now(UTC)).total_seconds())
            assert not digests()
            os.kill(procs[leader].proc.pid, signal.SIGKILL)
            await procs[leader].proc.wait()
            killed_at = time.monotonic()

            standbys = {i: port for i, port in ports.items() if i != leader}
            await api.wait_for(
                lambda: len(digests()) >= SUBSCRIBERS, within=120, what="every digest"
            )
            await asyncio.sleep(4)  # a repeated digest would come now
            gauges = await _gauges(standbys)
            assert sorted(gauges.values()) == [0.0, 1.0], gauges  # one new leader
            taken_over = [
                p.text() for i, p in enumerate(procs) if i != leader and "now runs" in p.text()
            ]
            assert len(taken_over) == 1
        finally:
            for p in procs:
                await p.stop()

    after = digests()
    logs = "\n".join(p.text()[-1500:] for p in procs)
    assert sorted(after) == list(range(1, SUBSCRIBERS + 1)), logs
    assert set(after.values()) == {1}, {c: n for c, n in after.items() if n != 1}
    assert api.refused == []
    # the new leader sent them: the first one went out after the kill
    first = min(t for t, _ in api.stamps)
    assert first >= killed_at - 0.5, (first, killed_at)
    with open_store(pg_url) as store:  # one finished delivery per (user, slot)
        statuses = collections.Counter(
            d.status if d else None
            for d in (
                store.get_delivery(delivery_key(user, slot)) for user in range(1, SUBSCRIBERS + 1)
            )
        )
    assert statuses == {"sent": SUBSCRIBERS}


# -- shared polling: each source once per round -------------------------------------------------

SOURCES = 30
WORKERS = 3
INTERVAL = 10  # seconds: NEWSBOT_POLL_INTERVAL, the length of a round


def _article(n: int) -> str:
    """A short news page of its own for feed ``n`` (short: a round stays well inside
    the interval even on a busy two-core machine)."""
    town = f"Town {n}"
    paragraphs = [
        f"The council of {town} voted on Tuesday to rebuild the old bridge over the river.",
        f"The mayor of {town} said the work would start in spring and last two years.",
        "Engineers found cracks in the bridge last winter, and it has been closed since.",
        f"Residents of {town} have been driving twenty minutes around the valley to work.",
        "The regional government will pay half of the cost, the council said.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{town} will rebuild its bridge</title></head><body><article>"
        f"<h1>{town} will rebuild its bridge</h1>{body}</article></body></html>"
    )


async def test_three_workers_thirty_feeds_each_fetched_once_per_round(
    tmp_path: Path, pg_url: str
) -> None:
    feed_hits: dict[int, list[float]] = collections.defaultdict(list)

    def feed(n: int) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            feed_hits[n].append(time.monotonic())
            await asyncio.sleep(0.3)  # a server that takes its time: polls overlap
            body = rss(f"Feed {n}", [(f"Story {n}", f"http://{request.host}/article/{n}")])
            return await page(body, content_type="application/rss+xml")(request)

        return handler

    routes = {f"/feed/{n}": feed(n) for n in range(SOURCES)}
    routes.update({f"/article/{n}": page(_article(n)) for n in range(SOURCES)})
    async with LoopbackServer(routes) as site:
        open_store(pg_url).close()  # the schema, before the workers start
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env.update(
            NEWSBOT_DB=pg_url,
            NEWSBOT_POLL_INTERVAL=str(INTERVAL),
            NEWSBOT_ALLOW_PRIVATE_URLS="1",
            NEWSBOT_WORKER_CONCURRENCY="4",
            NEWSBOT_LOG_LEVEL="INFO",
        )
        workers = [
            await start(["worker", "--name", f"w{i}"], env, tmp_path / f"worker{i}.log")
            for i in range(WORKERS)
        ]
        try:
            for w in workers:
                await w.wait_log(r"worker w\d ready")
            with open_store(pg_url) as store:  # every worker is waiting: now the sources
                for n in range(SOURCES):
                    ref = parse_source(site.url(f"/feed/{n}"))
                    store.add_source(ref.kind, ref.key, ref.url)
            # two rounds: wait until 60 polls have ended (stopping a worker mid-poll gives
            # its source back unpolled, and another worker would rightly fetch it again)
            deadline = time.monotonic() + 120
            while sum(w.text().count("bot.poller: polled") for w in workers) < 2 * SOURCES:
                assert time.monotonic() < deadline, dict(feed_hits)
                assert all(w.proc.returncode is None for w in workers)
                await asyncio.sleep(0.1)
        finally:
            await asyncio.gather(*(w.stop() for w in workers))
        article_hits = collections.Counter(
            r.path for r in site.requests if r.path.startswith("/article/")
        )

    logs = "\n".join(w.text()[-2000:] for w in workers)
    assert sorted(feed_hits) == list(range(SOURCES)), logs
    start0 = min(min(h) for h in feed_hits.values())
    timeline = {n: [round(t - start0, 1) for t in h] for n, h in sorted(feed_hits.items())}
    counts = {n: len(h) for n, h in feed_hits.items()}
    assert counts == dict.fromkeys(range(SOURCES), 2), str(timeline)
    # the second fetch of each feed came a round later, not in the same round
    assert all(h[1] - h[0] >= INTERVAL - 1.5 for h in feed_hits.values()), feed_hits
    assert article_hits == {f"/article/{n}": 1 for n in range(SOURCES)}, article_hits
    # the rounds were shared: every worker polled some of the sources
    polled = {}
    for w in workers:
        found = re.search(r"worker (w\d) stopped: (\d+) sources polled", w.text())
        assert found, w.text()[-2000:]
        polled[found.group(1)] = int(found.group(2))
    assert sum(polled.values()) == 2 * SOURCES, polled
    assert all(count > 0 for count in polled.values()), polled
