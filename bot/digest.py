"""Scheduled digests: when each user gets one, what it holds, and sending it exactly once.

* **When.** A user's digest time is a local ``HH:MM`` in their zone (an IANA
  zone, ``UTC`` or a fixed offset), daily, on weekdays or weekly (Mondays).
  :func:`next_slot` and :func:`previous_slot` turn that into instants with
  ``zoneinfo``, so 08:00 Europe/Kyiv stays 08:00 local across daylight-saving
  changes; a local time that does not exist on a spring-forward day moves on by
  the gap (03:30 becomes 04:30). Each user has one PTB JobQueue job, named after
  the chat and replaced on every change (``run_once`` at the next slot, which
  schedules the one after as it runs). :meth:`Digests.rebuild` recreates them
  from the store at start, and sends at once a digest missed while the bot was
  down when it is less than an hour late.
* **What.** The articles stored since the user's last digest (the watermark
  ``since``), from their watched sources or from all when they watch none, and
  not already in one of their digests. Articles that tell the same story
  (same link, or near-identical titles or summaries) are merged into one story
  that lists every source; the stories that most sources carried come first,
  then the freshest. Keyword filters (``/filter +word -word``) keep or drop
  whole stories, matching whole words and phrases on titles and summaries,
  ignoring case and accents. User text is never a regular expression.
* **Exactly once.** A digest is keyed ``<user>@<slot>``. Before the first
  message its parts are written down as *pending* (so a restart resends the very
  same messages), each part sent is recorded, and the end is recorded in the
  transaction that marks its articles delivered and moves the watermark. A crash
  leaves a pending row that the next start finishes; a finished key is never
  sent again. The one message that can go out twice is one Telegram accepted in
  the milliseconds before the bot died and recorded it, since the Bot API has no
  idempotency key of its own. A user who blocked the bot (403) is paused
  (marked inactive) until they write again.
* **At Telegram's pace.** Digest sends run in the *background lane*
  (:data:`LANE`): the rate limiter in :mod:`bot.app` serves replies to users
  before them, and at most ``concurrency`` digests are composed or in flight at
  a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from apscheduler.jobstores.base import JobLookupError
from telegram import ReplyParameters
from telegram.error import Forbidden

from summarizer.store import DigestCandidate, DigestSettings, Store
from summarizer.urls import normalize_url
from summarizer.watch import off_loop

from . import i18n, texts
from .render import split_html

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, Job, JobQueue

logger = logging.getLogger(__name__)

DEFAULT_TIME = "08:00"
MAX_STORIES = 15  # stories in one digest; the rest are counted in a last line
SUMMARY_SENTENCES = 3
MAX_CANDIDATES = 400  # newest articles considered for one digest
CATCH_UP = timedelta(hours=1)  # a digest missed while down is sent when less late than this
MAX_FILTER_TERMS = 20
MAX_TERM_CHARS = 60
JOB_PREFIX = "digest:"
SYNC_EVERY = 30.0  # seconds: how soon the leader follows subscriptions changed elsewhere

#: "reply" for everything a user is waiting for; "digest" while a digest is sent.
LANE: ContextVar[str] = ContextVar("newsbot_send_lane", default="reply")


@contextlib.contextmanager
def background_lane() -> Iterator[None]:
    token = LANE.set("digest")
    try:
        yield
    finally:
        LANE.reset(token)


# -- when ---------------------------------------------------------------------------------


_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_OFFSET = re.compile(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?([0-5]\d))?", re.IGNORECASE)


def zone_of(name: str | None, default: str = "UTC") -> tzinfo:
    """The tzinfo for a stored zone name (see handlers.parse_zone); UTC if unusable."""
    from .handlers import parse_zone

    return parse_zone(name or default) or parse_zone(default) or UTC


def _days(frequency: str) -> frozenset[int]:
    if frequency == "weekdays":
        return frozenset(range(5))
    if frequency == "weekly":
        return frozenset({0})  # Mondays
    return frozenset(range(7))


def _local_slot(day: date, at: time, zone: tzinfo) -> datetime:
    # a wall time skipped by a DST change comes out shifted by the gap (fold=0)
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def _parse_at(at: str) -> time:
    hours, minutes = at.split(":")
    return time(int(hours), int(minutes))


def _slots_around(
    at: str, zone: tzinfo, frequency: str, moment: datetime, span: int = 8
) -> list[datetime]:
    local_day = moment.astimezone(zone).date()
    days = _days(frequency)
    clock = _parse_at(at)
    out = []
    for offset in range(-span, span + 1):
        day = local_day + timedelta(days=offset)
        if day.weekday() in days:
            out.append(_local_slot(day, clock, zone))
    return sorted(set(out))


def next_slot(at: str, zone: tzinfo, frequency: str, after: datetime) -> datetime:
    """The first scheduled instant strictly after ``after`` (UTC)."""
    return min(s for s in _slots_around(at, zone, frequency, after) if s > after)


def previous_slot(at: str, zone: tzinfo, frequency: str, now: datetime) -> datetime:
    """The last scheduled instant at or before ``now`` (UTC)."""
    return max(s for s in _slots_around(at, zone, frequency, now) if s <= now)


def period(frequency: str) -> timedelta:
    """How far back a first digest looks."""
    return timedelta(days=7) if frequency == "weekly" else timedelta(days=1)


def _plan(user: DigestSettings) -> tuple[str, str | None, str]:
    """What a user's digest job depends on: time, zone, frequency."""
    return (user.at or "", user.tz, user.frequency)


