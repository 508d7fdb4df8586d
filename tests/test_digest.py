"""bot/digest.py without Telegram: slots across DST (a fixed clock), filters, grouping, and
the store's exactly-once bookkeeping. The bot-level tests are in test_digest_bot.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.digest import compose
from bot.render import visible_length
from bot.schedule import delivery_key, next_slot, parse_zone, previous_slot
from bot.stories import KeywordFilter, apply_filter_change, group_stories, parse_filter
from summarizer.article import Article
from summarizer.store import SQLiteStore, Store

KYIV = ZoneInfo("Europe/Kyiv")


def own(store: Store, user_id: int, *article_ids: int) -> None:
    """The user sent these articles' links: they are theirs, in their digests."""
    if store.get_user(user_id) is None:
        store.upsert_user(user_id, user_id, None)
    for article_id in article_ids:
        store.add_user_article(user_id, article_id)


def add_story(
    store: Store,
    title: str,
    summary: Sequence[str],
    url: str,
    *,
    source: tuple[str, str, str] | None = None,
    post: str | None = None,
) -> int:
    """Store an article (no NLP) and, with ``source``, the post that carried it."""
    article = Article(text=" ".join(summary) + f" {url}", url=url, title=title, site=None)
    result = store.add_article(article, list(summary), list(summary))
    if source is not None:
        stored, _ = store.add_source(*source)
        store.mark_post(stored.id, post or url, result.article_id)
    return result.article_id


# -- when: DST with a fixed clock ----------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_digest_at_0800_kyiv_stays_at_0800_local_across_both_dst_changes() -> None:
    # spring: 2030-03-31 03:00 EET -> 04:00 EEST; autumn: 2030-10-27 04:00 EEST -> 03:00 EET
    slots, moment = [], utc(2030, 3, 29, 12)
    for _ in range(4):
        moment = next_slot("08:00", KYIV, "daily", moment)
        slots.append(moment)
    assert slots == [
        utc(2030, 3, 30, 6),
        utc(2030, 3, 31, 5),
        utc(2030, 4, 1, 5),
        utc(2030, 4, 2, 5),
    ]
    assert {s.astimezone(KYIV).strftime("%H:%M") for s in slots} == {"08:00"}
    autumn = next_slot("08:00", KYIV, "daily", utc(2030, 10, 26, 5, 30))
    assert autumn == utc(2030, 10, 27, 6)
    assert autumn.astimezone(KYIV).strftime("%H:%M") == "08:00"
    # the instant before a slot, and the slot itself, count as "previous" correctly
    assert previous_slot("08:00", KYIV, "daily", utc(2030, 3, 31, 5)) == utc(2030, 3, 31, 5)
    assert previous_slot("08:00", KYIV, "daily", utc(2030, 3, 31, 4, 59)) == utc(2030, 3, 30, 6)


def test_a_time_skipped_by_the_spring_change_moves_on_by_the_gap_and_happens_once() -> None:
    new_york = ZoneInfo("America/New_York")  # 2030-03-10 02:00 EST -> 03:00 EDT
    slot = next_slot("02:30", new_york, "daily", utc(2030, 3, 9, 12))
    assert slot.astimezone(new_york).strftime("%d %H:%M") == "10 03:30"
    following = next_slot("02:30", new_york, "daily", slot)
    assert following.astimezone(new_york).strftime("%d %H:%M") == "11 02:30"
    # the repeated hour in autumn (01:30 happens twice): one digest, at the first
    slot = next_slot("01:30", new_york, "daily", utc(2030, 11, 2, 12))
    assert slot == utc(2030, 11, 3, 5, 30)
    assert next_slot("01:30", new_york, "daily", slot) == utc(2030, 11, 4, 6, 30)


def test_weekdays_weekly_and_fixed_offsets() -> None:
    friday = utc(2030, 3, 29, 12)  # a Friday, after 08:00 UTC
    assert next_slot("08:00", UTC, "weekdays", friday) == utc(2030, 4, 1, 8)  # Monday
    assert next_slot("08:00", UTC, "weekly", utc(2030, 4, 1, 8)) == utc(2030, 4, 8, 8)
    plus_545 = parse_zone("UTC+5:45")
    assert plus_545 is not None
    assert next_slot("08:00", plus_545, "daily", friday) == utc(2030, 3, 30, 2, 15)
    assert delivery_key(7, utc(2030, 3, 30, 2, 15)) == "7@2030-03-30T02:15:00+00:00"


