"""When: digest times, time zones and subscriptions, parsed and turned into instants.

A user's digest time is a local ``HH:MM`` in their zone (an IANA zone, ``UTC``
or a fixed offset ``UTC±H[:MM]``), daily, on weekdays or weekly (Mondays).
:func:`next_slot` and :func:`previous_slot` turn that into instants with
``zoneinfo``, so 08:00 Europe/Kyiv stays 08:00 local across daylight-saving
changes; a local time that does not exist on a spring-forward day moves on by
the gap (03:30 becomes 04:30). Pure functions: no store, no Telegram.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from summarizer import BadInput
from summarizer.store import DIGEST_FREQUENCIES

DEFAULT_TIME = "08:00"


_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_OFFSET = re.compile(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?([0-5]\d))?", re.IGNORECASE)


def zone_of(name: str | None, default: str = "UTC") -> tzinfo:
    """The tzinfo for a stored zone name (see :func:`parse_zone`); UTC if unusable."""
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


def delivery_key(user_id: int, slot: datetime | str) -> str:
    stamp = slot if isinstance(slot, str) else iso(slot)
    return f"{user_id}@{stamp}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_subscription(args: list[str], default_zone: str) -> tuple[str, str, str]:
    """``[HH:MM] [ZONE] [daily|weekdays|weekly]`` → ("HH:MM", zone, frequency).

    A BadInput names what cannot be used by its code (:func:`texts.subscribe_failed` says it).
    """
    if len(args) > 3:
        raise BadInput("chat.subscribe_usage")
    at, zone, frequency = DEFAULT_TIME, default_zone, "daily"
    for arg in args:
        if arg[:1].isdigit():
            match = _TIME.fullmatch(arg)
            if not match:
                raise BadInput("chat.subscribe_time", value=arg)
            at = f"{int(match.group(1)):02d}:{match.group(2)}"
        elif arg.lower() in DIGEST_FREQUENCIES:
            frequency = arg.lower()
        else:
            zone = arg
    if parse_zone(zone) is None:
        raise BadInput("chat.subscribe_zone", value=zone)
    return at, normalize_zone(zone), frequency


def parse_zone(name: str) -> tzinfo | None:
    """An IANA zone, ``UTC`` or ``UTC±H[:MM]`` (up to ±14:00); None when it is none of those."""
    if len(name) > 64:
        return None
    if name.upper() in {"UTC", "GMT", "Z"}:
        return UTC
    match = _OFFSET.fullmatch(name)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours * 60 + minutes > 14 * 60:
            return None
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*", name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def normalize_zone(name: str) -> str:
    match = _OFFSET.fullmatch(name)
    if match:
        return f"UTC{match.group(1)}{int(match.group(2)):02d}:{match.group(3) or '00'}"
    return "UTC" if name.upper() in {"UTC", "GMT", "Z"} else name
