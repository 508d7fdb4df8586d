"""The texts of the time-zone picker: its message, its buttons and its question.

In the reader's language (see bot.i18n), from the same catalogue as :mod:`bot.texts`.
A digest is never started in a zone the user did not choose: the picker offers the
zones common for the user's language and asks for a city or UTC offset otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .i18n import N_
from .i18n import gettext as _
from .render import esc
from .schedule import zone_of

# the cities on the buttons, in the reader's language ("Kyiv": Киев, Київ)
_CITIES = {
    "Europe/Kyiv": N_("Kyiv"),
    "Europe/Warsaw": N_("Warsaw"),
    "Europe/Berlin": N_("Berlin"),
    "Europe/London": N_("London"),
    "Europe/Moscow": N_("Moscow"),
    "Europe/Minsk": N_("Minsk"),
    "Asia/Yekaterinburg": N_("Yekaterinburg"),
    "Asia/Almaty": N_("Almaty"),
    "Asia/Novosibirsk": N_("Novosibirsk"),
    "America/New_York": N_("New York"),
    "America/Chicago": N_("Chicago"),
    "America/Los_Angeles": N_("Los Angeles"),
    "Asia/Kolkata": N_("Kolkata"),
    "Australia/Sydney": N_("Sydney"),
}
_DIGEST_AT = {
    "daily": N_("A daily digest at {at}"),
    "weekdays": N_("A weekday digest at {at}"),
    "weekly": N_("A weekly digest (Mondays) at {at}"),
}


def _offset(zone: str, now: datetime | None = None) -> str:
    """The zone's offset from UTC now: "UTC", "UTC+3", "UTC+5:45", "UTC-5"."""
    moment = (now or datetime.now(UTC)).astimezone(zone_of(zone))
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def zone_label(zone: str, now: datetime | None = None) -> str:
    """A zone on a button (plain text): "Kyiv (UTC+3)", "UTC"."""
    city = _CITIES.get(zone)
    name = _(city) if city else zone.rsplit("/", 1)[-1].replace("_", " ")
    shift = _offset(zone, now)
    return name if name == shift else f"{name} ({shift})"


def _digest_at(at: str, frequency: str) -> str:
    return _(_DIGEST_AT.get(frequency, _DIGEST_AT["daily"])).format(at=at)


def zone_picker(at: str, frequency: str) -> str:
    """The message above the zone buttons (HTML)."""
    return _(
        "<b>{digest}, your time: which time zone are you in?</b>\n"
        "Pick it below, or press the last button and send me your city or UTC offset."
    ).format(digest=esc(_digest_at(at, frequency)))


def zone_ask(at: str, frequency: str) -> str:
    """The question the user replies to with a city or offset (plain text, no markup:
    :mod:`bot.handlers.prompts` recognizes it by its text)."""
    return _(
        "{digest}: which city are you in, or what is your UTC offset? Reply with it, "
        "for example: Kyiv, London or UTC+2."
    ).format(digest=_digest_at(at, frequency))


def zone_placeholder() -> str:
    return _("a city or UTC+2")


def button_other_zone() -> str:
    return _("🌍 Another: send me a city or UTC offset")


def button_zone(zone: str) -> str:
    """The /settings button that opens the picker (plain text)."""
    return _("🌍 Time zone: {zone}").format(zone=zone_label(zone))


def choose_zone() -> str:
    """The answer to a press that opens the picker (a toast: plain text)."""
    return _("Choose your time zone.")