# -- filters ----------------------------------------------------------------------------


def test_filters_match_whole_words_and_phrases_ignoring_case_and_accents() -> None:
    change = parse_filter('+café -Sanctions +"Central Bank" -«ценах на нефть»')
    assert change.include == ["café", "Central Bank"]
    assert change.exclude == ["Sanctions", "ценах на нефть"]
    keywords = KeywordFilter(change.include, change.exclude)
    assert keywords.allows(["A new CAFE opens", "Nothing else."])
    assert keywords.allows(["Rates", "The central  bank held rates."])
    assert not keywords.allows(["The central bank and new SANCTIONS"])  # excluded wins
    assert not keywords.allows(["Central banking news"])  # "banking" is not "bank"
    assert not keywords.allows(["Cafeteria"])  # whole words only
    assert not keywords.allows(["Центральный банк", "Говорили о ЦЕНАХ на нефть."])
    assert KeywordFilter([], ["sanctions"]).allows(["Sanctionsless world"])


def test_filter_text_is_never_a_regular_expression() -> None:
    keywords = KeywordFilter([], [parse_filter("-s.nctions").exclude[0]])
    assert keywords.allows(["New sanctions on oil"])  # "." is not a wildcard
    assert not keywords.allows(["S. Nctions is a name"])  # the words s, nctions in a row
    for bad in ("sanctions", "+", '-""', "+(((", "-" + "x" * 61):
        with pytest.raises(ValueError, match="/filter"):
            parse_filter(bad)


def test_filter_changes_move_terms_and_clear() -> None:
    include, exclude = apply_filter_change([], ["oil"], parse_filter("+Oil -war"))
    assert (include, exclude) == (["Oil"], ["war"])
    assert apply_filter_change(include, exclude, parse_filter("clear")) == ([], [])
    with pytest.raises(ValueError, match="more than 20"):
        apply_filter_change([], [], parse_filter(" ".join(f"-w{n}" for n in range(21))))


# -- what: grouping and composing --------------------------------------------------------


SANCTIONS = [
    "The EU agreed a new package of sanctions against Russian oil exports on Tuesday.",
    "The package bans imports of refined products from next year.",
    "Hungary dropped its objections after talks.",
]
SANCTIONS_2 = [
    "European Union states agreed a new package of sanctions against Russian oil exports.",
    "Diplomats said the deal came late on Tuesday.",
]
PARK = [
    "A new park opened in the city centre on Saturday.",
    "It has a lake, a playground and ten thousand trees.",
]


def test_near_duplicate_stories_are_merged_listing_every_source_most_carried_first(
    store: SQLiteStore,
) -> None:
    add_story(store, "City opens a new park", PARK, "https://city.example/park")
    add_story(
        store,
        "EU agrees new sanctions package on Russian oil",
        SANCTIONS,
        "https://a.example/eu-sanctions",
        source=("channel", "newsone", "https://t.me/s/newsone"),
    )
    add_story(
        store,
        "EU agrees new sanctions package against Russian oil",
        SANCTIONS_2,
        "https://b.example/sanctions?utm_source=x",
        source=("feed", "https://b.example/rss", "https://b.example/rss"),
    )
    until = datetime.now(UTC)
    own(store, 1, *range(1, 4))
    candidates = store.digest_candidates(1, None, until.isoformat(timespec="seconds"))
    stories = group_stories(candidates)
    assert [len(s.members) for s in stories] == [2, 1]  # the merged story first
    assert [name for name, _ in stories[0].sources] == ["@newsone", "b.example"]
    assert stories[0].lead.stored.article.url == "https://a.example/eu-sanctions"


