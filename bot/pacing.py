"""Telegram's flood limits, kept by the sender: one chat's pace, the overall rate, lanes.

:class:`PacedRateLimiter` is the application's rate limiter (PTB's
``BaseRateLimiter``); :class:`PriorityPacer` gives the overall turns, replies
to users before the background lane (:data:`LANE`, set by the digests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

# endpoints that put a message in a chat: paced per chat
_PACED = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})
# calls that only make the bot look nice (bot.profile): never retried, a failure is theirs
_COSMETIC = frozenset(
    {"sendChatAction", "setMyCommands", "setMyDescription", "setMyShortDescription"}
)
# messages in any one second, in all: Telegram allows 30. PriorityPacer counts each message
# from its turn until a second after its answer, so arrivals never exceed it in any second
OVERALL_RATE = 30.0

#: "reply" for everything a user is waiting for; "digest" while a digest is sent.
LANE: ContextVar[str] = ContextVar("newsbot_send_lane", default="reply")


@contextlib.contextmanager
def background_lane() -> Iterator[None]:
    """Sends made inside wait behind every reply (a digest's messages)."""
    token = LANE.set("digest")
    try:
        yield
    finally:
        LANE.reset(token)


class PriorityPacer:
    """At most ``rate`` messages in any one second, as Telegram counts them; replies first.

    Telegram counts a message when it arrives, somewhere between the moment we
    give it a turn and the moment its answer comes back. So a message counts
    against the one-second window from its turn until one second after its
    answer, and a turn is given only while fewer than ``int(rate)`` messages are
    in flight or answered within the last second. Any one second of arrivals at
    Telegram then holds at most ``int(rate)`` messages, however late a stalled
    event loop or a slow network delivers them; a stall slows the pace instead
    of drawing 429s. Turns are also at least half an interval apart, so the
    messages of a second are spread over it.

    A send waits for its turn in one of two queues: replies, or the background
    lane (digests, see :data:`LANE`). Each turn goes to the oldest
    waiting reply if there is one, so a user who chats during a fan-out of
    thousands of digests waits for one turn, not for the fan-out. Call
    :meth:`done` when the request given a turn has its answer (or failed).
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.per_second = max(1, int(rate))
        self._next = 0.0  # loop time before which no turn is given (spacing, 429 holds)
        self._in_flight = 0  # turns given whose request has no answer yet
        self._answered: deque[float] = deque()  # answer times within the last second
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )
        self._timer: asyncio.TimerHandle | None = None

    def _free_at(self, now: float) -> float | None:
        """Loop time of the next turn; None: not before an answer comes (see :meth:`done`)."""
        while self._answered and now - self._answered[0] >= 1.0:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.per_second:
            return self._next
        if not self._answered:
            return None
        return max(self._next, self._answered[0] + 1.0)

    def _give(self, now: float) -> None:
        self._in_flight += 1
        self._next = max(self._next, now + self.interval / 2)

    def _is_free(self, now: float) -> bool:
        free_at = self._free_at(now)
        return free_at is not None and now >= free_at

    async def acquire(self, background: bool) -> None:
        """Wait for a turn to send one message."""
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiting[0] and not self._waiting[1] and self._is_free(now):
            self._give(now)
            return
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting[int(background)].append(turn)
        self._arm(loop)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.done()  # the turn was given just as the wait was cancelled
            raise

    def done(self) -> None:
        """The request of a turn has its answer, or has failed: it counts one more second."""
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(loop.time())
        self._rearm(loop)

    def hold(self, seconds: float) -> None:
        """No send for ``seconds`` (a 429's ``retry_after``)."""
        loop = asyncio.get_running_loop()
        self._next = max(self._next, loop.time() + seconds)
        self._rearm(loop)

    def _rearm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting[0] or self._waiting[1]:
            self._arm(loop)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            now = loop.time()
            free_at = self._free_at(now)
            if free_at is not None:  # else done() arms it when an answer comes
                self._timer = loop.call_at(max(free_at, now), self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        while self._is_free(now):
            queue = self._waiting[0] if self._waiting[0] else self._waiting[1]
            while queue and queue[0].done():  # cancelled while waiting
                queue.popleft()
            if not queue:
                if not self._waiting[0] and not self._waiting[1]:
                    return
                continue
            queue.popleft().set_result(None)
            self._give(now)
        if self._waiting[0] or self._waiting[1]:
            self._arm(loop)


class PacedRateLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits, kept by the sender.

    * at most one message every ``pace`` seconds to each chat (Telegram asks
      for about one a second): messages to one chat go one after another, each
      ``pace`` seconds after the previous one was answered;
    * ``overall_rate`` messages a second in all (Telegram's 30), evenly spaced,
      replies to users before digests (:class:`PriorityPacer`);
    * 20 messages a minute to each group (aiolimiter);
    * a 429 holds every send for its ``retry_after``, then the message is retried
      in its turn (``max_retries`` times): the retries do not come back as a burst;
    * a network error or a 5xx is retried ``network_retries`` times with
      exponential backoff, so a reply is not lost to a passing outage. A 400
      or a 403 is never retried, nor is any failure of the cosmetic calls
      ("typing…", the menu and descriptions: :mod:`bot.profile`).
    """

    def __init__(
        self,
        *,
        pace: float = 1.0,
        overall_rate: float = OVERALL_RATE,
        network_retries: int = 5,
        max_retries: int = 5,
        group_rate: float = 20.0,
    ) -> None:
        self._pacer = PriorityPacer(overall_rate)
        self._pace = pace
        self._network_retries = network_retries
        self._max_retries = max_retries
        self._group_rate = group_rate
        self._groups: dict[str, AsyncLimiter] = {}
        self._chats: dict[str, tuple[asyncio.Lock, int]] = {}  # lock, users of it
        self._last_sent: dict[str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: object) -> AsyncIterator[None]:
        """Messages to one chat one at a time, ``pace`` seconds apart."""
        if self._pace <= 0:
            yield
            return
        key = str(chat_id)
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                wait = self._last_sent.get(key, -1e9) + self._pace - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    yield
                finally:
                    self._last_sent[key] = time.monotonic()
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
                if time.monotonic() - self._last_sent.get(key, 0.0) >= self._pace:
                    self._last_sent.pop(key, None)
            else:
                self._chats[key] = (lock, users - 1)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        paced = endpoint in _PACED and chat_id is not None
        if not paced:
            return await self._send(callback, args, kwargs, endpoint, None, rate_limit_args)
        async with self._chat_turn(chat_id):
            return await self._send(callback, args, kwargs, endpoint, chat_id, rate_limit_args)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        chat_id: object,
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        background = LANE.get() == "digest"
        group = self._group(chat_id)
        limited = failed = 0
        cosmetic = endpoint in _COSMETIC  # a late "typing…" is worth nothing: no retry
        network_retries = 0 if cosmetic else self._network_retries
        max_retries = 0 if cosmetic else (rate_limit_args or self._max_retries)
        while True:
            if chat_id is not None:
                if group is not None:
                    await group.acquire()
                await self._pacer.acquire(background)
            try:
                try:
                    return await callback(*args, **kwargs)
                finally:
                    if chat_id is not None:
                        self._pacer.done()
            except RetryAfter as exc:
                if limited >= max_retries:
                    raise
                limited += 1
                value: Any = exc.retry_after
                delay = value.total_seconds() if isinstance(value, timedelta) else float(value)
                logger.info("%s: 429, every send waits %.1f s", endpoint, delay)
                self._pacer.hold(delay + 0.1)
                if chat_id is None:
                    await asyncio.sleep(delay + 0.1)
            except BadRequest:
                raise
            except NetworkError as exc:
                if failed >= network_retries:
                    raise
                pause = min(0.25 * 2**failed, 8.0)
                failed += 1
                logger.info("%s failed (%s); retry %d in %.2f s", endpoint, exc, failed, pause)
                await asyncio.sleep(pause)

    def _group(self, chat_id: object) -> AsyncLimiter | None:
        try:
            is_group = chat_id is not None and int(str(chat_id)) < 0
        except ValueError:
            is_group = isinstance(chat_id, str)  # "@channelname"
        if not is_group or self._group_rate <= 0:
            return None
        if len(self._groups) > 512:
            self._groups = {k: v for k, v in self._groups.items() if not v.has_capacity(v.max_rate)}
        key = str(chat_id)
        if key not in self._groups:
            self._groups[key] = AsyncLimiter(self._group_rate, 60)
        return self._groups[key]
