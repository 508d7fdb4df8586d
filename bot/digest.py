"""Scheduled digests: each user's job, and sending each digest exactly once.

* **When** (:mod:`bot.schedule`). Each user has one PTB JobQueue job, named
  after the chat and replaced on every change (``run_once`` at the next slot,
  which schedules the one after as it runs). :meth:`Digests.rebuild` recreates
  them from the store at start, and sends at once a digest missed while the bot
  was down when it is less than an hour late.
* **What** (:mod:`bot.stories`). The articles stored since the user's last
  digest (the watermark ``since``), from their watched sources and the links they
  sent, never another user's, not already in one of their digests, merged into
  stories and filtered by the user's keywords. A user with neither sources nor
  links gets a note saying how to add one.
* **Exactly once.** A digest is keyed ``<user>@<slot>``. Before the first
  message its parts are written down as *pending* (so a restart resends the very
  same messages), each part sent is recorded, and the end is recorded in the
  transaction that marks its articles delivered and moves the watermark. A crash
  leaves a pending row that the next start finishes; a finished key is never
  sent again. The one message that can go out twice is one Telegram accepted in
  the milliseconds before the bot died and recorded it, since the Bot API has no
  idempotency key of its own. A user who blocked the bot (403) is paused
  (marked inactive) until they write again.
* **At Telegram's pace.** Digest sends run in the background lane
  (:data:`bot.pacing.LANE`): replies to users go first, and at most
  ``concurrency`` digests are composed or in flight at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.base import JobLookupError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import Forbidden

from summarizer import off_loop
from summarizer.store import DigestSettings, Store

from . import i18n, texts
from .pacing import background_lane
from .render import MAX_MESSAGE, split_html, visible_length
from .schedule import delivery_key, iso, next_slot, period, previous_slot, zone_of
from .stories import KeywordFilter, grouped

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, Job, JobQueue

logger = logging.getLogger(__name__)

MAX_STORIES = 15  # stories in one digest; the rest are counted in a last line
DIGEST_SENTENCES = 2  # of each story, shown in the list (its button opens the whole)
STORY_PREFIX = "ds:"  # the callback data of a story's button: ds:<article id> ("st:" is /start's)
MAX_CANDIDATES = 400  # newest articles considered for one digest
CATCH_UP = timedelta(hours=1)  # a digest missed while down is sent when less late than this
JOB_PREFIX = "digest:"
SYNC_EVERY = 30.0  # seconds: how soon the leader follows subscriptions changed elsewhere


def _plan(user: DigestSettings) -> tuple[str, str | None, str]:
    """What a user's digest job depends on: time, zone, frequency."""
    return (user.at or "", user.tz, user.frequency)


@dataclass
class Composed:
    parts: list[str]  # each message, as :func:`encode_part` stores it
    article_ids: list[int]
    stories: int

    @property
    def html(self) -> list[str]:
        """The text of each message."""
        return [decode_part(p)[0] for p in self.parts]


def encode_part(html: str, stories: Sequence[tuple[int, int]] = ()) -> str:
    """One digest message as the store keeps it (a restart resends the very same): its
    HTML, and (story number, article id) for each story button under it."""
    if not stories:
        return html
    return json.dumps({"html": html, "stories": [list(s) for s in stories]}, ensure_ascii=False)


def decode_part(part: str) -> tuple[str, list[tuple[int, int]]]:
    """:func:`encode_part` undone: (HTML, story buttons). A message's HTML never starts
    with "{", so a part stored as plain HTML (an older digest, a note) stays as it is."""
    if part.startswith("{"):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = json.loads(part)
            return str(data["html"]), [(int(n), int(i)) for n, i in data["stories"]]
    return part, []


def story_keyboard(stories: Sequence[tuple[int, int]]) -> InlineKeyboardMarkup | None:
    """A button per story, labelled with its number, that opens it (rows of five)."""
    if not stories:
        return None
    buttons = [
        InlineKeyboardButton(str(n), callback_data=f"{STORY_PREFIX}{article_id}")
        for n, article_id in stories
    ]
    return InlineKeyboardMarkup([buttons[i : i + 5] for i in range(0, len(buttons), 5)])