def test_compose_splits_long_digests_and_says_nothing_new_or_stays_silent(
    store: SQLiteStore,
) -> None:
    store.upsert_user(1, 1, "en")
    for number in range(14):
        own(
            store,
            1,
            add_story(
                store,
                f"Story number {number} about topic{number}",
                [
                    f"Sentence {k} of story {number}: "
                    + " ".join(f"w{number}x{k}y{i}" for i in range(40))
                    + "."
                    for k in range(3)
                ],
                f"https://news.example/{number}",
            ),
        )
    user = store.digest_settings(1)
    assert user is not None
    composed = compose(store, user, datetime.now(UTC))
    assert composed.stories == 14
    assert len(composed.parts) >= 2  # over 4,096 characters: split
    assert all(visible_length(part) <= 4096 for part in composed.html)
    assert composed.html[0].startswith("<b>Your digest</b>: the 14 newest articles.")
    whole = "\n".join(composed.html)
    assert all(f'href="https://news.example/{n}"' in whole for n in range(14))
    key = delivery_key(1, datetime.now(UTC))
    store.begin_digest(
        key, 1, "slot", datetime.now(UTC).isoformat(), composed.parts, composed.article_ids
    )
    store.finish_digest(key, "sent")
    user = store.digest_settings(1)
    assert user is not None
    nothing = compose(store, user, datetime.now(UTC))
    assert nothing.html == ["Your digest: nothing new since the last one."]
    store.set_digest_options(1, skip_empty=True)
    user = store.digest_settings(1)
    assert user is not None
    assert compose(store, user, datetime.now(UTC)).parts == []
    assert compose(store, user, datetime.now(UTC), scheduled=False).parts  # /digest answers


# -- exactly once: the store's side ---------------------------------------------------------


def test_a_delivery_is_begun_once_resumed_from_its_parts_and_finished_with_its_articles(
    store: SQLiteStore,
) -> None:
    store.upsert_user(1, 1, "en")
    store.upsert_user(2, 2, "en")
    first = add_story(store, "One", PARK, "https://x.example/1")
    own(store, 1, first)
    own(store, 2, first)
    until = datetime.now(UTC).isoformat(timespec="seconds")
    key = delivery_key(1, "2030-01-01T08:00:00+00:00")
    begun = store.begin_digest(key, 1, "2030-01-01T08:00:00+00:00", until, ["p1", "p2"], [first])
    assert (begun.status, begun.parts_sent) == ("pending", 0)
    store.digest_part_sent(key, 1)
    again = store.begin_digest(key, 1, "x", until, ["other"], [])  # a restart: the same row
    assert (again.parts, again.parts_sent, again.article_ids) == (["p1", "p2"], 1, [first])
    assert [c.stored.id for c in store.digest_candidates(1, None, until)] == [first]
    store.finish_digest(key, "sent")
    store.finish_digest(key, "blocked")  # a finished delivery stays as it is
    done = store.get_delivery(key)
    assert done is not None
    assert (done.status, done.parts_sent) == ("sent", 2)
    assert store.digest_candidates(1, None, until) == []  # delivered to user 1
    assert [c.stored.id for c in store.digest_candidates(2, None, until)] == [first]  # not 2
    settings = store.digest_settings(1)
    assert settings is not None
    assert settings.since == until


def test_a_user_who_watches_sources_gets_only_theirs(store: SQLiteStore) -> None:
    store.upsert_user(1, 1, "en")
    mine = add_story(
        store,
        "Mine",
        PARK,
        "https://x.example/1",
        source=("channel", "mine", "https://t.me/s/mine"),
    )
    add_story(store, "Theirs", SANCTIONS, "https://x.example/2", source=("channel", "theirs", "u"))
    store.watch_source(1, "channel", "mine", "https://t.me/s/mine")
    until = datetime.now(UTC).isoformat(timespec="seconds")
    assert [c.stored.id for c in store.digest_candidates(1, None, until)] == [mine]
    assert store.digest_candidates(2, None, until) == []  # watches none, sent none: none


def test_a_users_digest_holds_their_links_and_sources_never_another_users(
    store: SQLiteStore,
) -> None:
    """Issue 16, finding 3: the links a user sent are theirs, in their digest only."""
    store.upsert_user(1, 1, "en")
    store.upsert_user(2, 2, "en")
    sent = add_story(store, "Sent", PARK, "https://x.example/sent")
    theirs = add_story(
        store, "Theirs", SANCTIONS, "https://x.example/2", source=("channel", "theirs", "u")
    )
    store.watch_source(2, "channel", "theirs", "u")
    store.add_user_article(1, sent)
    store.add_user_article(2, sent)  # both sent it: in both digests
    mine = add_story(store, "Mine", SANCTIONS_2, "https://x.example/mine")
    store.add_user_article(1, mine)
    until = datetime.now(UTC).isoformat(timespec="seconds")
    assert {c.stored.id for c in store.digest_candidates(1, None, until)} == {sent, mine}
    assert {c.stored.id for c in store.digest_candidates(2, None, until)} == {sent, theirs}
