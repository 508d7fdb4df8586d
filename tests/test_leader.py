"""The leader lock (bot.leader) and what leading means for the digest jobs (bot.digest).

* On PostgreSQL: of three competitors exactly one leads; when its session ends
  (terminated by the server, or its process SIGKILLed) it stands down and a
  standby takes over within a few intervals.
* With SQLite: always the leader, without any connection.
* A standby holds no digest job; the leader follows subscriptions changed
  through other instances (``Digests.sync``) and drops every job when it loses.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.leader import LOCK_KEY, Leadership
from summarizer.store import open_store
from tests.conftest import run_cli
from tests.helpers.botapi import BotApiStandIn
from tests.helpers.pages import LoopbackServer, page
from tests.test_bot import make_settings, running
from tests.test_scale import pg_url  # noqa: F401  (the fixture)

INTERVAL = 0.5


def _competitor(url: str, log: list[str], name: str) -> Leadership:
    return Leadership(
        url,
        interval=INTERVAL,
        on_gain=lambda: log.append(f"{name}+"),
        on_lose=lambda: log.append(f"{name}-"),
    )


async def _until(condition: object, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_of_three_leads_and_a_standby_takes_over_when_its_session_ends(
    pg_url: str,  # noqa: F811
) -> None:
    import psycopg

    log: list[str] = []
    competitors = [_competitor(pg_url, log, name) for name in "abc"]
    for competitor in competitors:
        await competitor.start()
    try:
        await asyncio.sleep(3 * INTERVAL)
        leaders = [c for c in competitors if c.is_leader]
        assert len(leaders) == 1, log
        assert log == ["a+"]  # the first to try won, and nobody else ever did
        # the server ends the leader's session (as when its host dies)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND "
                "((classid::bigint << 32) | objid::bigint) = %s",
                (LOCK_KEY,),
            )
        await _until(lambda: "a-" in log and len(log) >= 3)
        await asyncio.sleep(3 * INTERVAL)
        # the old leader noticed and stood down; exactly one other took over
        assert log[0] == "a+", log
        assert log.count("a-") == 1, log
        assert len([x for x in log if x.endswith("+")]) == 2, log
        assert sum(c.is_leader for c in competitors) == 1, log
        assert sum(c.is_current() for c in competitors) == 1, log
    finally:
        for competitor in competitors:
            await competitor.stop()
    # stopping frees the lock: a newcomer leads at once
    late: list[str] = []
    newcomer = _competitor(pg_url, late, "d")
    await newcomer.start()
    try:
        assert newcomer.is_leader
        assert late == ["d+"]
    finally:
        await newcomer.stop()


_HOLDER = """
import asyncio, sys
from bot.leader import Leadership

async def main():
    lead = Leadership(sys.argv[1], interval=0.5, on_gain=lambda: print("leading", flush=True),
                      on_lose=lambda: None)
    await lead.start()
    await asyncio.sleep(600)

