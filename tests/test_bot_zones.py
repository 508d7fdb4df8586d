"""Time zones (issue 16, finding 8), through the Bot API stand-in, in en, uk and ru.

A bare /subscribe and the "Start a digest" button subscribed a Ukrainian user at 08:00
UTC without a word about zones. Now a digest starts only in a zone the user chose: the
zone picker offers the zones common for the user's language, and "send me a city or
UTC offset" asks with a ForceReply; /subscribe understands "8am", "8:00 Kyiv",
"20:30 UTC+2" and "8 утра".
"""

from __future__ import annotations

import pytest

from bench.digest_fanout import LimitedStandIn
from bot.schedule import find_zone, parse_subscription, parse_time
from summarizer import BadInput
from tests.helpers.botapi import Sent
from tests.test_bot import Harness
from tests.test_bot_use import EN, RU, UK, buttons, say  # noqa: F401 (a fixture)

PICKER = {
    "en": (
        "A daily digest at 08:00, your time: which time zone are you in?",
        "UTC",
        "Saved. Next digest:",
        "When: a daily digest at 08:00 (UTC)",
    ),
    "uk": (
        "Щоденний дайджест о 08:00 за вашим часом: у якому ви часовому поясі?",
        "Europe/Kyiv",
        "Збережено. Наступний дайджест:",
        "Коли: щоденний дайджест о 08:00 (Europe/Kyiv)",
    ),
    "ru": (
        "Ежедневный дайджест в 08:00 по вашему времени: в каком вы часовом поясе?",
        "Europe/Moscow",
        "Сохранено. Следующий дайджест:",
        "Когда: ежедневный дайджест в 08:00 (Europe/Moscow)",
    ),
}
CHATS = {"en": EN, "uk": UK, "ru": RU}


def keyboard(api: LimitedStandIn, message: Sent) -> list[dict[str, str]]:
    return [b for row in api.markup(message.chat_id, message.message_id) for b in row]


async def press(api: LimitedStandIn, message: Sent, data: str) -> str:
    """Press a button under ``message``; the text of the bot's answer (a toast)."""
    answered = len(api.answers)
    await api.press(message.chat_id, message.message_id, data)
    await api.wait_for(lambda: len(api.answers) > answered, what=f"the answer to {data}")
    return str(api.answers[-1].get("text", ""))


def shown(api: LimitedStandIn, message: Sent) -> str:
    """The text ``message`` shows now (after its edits)."""
    return next(m for m in api.to_chat(message.chat_id) if m.message_id == message.message_id).text


async def shows(api: LimitedStandIn, message: Sent, text: str) -> None:
    """Wait until ``message`` is edited to show ``text`` (the edit follows the press's answer)."""
    await api.wait_for(lambda: text in shown(api, message), what=f"{text!r} shown")


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
async def test_a_bare_subscribe_and_the_digest_button_ask_for_the_zone_and_save_nothing(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
) -> None:
    api, harness = buttons
    store = harness.app.bot_data.store
    chat = CHATS[language]
    question, first_zone, saved, when = PICKER[language]

    async def ask(text: str, user: int = chat) -> Sent:
        return await api.reply(user, await say(harness, user, text, language))

    picker = await ask("/subscribe")
    assert picker.text.startswith(question), picker.text
    offered = keyboard(api, picker)
    # the zones common for the language first, then "send me a city or UTC offset"
    assert offered[0]["callback_data"] == f"dg:z:0800:daily:{first_zone}"
    assert offered[-1]["callback_data"] == "dg:zo:0800:daily"
    assert len(offered) >= 6
    settings = store.digest_settings(chat)
    assert settings is not None
    assert settings.at is None  # nothing started until a zone is chosen

    assert (await press(api, picker, offered[0]["callback_data"])).startswith(saved)
    settings = store.digest_settings(chat)
    assert settings is not None
    assert (settings.at, settings.tz, settings.frequency) == ("08:00", first_zone, "daily")
    await shows(api, picker, when)  # the picker became the settings, with their buttons
    assert "dg:t:15" in [b["callback_data"] for b in keyboard(api, picker)]

    # /settings' "Start a daily digest" button of a user who never chose a zone: the picker
    other = chat + 100
    empty = await ask("/settings", user=other)
    assert [b["callback_data"] for b in keyboard(api, empty)] == ["dg:sub"]
    assert not (await press(api, empty, "dg:sub")).startswith(saved)
    await shows(api, empty, question)
    assert keyboard(api, empty)[0]["callback_data"] == f"dg:z:0800:daily:{first_zone}"
    settings = store.digest_settings(other)
    assert settings is not None
    assert settings.at is None


