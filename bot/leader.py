"""One leader among the ``newsbot run`` instances: who runs the digest and polling schedules.

With a PostgreSQL store (``NEWSBOT_DB=postgresql://…``) any number of
instances may run against one database; exactly one of them at a time runs
the schedules: the one holding the session advisory lock :data:`LOCK_KEY`.

* Each instance opens a dedicated connection (psycopg 3, autocommit) and tries
  ``pg_try_advisory_lock(LOCK_KEY)`` every ``NEWSBOT_LEADER_INTERVAL`` seconds
  (default 5). It never waits for the lock: a standby keeps serving users.
* The winner calls ``on_gain`` (build the jobs from the store), then checks
  its connection at the same interval (``SELECT 1``, bounded by the interval).
  An error or no answer in time counts as lost: it calls ``on_lose`` (stop
  the jobs) at once, closes the connection and competes again.
* A leader that dies (even with SIGKILL) loses its socket; PostgreSQL ends
  the session and frees the lock, and a standby wins it at its next try, so
  within about one interval. The digests' idempotency keys are in the shared
  store, so the new leader finishes what the old one started without
  repeating it (see :mod:`bot.digest`).
* A leader whose host vanishes, or whose process freezes, keeps no lock for
  long: its session asks the server for TCP keepalives (about 20 s) and an
  ``idle_session_timeout`` of six intervals (at least 30 s), so the server ends
  it; a frozen leader that wakes up finds its connection closed and stands down.
* Advisory locks belong to one database: several bots on one server, each
  with its own database, do not contend.

With SQLite there is one instance and it is always the leader: no lock, no
connection, ``on_gain`` once at start (today's behaviour).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

#: The advisory lock key of the scheduler: the ASCII of "newsbot" as one bigint.
LOCK_KEY = int.from_bytes(b"newsbot", "big")

Hook = Callable[[], Awaitable[None] | None]


def worker_name(role: str) -> str:
    """A name for this process in the sources' leases: role, host, pid and a random tag."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def is_postgres(db: str) -> bool:
    """True when ``NEWSBOT_DB`` names a PostgreSQL database."""
    return db.startswith(("postgresql://", "postgres://"))


async def _call(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result


class Leadership:
    """Holds (or waits for) the scheduler lock; calls ``on_gain``/``on_lose`` on every change.

    ``dsn`` None means a single instance (SQLite): always the leader.
    """

    def __init__(
        self,
        dsn: str | None,
        *,
        interval: float = 5.0,
        on_gain: Hook,
        on_lose: Hook,
        key: int = LOCK_KEY,
    ) -> None:
        self.dsn = dsn
        self.interval = interval
        self.key = key
        self.on_gain = on_gain
        self.on_lose = on_lose
        self.is_leader = False
        self._confirmed = 0.0  # monotonic time the lock was last known held
        self.changes = 0  # times leadership was gained or lost (for logs and tests)
        self._conn: Any = None  # psycopg.AsyncConnection
        self._task: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """True when several instances may compete (PostgreSQL)."""
        return self.dsn is not None

    async def start(self) -> None:
        """Become the leader (SQLite), or start competing for the lock in the background."""
        if self.dsn is None:
            await self._gain()
            return
        await self.step()  # the first try now: a lone instance leads from its first second
        self._task = asyncio.create_task(self._run(), name="newsbot-leader")

    async def stop(self) -> None:
        """Stop competing and free the lock. The caller has stopped the schedules already
        (the application's JobQueue stops with it), so ``on_lose`` is not called."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.is_leader:
            self.is_leader = False
            logger.info("leader: stopping; the lock is free for a standby")
        await self._close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.step()
            except Exception:  # a bug here must not end the competition
                logger.exception("leader: unexpected error")

    async def step(self) -> None:
        """One try for the lock (standby) or one check of the connection (leader)."""
        import psycopg

        try:
            async with asyncio.timeout(self.interval):
                if self._conn is None or self._conn.closed:
                    if self.is_leader:  # cannot happen without an error below; be safe
                        await self._lose("the lock connection closed")
                    self._conn = await psycopg.AsyncConnection.connect(
                        self.dsn or "",
                        autocommit=True,
                        connect_timeout=max(2, int(self.interval)),
                        application_name="newsbot-leader",
                        # a dead peer is noticed by the server within ~20 s at worst
                        keepalives=1,
                        keepalives_idle=10,
                        keepalives_interval=5,
                        keepalives_count=2,
                    )
                    await self._fence(self._conn)
                if self.is_leader:
                    await self._conn.execute("SELECT 1")
                    self._confirmed = time.monotonic()
                    return
                cursor = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                row = await cursor.fetchone()
                won = bool(row and row[0])
        except (psycopg.Error, OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}".strip()
            if self.is_leader:
                await self._lose(f"the lock connection failed ({reason})")
            else:
                logger.warning("leader: cannot try the lock: %s", reason)
            await self._close()
            return
        if won:
            await self._gain()

    async def _fence(self, conn: Any) -> None:
        """Make the server end this session, and so free the lock, soon after this process
        stops answering: TCP keepalives from the server's side (a vanished host), and
        ``idle_session_timeout`` (a frozen process; PostgreSQL 14+, skipped before)."""
        import psycopg

        await conn.execute(
            "SELECT set_config('tcp_keepalives_idle', '10', false),"
            " set_config('tcp_keepalives_interval', '5', false),"
            " set_config('tcp_keepalives_count', '2', false)"
        )
        idle_ms = int(max(6 * self.interval, 30.0) * 1000)
        try:
            await conn.execute(
                "SELECT set_config('idle_session_timeout', %s, false)", (str(idle_ms),)
            )
        except psycopg.errors.UndefinedObject:  # older than PostgreSQL 14
            pass

    def is_current(self) -> bool:
        """Leader, and known to hold the lock within the last two intervals.

        What a scheduled send checks: a process that froze (or whose session the
        server ended) may still think it leads until its next check; it does not
        count as current meanwhile, so it sends nothing a new leader may be sending.
        """
        if not self.is_leader:
            return False
        return self.dsn is None or time.monotonic() - self._confirmed < 2 * self.interval

    async def _gain(self) -> None:
        self.is_leader = True
        self._confirmed = time.monotonic()
        self.changes += 1
        logger.info("leader: this instance now runs the digest and polling schedules")
        try:
            await _call(self.on_gain)
        except Exception:
            logger.exception("leader: starting the schedules failed; giving the lock back")
            await self._lose("the schedules could not start")
            await self._close()

    async def _lose(self, why: str) -> None:
        self.is_leader = False
        self.changes += 1
        logger.warning("leader: no longer the leader: %s; schedules stopped", why)
        try:
            await _call(self.on_lose)
        except Exception:
            logger.exception("leader: stopping the schedules failed")

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.interval):
                    await conn.close()
