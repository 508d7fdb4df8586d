"""``newsbot run`` killed with SIGKILL in the middle of a 200-subscriber fan-out, then restarted.

The 200 digests were due two minutes ago, so ``newsbot run`` sends them as it
starts (a digest less than an hour late is sent once). The stand-in, which
keeps Telegram's flood limits, kills the bot while it receives the 80th
message, which is therefore never delivered, as when a process dies mid-request.
The bot starts again; every subscriber must end up with exactly one digest.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.digest_fanout import LimitedStandIn, start_bot
from bot.schedule import delivery_key
from summarizer.store import open_store
from tests.test_digest import PARK, SANCTIONS, add_story, own

SUBSCRIBERS = 200
KILL_AT = 80

pytestmark = pytest.mark.slow


def _prepare(db: Path, slot: datetime) -> None:
    kyiv = slot.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%H:%M")
    with open_store(str(db)) as store:
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


async def test_sigkill_mid_fan_out_then_restart_gives_everyone_exactly_one_digest(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    slot = (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    _prepare(db, slot)

    def digests() -> collections.Counter[int]:
        return collections.Counter(m.chat_id for m in api.sent if m.text.startswith("Your digest"))

    async with LimitedStandIn(per_chat=True) as api:
        proc = await start_bot(api, str(db), log)
        killed: list[int] = []

        def kill(count: int) -> bool:
            if count == KILL_AT:
                os.kill(proc.pid, signal.SIGKILL)
                killed.append(count)
                return True  # this message is never delivered
            return False

        api.on_send = kill
        try:
            await api.wait_for(lambda: proc.returncode is not None or killed, within=120)
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        api.on_send = None
        before = digests()
        assert 0 < len(before) < SUBSCRIBERS, len(before)  # killed in the middle

        proc = await start_bot(api, str(db), log)
        try:
            await api.wait_for(
                lambda: len(digests()) >= SUBSCRIBERS, within=120, what="every digest"
            )
            await asyncio.sleep(3)  # a repeated digest would come now
        finally:
            proc.terminate()
            await proc.wait()

    after = digests()
    assert sorted(after) == list(range(1, SUBSCRIBERS + 1)), log.read_text()[-2000:]
    assert set(after.values()) == {1}, {c: n for c, n in after.items() if n != 1}
    assert api.refused == []
    with open_store(str(db)) as store:  # one finished delivery per (user, slot)
        statuses = collections.Counter(
            d.status if d else None
            for d in (
                store.get_delivery(delivery_key(user, slot)) for user in range(1, SUBSCRIBERS + 1)
            )
        )
    assert statuses == {"sent": SUBSCRIBERS}