ASK = {
    "en": (
        "A weekday digest at 07:30: which city are you in, or what is your UTC offset?",
        "New York",
        "Done: a weekday digest at 07:30 (America/New_York).",
        "I don't know the time zone Atlantis.",
    ),
    "uk": (
        "Дайджест у будні о 07:30: у якому ви місті або який у вас зсув від UTC?",
        "Київ",
        "Готово: дайджест у будні о 07:30 (Europe/Kyiv).",
        "Я не знаю часового поясу Атлантида.",
    ),
}


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_another_zone_is_asked_for_and_the_reply_a_city_or_offset_starts_the_digest(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
) -> None:
    api, harness = buttons
    store = harness.app.bot_data.store
    chat = CHATS[language]
    question, city, done, unknown = ASK[language]

    async def reply_to(asked: Sent, text: str) -> Sent:
        message_id = await api.say(
            chat, text, language_code=language, reply_to=api.as_reply_to(asked)
        )
        return await api.reply(chat, message_id)

    # a time without a zone: the picker, for that time and frequency
    picker = await api.reply(chat, await say(harness, chat, "/subscribe 7:30 weekdays", language))
    other = keyboard(api, picker)[-1]["callback_data"]
    assert other == "dg:zo:0730:weekdays"
    before = len(api.to_chat(chat))
    await press(api, picker, other)
    asked = (await api.wait_for(lambda: api.to_chat(chat)[before:], what="the question"))[0]
    assert asked.text.startswith(question), asked.text
    markup = next(
        p["reply_markup"]
        for m, p in reversed(api.calls)
        if m == "sendMessage" and str(p.get("text", "")).startswith(question)
    )
    assert markup["force_reply"] is True

    assert (await reply_to(asked, "Atlantis" if language == "en" else "Атлантида")).text.startswith(
        unknown
    )
    assert (await reply_to(asked, city)).text.startswith(done)
    settings = store.digest_settings(chat)
    assert settings is not None
    assert (settings.at, settings.frequency) == ("07:30", "weekdays")
    # an offset, with a time of its own: the reply's time wins
    answer = await reply_to(asked, "8:15 UTC+2")
    assert "08:15 (UTC+02:00)" in answer.text, answer.text


@pytest.mark.parametrize(
    ("language", "command", "expected"),
    [
        ("en", "/subscribe 8am Kyiv", "Done: a daily digest at 08:00 (Europe/Kyiv)."),
        ("en", "/subscribe 8:00 kyiv", "Done: a daily digest at 08:00 (Europe/Kyiv)."),
        ("en", "/subscribe 20:30 UTC+2", "Done: a daily digest at 20:30 (UTC+02:00)."),
        ("en", "/subscribe 7pm new york weekly", "Done: a weekly digest (Mondays) at 19:00"),
        ("ru", "/subscribe 8 утра Москва", "Готово: ежедневный дайджест в 08:00 (Europe/Moscow)."),
        ("ru", "/subscribe 9 вечера Киев", "Готово: ежедневный дайджест в 21:00 (Europe/Kyiv)."),
        ("uk", "/subscribe 8 ранку Київ", "Готово: щоденний дайджест о 08:00 (Europe/Kyiv)."),
        ("uk", "/subscribe 20.30 Львів", "Готово: щоденний дайджест о 20:30 (Europe/Kyiv)."),
    ],
)
async def test_subscribe_understands_times_and_zones_as_people_write_them(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    command: str,
    expected: str,
) -> None:
    api, harness = buttons
    chat = CHATS[language]
    reply = await api.reply(chat, await say(harness, chat, command, language))
    assert reply.text.startswith(expected), reply.text


