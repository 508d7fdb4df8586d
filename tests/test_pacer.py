"""The overall pacer (bot.pacing.PriorityPacer): Telegram's per-second limit, as Telegram counts.

Telegram counts a message when it arrives, which may be any time between the
turn we give it and the answer we get. These tests let requests arrive late
(a stalled loop, a slow network) and check every one-second window of arrivals.
"""

from __future__ import annotations

import asyncio
import random

from bot.pacing import PriorityPacer


def _most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, stamp in enumerate(times):
        while stamp - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_late_arrivals_never_put_more_than_the_rate_in_one_second() -> None:
    pacer = PriorityPacer(10.0)
    rng = random.Random(7)
    loop = asyncio.get_running_loop()
    arrivals: list[float] = []

    async def send(n: int) -> None:
        await pacer.acquire(background=n % 3 != 0)
        try:
            latency = rng.choice([0.005, 0.02, 0.3, 0.6])  # some requests stall
            early = rng.random() < 0.5  # counted at once, or only when answered
            if early:
                arrivals.append(loop.time())
            await asyncio.sleep(latency)
            if not early:
                arrivals.append(loop.time())
        finally:
            pacer.done()

    await asyncio.gather(*(send(n) for n in range(45)))
    assert len(arrivals) == 45
    assert _most_in_one_second(arrivals) <= 10
    # and the pace is kept up: 45 messages at 10 a second take about 4.5 s, not 45 × 0.6 s
    assert max(arrivals) - min(arrivals) < 15


async def test_a_request_that_never_answers_holds_its_slot_until_done() -> None:
    pacer = PriorityPacer(2.0)
    await pacer.acquire(background=True)
    await pacer.acquire(background=True)  # two in flight: the second's budget is full
    third = asyncio.create_task(pacer.acquire(background=True))
    await asyncio.sleep(1.3)
    assert not third.done(), "a third turn while two requests are still in flight"
    pacer.done()
    await asyncio.sleep(1.1)  # the answer counts for one more second, then frees the slot
    assert third.done()
    pacer.done()
    pacer.done()


async def test_replies_take_the_next_turn_before_waiting_digests() -> None:
    pacer = PriorityPacer(5.0)
    order: list[str] = []

    async def send(name: str, background: bool) -> None:
        await pacer.acquire(background)
        order.append(name)
        pacer.done()

    for n in range(5):  # fill the second's budget
        await send(f"digest{n}", True)
    waiting = [asyncio.create_task(send(f"digest{n}", True)) for n in range(5, 8)]
    await asyncio.sleep(0.05)
    reply = asyncio.create_task(send("reply", False))
    await asyncio.gather(reply, *waiting)
    assert order[5] == "reply", order


async def test_hold_stops_every_turn_for_its_seconds() -> None:
    pacer = PriorityPacer(20.0)
    loop = asyncio.get_running_loop()
    await pacer.acquire(background=False)
    pacer.done()
    started = loop.time()
    pacer.hold(0.5)
    await pacer.acquire(background=False)
    assert loop.time() - started >= 0.49
    pacer.done()


async def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    pacer = PriorityPacer(1.0)
    await pacer.acquire(background=True)
    pacer.done()
    cancelled = asyncio.create_task(pacer.acquire(background=True))
    later = asyncio.create_task(pacer.acquire(background=True))
    await asyncio.sleep(0.1)
    cancelled.cancel()
    await asyncio.wait_for(later, timeout=3)
    pacer.done()