def delivery_key(user_id: int, slot: datetime | str) -> str:
    stamp = slot if isinstance(slot, str) else _iso(slot)
    return f"{user_id}@{stamp}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# -- filters ------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Société" → "societe", "Ёлка" → "елка"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold(text)))


_FILTER_TERM = re.compile(r"\s*([+-])\s*(?:\"([^\"]+)\"|“([^”]+)”|«([^»]+)»|([^\s\"“«]+))")


@dataclass
class FilterChange:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    clear: bool = False


def parse_filter(text: str) -> FilterChange:
    """``+word -word +"a phrase"`` or ``clear``. ValueError(html reply) on anything else."""
    body = text.strip()
    if body.lower() in {"clear", "off", "reset", "none"}:
        return FilterChange(clear=True)
    change = FilterChange()
    position = 0
    while position < len(body):
        match = _FILTER_TERM.match(body, position)
        if not match:
            raise ValueError(texts.filter_usage(body[position:].strip()))
        term = " ".join(next(g for g in match.groups()[1:] if g is not None).split())
        if not words(term) or len(term) > MAX_TERM_CHARS:
            raise ValueError(texts.filter_usage(term))
        (change.include if match.group(1) == "+" else change.exclude).append(term)
        position = match.end()
        while position < len(body) and body[position].isspace():
            position += 1
    return change


def apply_filter_change(
    include: Sequence[str], exclude: Sequence[str], change: FilterChange
) -> tuple[list[str], list[str]]:
    """The new (include, exclude): a term moves to the list it was last given with."""
    if change.clear:
        return [], []
    new_include, new_exclude = list(include), list(exclude)
    for term, target, other in [(t, new_include, new_exclude) for t in change.include] + [
        (t, new_exclude, new_include) for t in change.exclude
    ]:
        key = words(term)
        other[:] = [t for t in other if words(t) != key]
        if all(words(t) != key for t in target):
            target.append(term)
    if len(new_include) + len(new_exclude) > MAX_FILTER_TERMS:
        raise ValueError(texts.too_many_filters(MAX_FILTER_TERMS))
    return new_include, new_exclude


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return False
    size = len(needle)
    first = needle[0]
    return any(
        haystack[i] == first and haystack[i : i + size] == needle
        for i in range(len(haystack) - size + 1)
    )


