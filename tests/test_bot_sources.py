"""Managing sources (issue 16, finding 7), through the Bot API stand-in, in en and ru.

``/unwatch 1`` was refused (the full URL had to be typed again) and ``/sources`` had
no remove buttons; a channel that does not exist was accepted and kept; a feed
reported as unreadable showed as "read" in ``/sources``; when an item's page could
not be fetched, the feed's own title and description were not kept either;
``/watch`` took one source a message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bench.digest_fanout import LimitedStandIn
from tests.helpers.botapi import Sent
from tests.helpers.channels import rss
from tests.helpers.pages import LoopbackServer, page
from tests.test_bot import Harness, make_settings, running, site_routes
from tests.test_bot_use import EN, RU, buttons, buttons_under, say  # noqa: F401 (a fixture)

FEED = "/feed.xml"


async def ask(harness: Harness, chat: int, text: str, language: str) -> Sent:
    return await harness.api.reply(chat, await say(harness, chat, text, language))


async def watched(harness: Harness, chat: int, text: str, language: str, name: str) -> None:
    """``/watch …`` said, and the first poll of ``name`` reported."""
    before = len(harness.api.to_chat(chat))
    await say(harness, chat, text, language)
    await harness.api.wait_for(
        lambda: [m for m in harness.api.to_chat(chat)[before:] if m.text.startswith(f"{name}: ")],
        what=f"the first poll of {name}",
    )


async def press(api: LimitedStandIn, chat: int, message: Sent, data: str) -> str:
    """Press a button under ``message``; the toast the bot answers with."""
    answered = len(api.answers)
    await api.press(chat, message.message_id, data)
    await api.wait_for(lambda: len(api.answers) > answered, what=f"the answer to {data}")
    return str(api.answers[-1].get("text", ""))


def now_shown(api: LimitedStandIn, message: Sent) -> str:
    """The text ``message`` shows now (after any edits)."""
    return next(m for m in api.to_chat(message.chat_id) if m.message_id == message.message_id).text


LISTS = {
    "en": (
        "Your sources (2 of 50):",
        "Stopped watching @somechannel.",
        "That source is not on your list any more: nothing was changed.",
        "This list is someone else's",
    ),
    "ru": (
        "Ваши источники (2 из 50):",
        "Больше не слежу за @somechannel.",
        "Этого источника уже нет в вашем списке: ничего не изменено.",
        "Это чужой список",
    ),
}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_sources_are_numbered_with_a_remove_button_each_and_a_stale_one_changes_nothing(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    chat: int,
) -> None:
    api, harness = buttons
    header, stopped, gone, theirs = LISTS[language]
    feed = harness.site.url(FEED)
    await watched(harness, chat, "/watch @somechannel", language, "@somechannel")
    await watched(harness, chat, f"/watch {feed}", language, feed)
    listing = await ask(harness, chat, "/sources", language)
    lines = listing.text.splitlines()
    assert lines[0] == header, listing.text
    assert lines[1].startswith("1. @somechannel (")
    assert lines[2].startswith(f"2. {feed} (")
    shown = buttons_under(api, listing)
    assert [b["text"] for b in shown] == ["✖ 1. @somechannel", f"✖ 2. {feed}"]
    store = harness.app.bot_data.store

    assert await press(api, chat, listing, shown[0]["callback_data"]) == stopped
    assert [s.url for s in store.user_sources(chat)] == [feed]
    # the message shows the list as it is now: the feed, numbered 1, with its one button
    await api.wait_for(
        lambda: now_shown(api, listing).splitlines()[1].startswith(f"1. {feed} ("),
        what="the list as it is now",
    )
    assert [b["callback_data"] for row in api.markup(chat, listing.message_id) for b in row] == [
        shown[1]["callback_data"]
    ]

    # the same button again (a second tap, or an old list): it says so and changes nothing
    assert (await press(api, chat, listing, shown[0]["callback_data"])).startswith(gone)
    assert [s.url for s in store.user_sources(chat)] == [feed]
    # someone else's button removes nothing of theirs
    other = shown[1]["callback_data"].replace(f"sr:{chat}:", f"sr:{chat + 1}:")
    assert (await press(api, chat, listing, other)).startswith(theirs)
    assert [s.url for s in store.user_sources(chat)] == [feed]


UNWATCH = {
    "en": (
        "Stopped watching {}.",
        "There is no source number 5: you watch 1. /sources lists it.",
        "You watch no sources, so there is no number 1 to stop.",
        "You were not watching @somechannel.",
    ),
    "ru": (
        "Больше не слежу за {}.",
        "Источника номер 5 нет: вы следите за 1 источником. /sources покажет список.",
        "Вы ни за чем не следите, так что источника номер 1 нет.",
        "Вы не следили за @somechannel.",
    ),
}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_unwatch_takes_the_number_sources_shows_and_the_url_as_before(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    chat: int,
) -> None:
    api, harness = buttons
    stopped, no_such, none_left, not_watching = UNWATCH[language]
    feed = harness.site.url(FEED)
    await watched(harness, chat, "/watch @somechannel", language, "@somechannel")
    await watched(harness, chat, f"/watch {feed}", language, feed)
    store = harness.app.bot_data.store

    # a bare /unwatch shows the list with its buttons
    bare = await ask(harness, chat, "/unwatch", language)
    assert bare.text.splitlines()[2].startswith(f"2. {feed} (")
    assert len(buttons_under(api, bare)) == 2
    assert (await ask(harness, chat, "/unwatch 2", language)).text == stopped.format(feed)
    assert [s.key for s in store.user_sources(chat)] == ["somechannel"]
    assert (await ask(harness, chat, "/unwatch 5", language)).text == no_such
    assert [s.key for s in store.user_sources(chat)] == ["somechannel"]
    assert (await ask(harness, chat, "/unwatch 1", language)).text == stopped.format("@somechannel")
    assert store.user_sources(chat) == []
    assert (await ask(harness, chat, "/unwatch 1", language)).text == none_left
    # the URL or name, as before
    await watched(harness, chat, f"/watch {feed}", language, feed)
    assert (await ask(harness, chat, f"/unwatch {feed}", language)).text == stopped.format(feed)
    reply = await ask(harness, chat, "/unwatch @somechannel", language)
    assert reply.text.startswith(not_watching), reply.text


SEVERAL = {
    "en": (
        "{}: 1 new article.",
        "Now watching {}. I am reading its latest posts…",
        "Send me at most 10 sources in one /watch",
    ),
    "ru": (
        "{}: 1 новая статья.",
        "Слежу за {}. Читаю последние публикации…",
        "Пришлите не больше 10 источников в одной команде /watch",
    ),
}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_watch_takes_several_sources_in_one_message(
    buttons: tuple[LimitedStandIn, Harness],  # noqa: F811 (the fixture)
    language: str,
    chat: int,
) -> None:
    api, harness = buttons
    read, watching, too_many = SEVERAL[language]
    feed = harness.site.url(FEED)
    message_id = await say(harness, chat, f"/watch @somechannel, {feed}", language)
    for name in ("@somechannel", feed):
        await api.wait_for(
            lambda n=name: [m for m in api.to_chat(chat) if m.text.startswith(read.format(n))],
            what=f"the first poll of {name}",
        )
    said = sorted(m.text for m in api.replies_to(chat, message_id))
    assert said == sorted(watching.format(n) for n in ("@somechannel", feed))
    store = harness.app.bot_data.store
    assert [s.url for s in store.user_sources(chat)] == [f"{harness.tme}/s/somechannel", feed]
    names = " ".join(f"@channel{n:02d}" for n in range(11))
    assert (await ask(harness, chat, f"/watch {names}", language)).text.startswith(too_many)
    assert len(store.user_sources(chat)) == 2


# -- a source that is none is refused at once -------------------------------------------------

NOT_A_PREVIEW = "<html><body><h1>Telegram</h1><p>Contact @nopreview</p></body></html>"


ITEMS = [  # (title, description, page): the pages answer 404 and 503
    (
        "Flood waters recede in the river valley",
        "Flood waters receded across the river valley on Friday, the regional "
        "emergency service said. Residents began returning to their homes as roads reopened.",
        "/gone.html",
    ),
    (
        "Паводок отступил в долине реки",
        "Вода в долине реки в пятницу отступила, сообщила региональная служба спасения. "
        "Жители начали возвращаться в свои дома, дороги снова открыты.",
        "/busy.html",
    ),
]


async def partial_feed(request: web.Request) -> web.Response:
    """A feed whose items' pages cannot be read; each item has a title and a description."""
    base = f"http://127.0.0.1:{request.url.port}"
    entries = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<description>{text}</description>"
        "<pubDate>Fri, 16 May 2025 10:00:00 GMT</pubDate></item>"
        for title, text, path in ITEMS
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Partial'
        f"</title><link>{base}/</link><description>news</description>{entries}</channel></rss>"
    )
    return web.Response(text=body, content_type="application/rss+xml")