asyncio.run(main())
"""


async def test_a_sigkilled_leader_frees_the_lock_for_a_standby_within_seconds(
    pg_url: str,  # noqa: F811
) -> None:
    root = Path(__file__).resolve().parents[1]
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLDER,
        pg_url,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(holder.stdout.readline(), 60)
        assert line.strip() == b"leading"
        log: list[str] = []
        standby = _competitor(pg_url, log, "s")
        await standby.start()
        try:
            await asyncio.sleep(3 * INTERVAL)
            assert not standby.is_leader
            assert log == []
            os.kill(holder.pid, signal.SIGKILL)
            killed = time.monotonic()
            await _until(lambda: standby.is_leader)
            took = time.monotonic() - killed
            assert log == ["s+"]
            assert took < 10, took  # the lock is freed with the session, not on a timeout
        finally:
            await standby.stop()
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()


async def test_with_sqlite_the_one_instance_always_leads_without_a_connection() -> None:
    log: list[str] = []
    alone = _competitor(None, log, "x")  # type: ignore[arg-type]
    await alone.start()
    assert alone.is_leader
    assert log == ["x+"]
    await alone.stop()
    assert alone._conn is None


async def test_a_standby_holds_no_digest_job_and_the_leader_follows_changes(
    tmp_path: Path,
) -> None:
    async with BotApiStandIn() as api, LoopbackServer({}) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings) as app:
            digests = app.bot_data.digests
            store = app.bot_data.store
            assert digests.active  # SQLite: the leader

            def jobs() -> dict[str, str]:
                assert app.job_queue is not None
                return {
                    j.name: j.data for j in app.job_queue.jobs() if j.name.startswith("digest:")
                }

            # times far from now: a slot less than an hour ago would add a late job
            def hours_ahead(hours: int, zone: str) -> str:
                return (datetime.now(ZoneInfo(zone)) + timedelta(hours=hours)).strftime("%H:%M")

            # leadership lost: no digest job, and none scheduled while standing by
            store.upsert_user(1, 1, "en")
            store.set_subscription(1, hours_ahead(12, "UTC"), "UTC")
            digests.schedule(store.digest_settings(1))  # type: ignore[arg-type]
            assert "digest:1" in jobs()
            digests.stand_down()
            await asyncio.sleep(0.1)
            assert jobs() == {}
            store.upsert_user(2, 2, "en")
            store.set_subscription(2, hours_ahead(6, "Europe/Kyiv"), "Europe/Kyiv")
            slot = digests.schedule(store.digest_settings(2))  # type: ignore[arg-type]
            assert slot is not None
            assert jobs() == {}

            # leadership won: rebuilt from the store; later changes made elsewhere followed
            digests.active = True
            digests.rebuild()
            digests.sync()
            assert set(jobs()) == {"digest:1", "digest:2"}
            before = jobs()["digest:1"]
            store.set_subscription(1, "21:15", "UTC")  # through another instance
            store.set_subscription(2, None, None)  # unsubscribed through another instance
            assert digests.sync() == 2
            await asyncio.sleep(0.1)
            assert set(jobs()) == {"digest:1"}
            assert jobs()["digest:1"] != before
            assert jobs()["digest:1"].endswith("21:15:00+00:00")
            assert digests.sync() == 0  # nothing changed since


async def test_a_slot_passed_between_two_syncs_is_sent_by_the_next_one(tmp_path: Path) -> None:
    async with BotApiStandIn() as api, LoopbackServer({}) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        with open_store(settings.db) as store:
            from tests.test_digest import PARK, add_story

            add_story(store, "City opens a new park", PARK, "https://city.example/park")
        async with running(api, settings) as app:
            digests = app.bot_data.digests
            store = app.bot_data.store
            # the leader's last sync came just before this minute began; then another
            # instance subscribed the user to this very minute, which has now begun
            slot = datetime.now(UTC).replace(second=0, microsecond=0)
            digests.sync()
            digests._synced_at = slot - timedelta(seconds=1)
            store.upsert_user(5, 5, "en")
            store.set_subscription(5, slot.strftime("%H:%M"), "UTC")
            assert digests.sync() == 1
            await api.wait_for(
                lambda: [m for m in api.to_chat(5) if m.text.startswith("Your digest")],
                within=30,
                what="the digest of the slot that passed between the syncs",
            )


async def test_worker_and_leader_settings_refuse_bad_values_in_one_line(tmp_path: Path) -> None:
    db = {"NEWSBOT_DB": str(tmp_path / "w.db")}
    for args, env, named in (
        (("worker", "--concurrency", "0"), db, "--concurrency"),
        (("worker",), {**db, "NEWSBOT_WORKER_CONCURRENCY": "many"}, "NEWSBOT_WORKER_CONCURRENCY"),
        (("worker",), {**db, "NEWSBOT_LEADER_INTERVAL": "0.1"}, "NEWSBOT_LEADER_INTERVAL"),
        (("run",), {**db, "NEWSBOT_LEADER_POLLS": "maybe"}, "NEWSBOT_LEADER_POLLS"),
    ):
        result = await run_cli(*args, env=env)
        assert result.code == 2, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert result.err.startswith("newsbot: error:"), result.err
        assert named in result.err, result.err


async def test_worker_once_polls_every_due_source_then_exits(tmp_path: Path) -> None:
    from summarizer.sources import parse_source
    from tests.test_scale import _article

    routes = {f"/page/{n}": page(_article(n)) for n in range(3)}
    async with LoopbackServer(routes) as site:
        db = str(tmp_path / "w.db")
        with open_store(db) as store:
            for n in range(3):
                ref = parse_source(site.url(f"/page/{n}"))
                store.add_source(ref.kind, ref.key, ref.url)
        env = {"NEWSBOT_DB": db, "NEWSBOT_ALLOW_PRIVATE_URLS": "1"}
        first = await run_cli("worker", "--once", "--json", env=env)
        again = await run_cli("worker", "--once", "--json", env=env)
    assert first.code == 0, first.err
    assert json.loads(first.out) | {"worker": "", "seconds": 0} == {
        "worker": "",
        "polled": 3,
        "new": 3,
        "already_stored": 0,
        "failed": 0,
        "seconds": 0,
    }
    assert json.loads(again.out)["polled"] == 0  # nothing is due again before the interval
    assert sorted(r.path for r in site.requests) == ["/page/0", "/page/1", "/page/2"]
