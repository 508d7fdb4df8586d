"""When: digest times, time zones and subscriptions, parsed and turned into instants.

A user's digest time is a local ``HH:MM`` in their zone (an IANA zone, ``UTC``
or a fixed offset ``UTC±H[:MM]``), daily, on weekdays or weekly (Mondays).
:func:`next_slot` and :func:`previous_slot` turn that into instants with
``zoneinfo``, so 08:00 Europe/Kyiv stays 08:00 local across daylight-saving
changes; a local time that does not exist on a spring-forward day moves on by
the gap (03:30 becomes 04:30). Users write times and zones as people do:
:func:`parse_time` reads "8am", "20.30" and "8 утра", :func:`find_zone` "Kyiv",
"New York", "Київ" and "UTC +2". Pure functions: no store, no Telegram.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from summarizer import BadInput
from summarizer.store import DIGEST_FREQUENCIES

DEFAULT_TIME = "08:00"


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


def parse_subscription(
    args: list[str], default_zone: str | None, *, at: str = DEFAULT_TIME, frequency: str = "daily"
) -> tuple[str, str | None, str]:
    """``[TIME] [ZONE] [daily|weekdays|weekly]`` → ("HH:MM", zone or None, frequency).

    TIME is ``08:00``, ``8:30``, ``20.30``, ``8am``, ``8 pm``, ``8 утра``, ``9 вечора``;
    ZONE an IANA name, ``UTC±H[:MM]`` or a city (:func:`find_zone`), in any order. What
    is not given is ``at``, ``frequency`` and ``default_zone`` (None: the zone is not
    known, and the caller asks for it). A BadInput names what cannot be used by its code
    (:func:`texts.subscribe_failed` says it).
    """
    if len(args) > 6:
        raise BadInput("chat.subscribe_usage")
    zone_words: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word.lower() in DIGEST_FREQUENCIES:
            frequency = word.lower()
        elif word[:1].isdigit():
            following = args[index + 1] if index + 1 < len(args) else ""
            if following.lower() in _MERIDIEMS:
                word, index = f"{word} {following}", index + 1
            at = parse_time(word)
        else:
            zone_words.append(word)
        index += 1
    if not zone_words:
        return at, default_zone, frequency
    asked = " ".join(zone_words)
    zone = find_zone(asked)
    if zone is None:
        raise BadInput("chat.subscribe_zone", value=asked)
    return at, zone, frequency


_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([^\d\s:.][^\s]*)?")
# the words after an hour that say which half of the day it is (en, ru, uk): am, pm,
# and the Russian and Ukrainian morning, afternoon, evening and night
_MERIDIEMS = {
    "am": "am",
    "a.m.": "am",
    "pm": "pm",
    "p.m.": "pm",
    "утра": "am",
    "ранку": "am",
    "дня": "day",
    "вечера": "pm",
    "вечора": "pm",
    "ночи": "night",
    "ночі": "night",
}


def parse_time(text: str) -> str:
    """A time of day as people write it → "HH:MM": 08:00, 8:30, 20.30, 8am, 12 pm, 8 утра,
    3 дня, 11 ночи, 9 вечора. A BadInput ("chat.subscribe_time") for anything else."""
    match = _CLOCK.fullmatch(text.strip().lower())
    if match is None:
        raise BadInput("chat.subscribe_time", value=text)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    word = match.group(3)
    half = _MERIDIEMS.get(word) if word else None
    if (word and half is None) or minutes > 59:
        raise BadInput("chat.subscribe_time", value=text)
    if half is not None:
        if not 1 <= hours <= 12:
            raise BadInput("chat.subscribe_time", value=text)
        if half == "am":
            hours %= 12
        elif half == "pm" or (half == "day" and hours < 7):
            hours = hours % 12 + 12
        elif half == "night":
            hours %= 12  # 12 at night is midnight, 11 at night 23:00, 2 at night 02:00
            hours += 12 if hours >= 6 else 0
    if hours > 23:
        raise BadInput("chat.subscribe_time", value=text)
    return f"{hours:02d}:{minutes:02d}"


# cities as people write them in en, ru and uk where their name is not the one the zone
# database uses (it knows Kyiv, London, New_York: see _zones_by_city)
CITIES = {
    "kiev": "Europe/Kyiv",
    "київ": "Europe/Kyiv",
    "киев": "Europe/Kyiv",
    "kharkiv": "Europe/Kyiv",
    "харків": "Europe/Kyiv",
    "харьков": "Europe/Kyiv",
    "odesa": "Europe/Kyiv",
    "odessa": "Europe/Kyiv",
    "одеса": "Europe/Kyiv",
    "одесса": "Europe/Kyiv",
    "lviv": "Europe/Kyiv",
    "львів": "Europe/Kyiv",
    "львов": "Europe/Kyiv",
    "dnipro": "Europe/Kyiv",
    "дніпро": "Europe/Kyiv",
    "днепр": "Europe/Kyiv",
    "москва": "Europe/Moscow",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "санкт-петербург": "Europe/Moscow",
    "петербург": "Europe/Moscow",
    "мінськ": "Europe/Minsk",
    "минск": "Europe/Minsk",
    "варшава": "Europe/Warsaw",
    "берлін": "Europe/Berlin",
    "берлин": "Europe/Berlin",
    "лондон": "Europe/London",
    "париж": "Europe/Paris",
    "нью-йорк": "America/New_York",
    "чикаго": "America/Chicago",
    "лос-анджелес": "America/Los_Angeles",
    "калькутта": "Asia/Kolkata",
    "колката": "Asia/Kolkata",
    "сидней": "Australia/Sydney",
    "сідней": "Australia/Sydney",
    "єкатеринбург": "Asia/Yekaterinburg",
    "екатеринбург": "Asia/Yekaterinburg",
    "новосибірськ": "Asia/Novosibirsk",
    "новосибирск": "Asia/Novosibirsk",
    "алмати": "Asia/Almaty",
    "алматы": "Asia/Almaty",
    "астана": "Asia/Almaty",
    "тбілісі": "Asia/Tbilisi",
    "тбилиси": "Asia/Tbilisi",
    "ташкент": "Asia/Tashkent",
    "кишинів": "Europe/Chisinau",
    "кишинев": "Europe/Chisinau",
    "вільнюс": "Europe/Vilnius",
    "вильнюс": "Europe/Vilnius",
    "рига": "Europe/Riga",
    "таллінн": "Europe/Tallinn",
    "таллин": "Europe/Tallinn",
    "прага": "Europe/Prague",
}
_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@functools.cache
def _zones_by_city() -> dict[str, str]:
    """The zone database's cities ("new york" → America/New_York), and its zone names in
    lower case ("europe/kyiv" → Europe/Kyiv); a city in two zones keeps the shorter name."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones(), key=lambda n: (n.count("/"), n)):
        if name.split("/", 1)[0] not in _AREAS:
            continue
        found.setdefault(name.lower(), name)
        found.setdefault(name.rsplit("/", 1)[-1].replace("_", " ").lower(), name)
    return found


def find_zone(text: str) -> str | None:
    """The zone a user means by ``text`` (normalized, see :func:`normalize_zone`): an IANA
    name in any case, ``UTC``, ``UTC+2`` or ``GMT -5:30``, or a city ("Kyiv", "New York",
    "Київ", "Москва"); None when it is none of those."""
    text = " ".join(text.split())
    if len(text) > 64:
        return None
    squeezed = text.replace(" ", "")
    if _OFFSET.fullmatch(squeezed) or squeezed.upper() in {"UTC", "GMT", "Z"}:
        return normalize_zone(squeezed) if parse_zone(squeezed) is not None else None
    if parse_zone(text) is not None:
        return normalize_zone(text)
    key = text.lower().replace("_", " ")
    return CITIES.get(key) or _zones_by_city().get(key) or _zones_by_city().get(text.lower())


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