async def dead_feed(request: web.Request) -> web.Response:
    """A feed whose one item's page is gone, with no text of its own to keep."""
    body = rss("Dead", [("Gone", f"http://127.0.0.1:{request.url.port}/gone.html")])
    return web.Response(text=body, content_type="application/rss+xml")


@pytest.fixture
async def odd_sites(tmp_path: Path) -> AsyncIterator[tuple[LimitedStandIn, Harness]]:
    """The bot, with a channel whose page is no preview, a feed that does not parse, and
    a feed whose server is down for now (503)."""
    routes = {
        **site_routes(),
        "/s/nopreview": page(NOT_A_PREVIEW),
        "/busy.html": page("busy", status=503, content_type="text/plain"),
        "/broken.xml": page(
            '<?xml version="1.0"?><error>quota exceeded</error>', content_type="application/rss+xml"
        ),
        "/down.xml": page("busy", status=503, content_type="text/plain"),
        "/partial.xml": partial_feed,
        "/dead.xml": dead_feed,
    }
    async with LimitedStandIn() as api, LoopbackServer(routes) as site:
        settings = make_settings(api, site, tmp_path / "bot.db")
        async with running(api, settings) as app:
            yield api, Harness(api, site, app, settings)
        assert api.refused == [], api.refused


REFUSED = {
    "en": (
        "Sorry: I cannot watch {name}: {reason}. It is not on your list.",
        "@nopreview has no public preview (the channel is private, restricted or does not exist)",
        "localhost answered 404 Not Found",
        "the document is not an RSS or Atom feed",
        "I could not read {name}: 127.0.0.1 answered 503 Service Unavailable. I will keep trying",
    ),
    "ru": (
        "Извините: я не могу следить за {name}: {reason}. В ваш список он не добавлен.",
        "у @nopreview нет публичного просмотра",
        "localhost ответил 404 Not Found",
        "документ не является лентой RSS или Atom",
        "Не удалось прочитать {name}: 127.0.0.1 ответил 503 Service Unavailable.",
    ),
}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_a_channel_without_preview_or_a_feed_that_does_not_parse_is_refused_at_once(
    odd_sites: tuple[LimitedStandIn, Harness], language: str, chat: int
) -> None:
    api, harness = odd_sites
    refused, no_preview, missing, no_feed, kept = REFUSED[language]
    broken, down = harness.site.url("/broken.xml"), harness.site.url("/down.xml")
    store = harness.app.bot_data.store
    for value, name, reason in (
        ("@nopreview", "@nopreview", no_preview),
        ("t.me/closedchannel", "@closedchannel", missing),  # the preview answers 404
        (broken, broken, no_feed),
    ):
        reply = await ask(harness, chat, f"/watch {value}", language)
        head, _, tail = refused.partition("{reason}")
        assert reply.text.startswith(head.format(name=name)), reply.text
        assert reason in reply.text, reply.text
        assert reply.text.endswith(tail), reply.text
        assert store.user_sources(chat) == []
        assert len(api.replies_to(chat, reply.reply_to or 0)) == 1  # no "Now watching"
    # a feed that fails for a reason that may pass is kept, and polled again
    reply = await ask(harness, chat, f"/watch {down}", language)
    assert reply.text.startswith(kept.format(name=down)), reply.text
    assert [s.url for s in store.user_sources(chat)] == [down]


