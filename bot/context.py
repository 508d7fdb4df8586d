"""What every handler and job is given: ``context.bot_data`` (:class:`BotData`) and its types.

The services (store, fetcher, poller, digests, leadership) are created in
``bot.app.post_init`` and handed to :meth:`BotData.start`; the handlers read
them through read-only properties, which fail loudly before the start.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from summarizer import Fetcher, Settings
from summarizer.store import Store

from .digest import Digests
from .leader import Leadership
from .limits import ChannelGate, FloodControl
from .metrics import Metrics
from .poller import Poller
from .profile import Cosmetics

T = TypeVar("T")


@dataclass
class BotData:
    """``context.bot_data``: settings, the shared services and the restart bookkeeping."""

    settings: Settings = field(default_factory=Settings)
    limits: FloodControl = field(default_factory=FloodControl)  # per-user flood control
    channels: ChannelGate = field(default_factory=ChannelGate)  # per administered channel
    metrics: Metrics = field(default_factory=Metrics)
    #: the calls whose failure must not stop anything (menu, descriptions, "typing…")
    cosmetics: Cosmetics = field(default_factory=Cosmetics)
    #: how post_init creates the fetcher (a test hands in one with its own address policy)
    make_fetcher: Callable[[Settings], Fetcher] = Fetcher.from_settings
    # updates claimed by a process killed before answering them, handed back at start
    # (update id -> its "Reading…" message, if one was sent; see handlers.updates.remember)
    replaying: dict[int, int | None] = field(default_factory=dict)
    progress: dict[int, int] = field(default_factory=dict)
    # updates whose end is recorded already, until the last group sees them (handlers.send)
    finished: set[int] = field(default_factory=set)
    _store: Store | None = None
    _fetcher: Fetcher | None = None
    _poller: Poller | None = None
    _digests: Digests | None = None
    _leadership: Leadership | None = None
    # the handlers' store calls: short transactions, on a thread of their own so that they
    # never queue behind article parsing in the loop's default executor
    _store_thread: ThreadPoolExecutor = field(default_factory=lambda: _store_thread())

    async def stored(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` (a store method, or a function of a few) off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, functools.partial(call, *args))

    def start(
        self,
        store: Store,
        *,
        fetcher: Fetcher | None = None,
        poller: Poller | None = None,
        digests: Digests | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        """The services, from post_init (a test of one part may hand in only the store)."""
        self._store = store
        self._fetcher = fetcher
        self._poller = poller
        self._digests = digests
        self._leadership = leadership

    @property
    def opened_store(self) -> Store | None:
        """The store, or None before post_init and after shutdown (health, metrics)."""
        return self._store

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened in post_init")
        return self._store

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise RuntimeError("the fetcher is created in post_init")
        return self._fetcher

    @property
    def poller(self) -> Poller:
        if self._poller is None:
            raise RuntimeError("the poller is created in post_init")
        return self._poller

    @property
    def digests(self) -> Digests:
        if self._digests is None:
            raise RuntimeError("the digests are set up in post_init")
        return self._digests

    @property
    def leadership(self) -> Leadership:
        if self._leadership is None:
            raise RuntimeError("the leadership is set up in post_init")
        return self._leadership

    async def stand_down(self) -> None:
        """Leadership lost: no digest jobs here, and the polls under way give their sources back."""
        if self._digests is not None:
            self._digests.stand_down()
        if self._poller is not None:
            await self._poller.close()

    async def stop(self) -> None:
        """post_stop: stop the polls (they resume from the store on the next start), then
        give up the leader lock so that a standby takes over."""
        if self._poller is not None:
            await self._poller.close()
        if self._leadership is not None:
            await self._leadership.stop()

    async def close(self) -> None:
        """post_shutdown: close the fetcher's session and the store."""
        self._store_thread.shutdown(wait=True)
        self._store_thread = _store_thread()  # its thread starts only if used again
        if self._fetcher is not None:
            await self._fetcher.close()
            self._fetcher = None
        if self._store is not None:
            self._store.close()
            self._store = None


def _store_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, thread_name_prefix="newsbot-store")


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
NewsbotApp = Application[ExtBot[Any], Any, dict[Any, Any], dict[Any, Any], BotData, Any]