async def test_a_known_zone_is_kept_and_the_settings_button_changes_it(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
) -> None:
    api, harness = buttons
    store = harness.app.bot_data.store

    async def ask(text: str) -> Sent:
        return await api.reply(UK, await say(harness, UK, text, "uk"))

    await ask("/subscribe 07:00 Europe/Kyiv")
    # a new time alone keeps the zone (it moved the user to UTC before)
    assert (await ask("/subscribe 09:00")).text.startswith(
        "Готово: щоденний дайджест о 09:00 (Europe/Kyiv)."
    )
    # unsubscribing keeps the zone: the next bare /subscribe starts at 08:00 there
    await ask("/unsubscribe")
    assert (await ask("/subscribe")).text.startswith(
        "Готово: щоденний дайджест о 08:00 (Europe/Kyiv)."
    )
    settings_message = await ask("/settings")
    zone_button = keyboard(api, settings_message)[-1]
    assert zone_button["callback_data"] == "dg:zp"
    assert zone_button["text"].startswith("🌍 Часовий пояс: Київ (UTC+")
    assert await press(api, settings_message, "dg:zp") == "Оберіть свій часовий пояс."
    await shows(api, settings_message, "у якому ви часовому поясі?")
    london = next(
        b for b in keyboard(api, settings_message) if b["callback_data"].endswith("Europe/London")
    )
    assert london["text"].startswith("Лондон (UTC")
    assert (await press(api, settings_message, london["callback_data"])).startswith("Збережено.")
    settings = store.digest_settings(UK)
    assert settings is not None
    assert (settings.at, settings.tz) == ("08:00", "Europe/London")  # the time kept
    await shows(api, settings_message, "Коли: щоденний дайджест о 08:00 (Europe/London)")


def test_times_and_zones_as_people_write_them() -> None:
    cases = {
        "08:00": "08:00",
        "8:30": "08:30",
        "20.30": "20:30",
        "8am": "08:00",
        "8 PM": "20:00",
        "12am": "00:00",
        "12pm": "12:00",
        "8 утра": "08:00",
        "3 дня": "15:00",
        "11 ночи": "23:00",
        "12 ночи": "00:00",
        "2 ночі": "02:00",
        "9 вечора": "21:00",
    }
    assert {text: parse_time(text) for text in cases} == cases
    for bad in ("24:00", "13pm", "0am", "8:60", "8x", "8 o'clock"):
        with pytest.raises(BadInput):
            parse_time(bad)
    zones = {
        "Kyiv": "Europe/Kyiv",
        "Kiev": "Europe/Kyiv",
        "europe/kyiv": "Europe/Kyiv",
        "New York": "America/New_York",
        "Київ": "Europe/Kyiv",
        "Москва": "Europe/Moscow",
        "UTC +2": "UTC+02:00",
        "gmt-5:30": "UTC-05:30",
        "Kathmandu": "Asia/Kathmandu",
    }
    assert {text: find_zone(text) for text in zones} == zones
    for bad in ("UTC+15", "../../etc/passwd", "Mars/Olympus", "Atlantis"):
        assert find_zone(bad) is None, bad
    assert parse_subscription(["8", "am", "New", "York", "weekdays"], None) == (
        "08:00",
        "America/New_York",
        "weekdays",
    )
    assert parse_subscription(["weekly"], None) == ("08:00", None, "weekly")
    assert parse_subscription(["7:30"], "Europe/Kyiv") == ("07:30", "Europe/Kyiv", "daily")