KEPT = {"en": "{}: 2 new articles.", "ru": "{}: 2 новые статьи."}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_a_feed_item_whose_page_cannot_be_read_is_kept_from_the_feeds_own_text(
    odd_sites: tuple[LimitedStandIn, Harness], language: str, chat: int
) -> None:
    api, harness = odd_sites
    feed = harness.site.url("/partial.xml")
    await say(harness, chat, f"/watch {feed}", language)
    read = await api.wait_for(
        lambda: [m for m in api.to_chat(chat) if m.text.startswith(f"{feed}: ")],
        what="the first poll",
    )
    assert read[0].text.startswith(KEPT[language].format(feed)), read[0].text
    store = harness.app.bot_data.store
    for title, text, path in ITEMS:
        found = store.find_article(url=harness.site.url(path))
        assert found is not None, path
        stored = store.get_article(found)
        assert stored is not None
        assert stored.article.title == title
        assert stored.article.published is not None
        assert stored.article.published.startswith("2025-05-16")
        assert stored.summary[0] == text.split(". ")[0] + "."  # the feed's own sentences
    # and they are the user's to list, as any post of a source they watch
    latest = await ask(harness, chat, "/latest", language)
    assert all(title in latest.text for title, _, _ in ITEMS), latest.text


STATE = {
    "en": ("I could not read {}: 127.0.0.1 answered 404 Not Found.", "(failing: ", "(read "),
    "ru": ("Не удалось прочитать {}: 127.0.0.1 ответил 404 Not Found.", "(ошибка: ", "(прочитано "),
}


@pytest.mark.parametrize(("language", "chat"), [("en", EN), ("ru", RU)])
async def test_sources_shows_the_state_of_the_last_poll(
    odd_sites: tuple[LimitedStandIn, Harness], language: str, chat: int
) -> None:
    """A feed whose first poll was reported as unreadable showed as "read" in /sources."""
    api, harness = odd_sites
    unreadable, failing, read = STATE[language]
    dead, feed = harness.site.url("/dead.xml"), harness.site.url(FEED)
    await say(harness, chat, f"/watch {dead}", language)
    said = await api.wait_for(
        lambda: [m for m in api.to_chat(chat) if m.text.startswith(unreadable.format(dead))],
        what="the unreadable first poll",
    )
    assert said
    await watched(harness, chat, f"/watch {feed}", language, feed)
    lines = (await ask(harness, chat, "/sources", language)).text.splitlines()
    assert lines[1].startswith(f"1. {dead} {failing}"), lines
    assert "404" in lines[1]
    assert lines[2].startswith(f"2. {feed} {read}"), lines