def pack(header: str, blocks: Sequence[tuple[str, int]], tail: str | None = None) -> list[str]:
    """The messages of a digest: ``header``, then each (story's HTML, article id), whole,
    numbered in order, as many to a message as fit in Telegram's limit, then ``tail``. A
    story that would overflow a message starts the next one; each message carries the
    buttons of its own stories."""
    parts: list[str] = []
    html, stories = header, []  # the message being filled
    for number, (block, article_id) in enumerate(blocks, 1):
        joined = f"{html}\n\n{block}" if html else block
        if visible_length(joined) <= MAX_MESSAGE:
            html = joined
            stories.append((number, article_id))
            continue
        if html:
            parts.append(encode_part(html, stories))
        pieces = split_html(block) if visible_length(block) > MAX_MESSAGE else [block]
        parts += pieces[:-1]  # a story longer than a message on its own: cut, buttons last
        html, stories = pieces[-1], [(number, article_id)]
    if tail:
        joined = f"{html}\n\n{tail}" if html else tail
        if visible_length(joined) <= MAX_MESSAGE:
            html = joined
        else:
            parts.append(encode_part(html, stories))
            html, stories = tail, []
    if html:
        parts.append(encode_part(html, stories))
    return parts


def compose(
    store: Store,
    user: DigestSettings,
    until: datetime,
    *,
    since: str | None = None,
    scheduled: bool = True,
) -> Composed:
    """The messages of one digest for ``user``, covering articles stored up to ``until``,
    in the user's stored language (a job has no update to take it from)."""
    known = store.get_user(user.user_id)
    with i18n.using(known.language_code if known is not None else None):
        return _compose(store, user, until, since, scheduled)


def _compose(
    store: Store, user: DigestSettings, until: datetime, since: str | None, scheduled: bool
) -> Composed:
    start = since or user.since or iso(until - period(user.frequency))
    candidates = store.digest_candidates(user.user_id, start, iso(until), MAX_CANDIDATES)
    keywords = KeywordFilter(user.include, user.exclude)
    stories = [s for s in grouped(candidates) if not keywords or keywords.allows(s.texts())]
    if not stories:
        if scheduled and user.skip_empty:
            return Composed([], [], 0)
        if not candidates and not _has_own(store, user.user_id):
            return Composed([texts.digest_no_sources()], [], 0)
        return Composed([texts.digest_nothing_new(bool(keywords))], [], 0)
    shown = stories[:MAX_STORIES]
    articles = sum(len(s.members) for s in shown)
    blocks = []
    for number, story in enumerate(shown, 1):
        lead = story.lead.stored
        date = lead.article.published or lead.ingested_at
        block = texts.digest_story(
            number,
            lead.article.title or "",
            lead.summary[:DIGEST_SENTENCES],
            lead.article.url,
            story.sources,
            date[:10] if date else None,
        )
        blocks.append((block, lead.id))
    more = texts.digest_more(len(stories) - len(shown)) if len(stories) > len(shown) else None
    ids = sorted({m.stored.id for s in shown for m in s.members})
    return Composed(pack(texts.digest_header(articles, len(shown)), blocks, more), ids, len(shown))


def _has_own(store: Store, user_id: int) -> bool:
    """Whether the user watches a source or sent a link: whether a digest can hold anything."""
    return bool(store.user_sources(user_id)) or bool(store.user_latest(user_id, 1))


