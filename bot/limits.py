"""Flood control per user, and the admin check.

Two limits keep one user from taking the bot for themselves:

* at most ``rate`` requests (messages, commands, button presses) in any
  ``window`` seconds (``NEWSBOT_USER_RATE`` a minute, 20 by default), counted
  in a sliding window;
* at most ``articles`` links being read at once (``NEWSBOT_USER_ARTICLES``, 3).

Past the rate, the first request of a run gets a polite reply saying that it
and the next ones are skipped, and when to send again
(:meth:`FloodControl.first_refusal`); the others are skipped without a word, as
that reply says, so a flood of 13 messages gets one warning, not 13. Past the
links, each link gets a reply. Channel posts (where the bot is an
administrator) are not counted: they are the channel owner's feed, not a
person's requests. The counts live in memory: a restart forgets them, which
errs on the user's side.

Channel posts have their own budget (:class:`ChannelGate`), as anyone can add
the bot to a channel of their own: at most ``NEWSBOT_CHANNEL_POSTS`` posts an
hour per channel (30 by default; the rest are skipped, with one log line a
run of them), read one at a time per channel, so a channel posting 140 slow
links holds one fetch, not every one the bot has, and other users' links go
first.

:func:`is_admin` answers whether a user is in ``NEWSBOT_ADMINS``; the handlers
use it to gate ``/stats`` and every operation that touches all users.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from summarizer import Settings

__all__ = ["ChannelGate", "FloodControl", "is_admin"]

MAX_TRACKED = 10_000  # users remembered before the idle ones are forgotten


class FloodControl:
    """Sliding-window request counts and article slots, per user id."""

    def __init__(
        self,
        rate: int = 20,
        articles: int = 3,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate  # <= 0: no limit
        self.articles = articles  # <= 0: no limit
        self.window = window
        self._clock = clock
        self._requests: dict[int, deque[float]] = {}
        self._reading: dict[int, int] = {}
        self._warned: set[int] = set()  # told they are over the rate, since last allowed

    @classmethod
    def from_settings(cls, settings: Settings) -> FloodControl:
        return cls(settings.user_rate, settings.user_articles)

    def allow(self, user_id: int) -> bool:
        """Count one request of ``user_id``; False when it is over the rate."""
        if self.rate <= 0:
            return True
        now = self._clock()
        times = self._requests.get(user_id)
        if times is None:
            if len(self._requests) >= MAX_TRACKED:
                self._forget_idle(now)
            times = self._requests[user_id] = deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.rate:
            return False
        times.append(now)
        self._warned.discard(user_id)
        return True

    def first_refusal(self, user_id: int) -> bool:
        """Whether a refused request is the first since ``user_id`` was last allowed one:
        the one to answer (the warning says the others are skipped)."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True

    def retry_in(self, user_id: int) -> float:
        """Seconds until ``user_id`` may send again (0 when they may now)."""
        times = self._requests.get(user_id)
        if self.rate <= 0 or not times or len(times) < self.rate:
            return 0.0
        return max(0.0, self.window - (self._clock() - times[0]))

    @contextmanager
    def article(self, user_id: int) -> Iterator[bool]:
        """``with flood.article(uid) as ok``: ok is False when the user already has
        ``articles`` links being read; the slot is held until the block ends."""
        if self.articles > 0 and self._reading.get(user_id, 0) >= self.articles:
            yield False
            return
        self._reading[user_id] = self._reading.get(user_id, 0) + 1
        try:
            yield True
        finally:
            left = self._reading[user_id] - 1
            if left:
                self._reading[user_id] = left
            else:
                del self._reading[user_id]

    def room(self, user_id: int) -> int | None:
        """Links ``user_id`` may have read now, besides those being read (None: no limit)."""
        if self.articles <= 0:
            return None
        return max(0, self.articles - self._reading.get(user_id, 0))

    @property
    def reading(self) -> int:
        """Links being read now, all users together."""
        return sum(self._reading.values())

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, t in self._requests.items() if not t or now - t[-1] >= self.window]
        for user_id in idle:
            del self._requests[user_id]
            self._warned.discard(user_id)


class ChannelGate:
    """Posts of channels where the bot is an administrator: at most ``posts`` an hour per
    channel (a sliding window), and one of each channel read at a time."""

    def __init__(
        self,
        posts: int = 30,
        *,
        window: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = FloodControl(posts, 0, window=window, clock=clock)
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}  # chat id -> lock, waiting

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelGate:
        return cls(settings.channel_posts)

    @property
    def posts(self) -> int:
        return self.budget.rate

    def allow(self, chat_id: int) -> bool:
        """Count one post of the channel; False when it is over the budget."""
        return self.budget.allow(chat_id)

    def first_refusal(self, chat_id: int) -> bool:
        """Whether a refused post is the first of a run (the one to log)."""
        return self.budget.first_refusal(chat_id)

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """``async with gate.turn(chat)``: the channel's posts one after the other, in the
        order they came."""
        lock, waiting = self._turns.get(chat_id) or (asyncio.Lock(), 0)
        self._turns[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._turns[chat_id]
            if waiting > 1:
                self._turns[chat_id] = (lock, waiting - 1)
            else:
                del self._turns[chat_id]


def is_admin(settings: Settings, user_id: int | None) -> bool:
    """Whether ``user_id`` is one of ``NEWSBOT_ADMINS``."""
    return user_id is not None and user_id in settings.admins