class KeywordFilter:
    """Whole words and phrases, case- and accent-insensitive. Never a regular expression."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self.include = [words(t) for t in include if words(t)]
        self.exclude = [words(t) for t in exclude if words(t)]

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def allows(self, texts_: Sequence[str]) -> bool:
        tokens = [words(t) for t in texts_ if t]
        if any(_contains(t, term) for term in self.exclude for t in tokens):
            return False
        if self.include:
            return any(_contains(t, term) for term in self.include for t in tokens)
        return True


# -- what ---------------------------------------------------------------------------------


@dataclass
class Story:
    """One story told by one or more articles (near-duplicates merged)."""

    members: list[DigestCandidate]

    @property
    def lead(self) -> DigestCandidate:
        # the fullest telling: most summary sentences, then the first stored
        return max(self.members, key=lambda c: (len(c.stored.summary), -c.stored.id))

    @property
    def sources(self) -> list[tuple[str, str]]:
        """(name, link) of every source that carried the story, without repeats."""
        seen: dict[str, str] = {}
        for member in sorted(self.members, key=lambda c: c.stored.id):
            url = member.stored.article.url or ""
            names = [source_name(*s) for s in member.sources] or [_site(member)]
            for name in names:
                if name and name not in seen:
                    seen[name] = url
        return list(seen.items())

    @property
    def newest(self) -> str:
        return max(c.stored.ingested_at for c in self.members)

    def texts(self) -> list[str]:
        out: list[str] = []
        for member in self.members:
            out.append(member.stored.article.title or "")
            out.extend(member.stored.summary)
        return out


def source_name(kind: str, key: str, url: str) -> str:
    if kind == "channel":
        return f"@{key}"
    if kind == "admin":
        tail = url.rstrip("/").rsplit("/", 1)[-1]
        if tail and not tail.lstrip("-").isdigit() and tail != "c":
            return f"@{tail}"
        return texts.UNNAMED_CHANNEL
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _site(member: DigestCandidate) -> str:
    article = member.stored.article
    if article.site:
        return article.site
    host = urlsplit(article.url or "").hostname or ""
    return host.removeprefix("www.")


_STOP = frozenset(
    "the a an and or of to in on for at by with from as is are was were be has have had "
    "it its this that after over into about new says said и в во на с со по за из к от для "
    "о об что как не а но і та у з до від".split()
)


def _title_set(member: DigestCandidate) -> frozenset[str]:
    return frozenset(w for w in words(member.stored.article.title or "") if w not in _STOP)


def _shingles(member: DigestCandidate) -> frozenset[tuple[str, ...]]:
    tokens = words(" ".join(member.stored.summary[:SUMMARY_SENTENCES]))
    return frozenset(tokens[i : i + 3] for i in range(max(0, len(tokens) - 2)))


def _similar(a: frozenset[Any], b: frozenset[Any], threshold: float, minimum: int) -> bool:
    if len(a) < minimum or len(b) < minimum:
        return False
    shared = len(a & b)
    return shared >= minimum and shared / len(a | b) >= threshold


def group_stories(candidates: Sequence[DigestCandidate]) -> list[Story]:
    """Merge articles that tell the same story, most important (sources, freshness) first."""
    parent = list(range(len(candidates)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_url: dict[str, int] = {}
    for index, member in enumerate(candidates):
        url = member.stored.article.url
        if url:
            key = normalize_url(url)
            if key in by_url:
                join(index, by_url[key])
            else:
                by_url[key] = index
    titles = [_title_set(c) for c in candidates]
    shingles = [_shingles(c) for c in candidates]
    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            if root(i) == root(j):
                continue
            if _similar(titles[i], titles[j], 0.6, 3) or _similar(shingles[i], shingles[j], 0.4, 4):
                join(i, j)
    groups: dict[int, list[DigestCandidate]] = {}
    for index, member in enumerate(candidates):
        groups.setdefault(root(index), []).append(member)
    stories = [Story(members) for members in groups.values()]
    stories.sort(key=lambda s: s.newest, reverse=True)
    stories.sort(key=lambda s: len(s.sources), reverse=True)  # stable: freshness breaks ties
    return stories


@dataclass
class Composed:
    parts: list[str]
    article_ids: list[int]
    stories: int


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
    start = since or user.since or _iso(until - period(user.frequency))
    candidates = store.digest_candidates(user.user_id, start, _iso(until), MAX_CANDIDATES)
    keywords = KeywordFilter(user.include, user.exclude)
    stories = [s for s in _grouped(candidates) if not keywords or keywords.allows(s.texts())]
    if not stories:
        if scheduled and user.skip_empty:
            return Composed([], [], 0)
        return Composed([texts.digest_nothing_new(bool(keywords))], [], 0)
    shown = stories[:MAX_STORIES]
    articles = sum(len(s.members) for s in shown)
    blocks = [texts.digest_header(articles, len(shown))]
    for story in shown:
        lead = story.lead.stored
        blocks.append(
            texts.digest_story(
                lead.article.title or "",
                lead.summary[:SUMMARY_SENTENCES],
                lead.article.url,
                story.sources,
            )
        )
    if len(stories) > len(shown):
        blocks.append(texts.digest_more(len(stories) - len(shown)))
    ids = sorted({m.stored.id for s in shown for m in s.members})
    return Composed(split_html("\n\n".join(blocks)), ids, len(shown))


def _grouped(candidates: list[DigestCandidate]) -> list[Story]:
    # subscribers with the same sources and watermark share the work (a fan-out hits this)
    key = tuple(c.stored.id for c in candidates)
    index = {c.stored.id: c for c in candidates}
    return [Story([index[i] for i in ids]) for ids in _grouped_ids(key, _CandidateBag(candidates))]


class _CandidateBag:
    """Carries the candidates into the cache without making them part of its key."""

    def __init__(self, candidates: list[DigestCandidate]) -> None:
        self.candidates = candidates

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _CandidateBag)


@lru_cache(maxsize=64)
def _grouped_ids(key: tuple[int, ...], bag: _CandidateBag) -> list[list[int]]:
    return [[m.stored.id for m in s.members] for s in group_stories(bag.candidates)]


# -- sending ---------------------------------------------------------------------------------


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
    ) -> None:
        self.application = application
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
            data=_iso(slot),
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
                    data=_iso(missed),
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
                _iso(slot),
                _iso(until),
                composed.parts,
                composed.article_ids,
            )
        if delivery.status != "pending":
            return delivery.status
        with background_lane() if scheduled else contextlib.nullcontext():
            for index in range(delivery.parts_sent, len(delivery.parts)):
                if scheduled and not await self.still_leading():  # the new leader resumes
                    return delivery.status
                try:
                    await self.bot.send_message(
                        user.chat_id,
                        delivery.parts[index],
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