class Digests:
    """The digest jobs of one application, and the delivery of each digest."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        store: Store,
        default_zone: str = "UTC",
        *,
        concurrency: int = 8,
        clock: Callable[[], datetime] | None = None,
        on_late: Callable[[float], None] | None = None,
    ) -> None:
        self.application = application
        # told how many seconds after its slot each scheduled digest starts (metrics)
        self.on_late = on_late
        self.store = store
        self.default_zone = default_zone
        self.clock = clock or (lambda: datetime.now(UTC))
        self._gate = asyncio.Semaphore(concurrency)
        self._inflight: dict[str, asyncio.Future[str]] = {}
        self._jobs: dict[int, Job[Any]] = {}
        # leadership (bot.leader): only the leader holds digest jobs and sends scheduled
        # digests; with SQLite the one instance always leads
        self.active = True
        # and still known to lead right now (Leadership.is_current), checked before each
        # scheduled message: a frozen ex-leader that wakes up sends nothing
        self.current: Callable[[], bool] = lambda: True
        self._plans: dict[int, tuple[str, str | None, str]] = {}  # what each job was built from
        self._synced_at: datetime | None = None

    @property
    def job_queue(self) -> JobQueue[Any]:
        job_queue = self.application.job_queue
        if job_queue is None:
            raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
        return job_queue

    @property
    def bot(self) -> Bot:
        return self.application.bot

    def zone(self, user: DigestSettings) -> tzinfo:
        return zone_of(user.tz, self.default_zone)

    def next_delivery(self, user: DigestSettings, now: datetime | None = None) -> datetime | None:
        """When the user's next digest is due (aware, in their zone), or None."""
        if user.at is None:
            return None
        zone = self.zone(user)
        return next_slot(user.at, zone, user.frequency, now or self.clock()).astimezone(zone)

    # -- jobs

    def schedule(self, user: DigestSettings, after: datetime | None = None) -> datetime | None:
        """(Re)place the user's job at their next slot; None when they are not subscribed."""
        name = f"{JOB_PREFIX}{user.user_id}"
        # one job per chat, replaced on every change; the index makes that O(1), where
        # get_jobs_by_name scans every job (10,000 subscribers: 10^8 steps at start)
        old = self._jobs.pop(user.user_id, None)
        if old is not None and not old.removed:
            with contextlib.suppress(JobLookupError):  # it has run (a date job is then gone)
                old.schedule_removal()
        if user.at is None:
            self._plans.pop(user.user_id, None)
            return None
        slot = next_slot(user.at, self.zone(user), user.frequency, after or self.clock())
        if not self.active:  # a standby: the leader picks the change up in sync()
            return slot
        self._plans[user.user_id] = _plan(user)
        self._jobs[user.user_id] = self.job_queue.run_once(
            self._job,
            when=slot,
            data=iso(slot),
            name=name,
            chat_id=user.chat_id,
            user_id=user.user_id,
            job_kwargs={"misfire_grace_time": int(CATCH_UP.total_seconds())},
        )
        return slot

    def rebuild(self) -> tuple[int, int]:
        """Jobs for every subscriber, from the store; (scheduled, late digests sent now)."""
        now = self.clock()
        scheduled = late = 0
        for user in self.store.subscribers():
            if user.at is None:
                continue
            self.schedule(user, now)
            scheduled += 1
            if not user.active:
                continue
            missed = previous_slot(user.at, self.zone(user), user.frequency, now)
            delivery = self.store.get_delivery(delivery_key(user.user_id, missed))
            if now - missed < CATCH_UP and (delivery is None or delivery.status == "pending"):
                self.job_queue.run_once(
                    self._late_job,
                    when=0,
                    data=iso(missed),
                    name=f"{JOB_PREFIX}{user.user_id}:late",
                    user_id=user.user_id,
                    job_kwargs={"misfire_grace_time": int(CATCH_UP.total_seconds())},
                )
                late += 1
        logger.info("digests: %d scheduled, %d late ones sent now", scheduled, late)
        return scheduled, late

    def sync(self) -> int:
        """Follow subscription changes made through other instances (the leader, every
        :data:`SYNC_EVERY`): a new or changed time gets its job, a cancelled one loses it.

        A changed user's next slot is counted from the previous sync, so a slot that
        fell between the two syncs is sent now (less than an hour late, like at start).
        """
        if not self.active:
            return 0
        now = self.clock()
        since = min(self._synced_at or now, now)
        changed = 0
        subscribed: set[int] = set()
        for user in self.store.subscribers():
            if user.at is None:
                continue
            subscribed.add(user.user_id)
            if self._plans.get(user.user_id) != _plan(user):
                self.schedule(user, since)
                changed += 1
        for user_id in set(self._jobs) - subscribed:
            self._drop(user_id)
            changed += 1
        self._synced_at = now
        if changed:
            logger.info("digests: %d subscriptions changed elsewhere, jobs updated", changed)
        return changed

    def stand_down(self) -> int:
        """Remove every digest job (leadership lost); the store keeps what was sent."""
        self.active = False
        removed = 0
        for user_id in list(self._jobs):
            self._drop(user_id)
            removed += 1
        for job in self.job_queue.jobs():
            if job.name and job.name.startswith(JOB_PREFIX) and not job.removed:
                with contextlib.suppress(JobLookupError):
                    job.schedule_removal()
                    removed += 1
        self._plans.clear()
        self._synced_at = None
        return removed

    def _drop(self, user_id: int) -> None:
        self._plans.pop(user_id, None)
        old = self._jobs.pop(user_id, None)
        if old is not None and not old.removed:
            with contextlib.suppress(JobLookupError):
                old.schedule_removal()

    async def _job(self, context: Any) -> None:
        job = context.job
        if not self.active:
            return
        user = self.store.digest_settings(job.user_id)
        if user is None or user.at is None:
            return
        slot = datetime.fromisoformat(job.data)
        self.schedule(user, max(slot, self.clock()))  # the next one first: a crash loses nothing
        if user.active and await self.still_leading():
            await self.deliver(user, slot)

    async def still_leading(self, within: float = 15.0) -> bool:
        """True when this instance leads and knows it now; waits up to ``within`` seconds
        for the leadership check to confirm (after a stall), False once it stood down."""
        deadline = asyncio.get_running_loop().time() + within
        while self.active:
            if self.current():
                return True
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.25)
        return False

    async def _late_job(self, context: Any) -> None:
        if not await self.still_leading():
            return
        user = self.store.digest_settings(context.job.user_id)
        if user is None or user.at is None or not user.active:
            return
        await self.deliver(user, datetime.fromisoformat(context.job.data))

    # -- delivery

    async def deliver(
        self,
        user: DigestSettings,
        slot: datetime,
        *,
        key: str | None = None,
        scheduled: bool = True,
        reply_to: int | None = None,
    ) -> str:
        """Send the digest for (user, slot) unless it was sent; its final status."""
        if scheduled and self.on_late is not None:
            self.on_late((self.clock() - slot).total_seconds())
        key = key or delivery_key(user.user_id, slot)
        running = self._inflight.get(key)
        if running is not None:  # the same digest already on its way (a late job and a tick)
            return await asyncio.shield(running)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            async with self._gate:
                status = await self._deliver(user, slot, key, scheduled, reply_to)
            future.set_result(status)
            return status
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the caller gets it raised
            raise
        finally:
            del self._inflight[key]

    async def _deliver(
        self,
        user: DigestSettings,
        slot: datetime,
        key: str,
        scheduled: bool,
        reply_to: int | None = None,
    ) -> str:
        delivery = self.store.get_delivery(key)
        if delivery is None:
            until = self.clock() if not scheduled else min(self.clock(), slot + CATCH_UP)
            composed = await off_loop(
                functools.partial(compose, scheduled=scheduled), self.store, user, until
            )
            delivery = await off_loop(  # commits (fsync) stay off the event loop
                self.store.begin_digest,
                key,
                user.user_id,
                iso(slot),
                iso(until),
                composed.parts,
                composed.article_ids,
            )
        if delivery.status != "pending":
            return delivery.status
        with background_lane() if scheduled else contextlib.nullcontext():
            for index in range(delivery.parts_sent, len(delivery.parts)):
                if scheduled and not await self.still_leading():  # the new leader resumes
                    return delivery.status
                html, stories = decode_part(delivery.parts[index])
                try:
                    await self.bot.send_message(
                        user.chat_id,
                        html,
                        reply_markup=story_keyboard(stories),
                        reply_parameters=(
                            ReplyParameters(reply_to, allow_sending_without_reply=True)
                            if reply_to is not None and index == 0
                            else None
                        ),
                    )
                except Forbidden:
                    logger.info("user %s blocked the bot: digests paused", user.user_id)
                    self.store.set_user_active(user.user_id, False)
                    self.store.finish_digest(key, "blocked")
                    return "blocked"
                if index + 1 < len(delivery.parts):
                    await off_loop(self.store.digest_part_sent, key, index + 1)
        status = "sent" if delivery.parts else "empty"
        await off_loop(self.store.finish_digest, key, status)
        return status

    async def send_now(
        self, user: DigestSettings, update_id: int, reply_to: int | None = None
    ) -> str:
        """``/digest``: one digest now, which also moves the watermark."""
        now = self.clock()
        return await self.deliver(
            user, now, key=f"{user.user_id}@now:{update_id}", scheduled=False, reply_to=reply_to
        )
