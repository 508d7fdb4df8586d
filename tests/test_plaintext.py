"""The plain-text reader, on the founding seed and on made-up dumps."""

from __future__ import annotations

import pytest

from summarizer.errors import NotAnArticle
from summarizer.plaintext import read_text
from tests.conftest import ISTANBUL

KYIV_URL = (
    "https://kyivindependent.com/"
    "russia-ukraine-agree-on-1-000-for-1-000-pow-exchange-in-istanbul-umerov-says/"
)


@pytest.fixture(scope="module")
def seed():  # type: ignore[no-untyped-def]
    return read_text(ISTANBUL.read_text(encoding="utf-8"), name=ISTANBUL.name)


def test_seed_links_become_url_and_via(seed) -> None:  # type: ignore[no-untyped-def]
    assert seed.url == KYIV_URL
    assert seed.via == "https://t.me/youlistenedmayak/37025"
    assert "http" not in seed.text
    assert "t.me" not in seed.text


def test_seed_broken_sentence_is_joined(seed) -> None:  # type: ignore[no-untyped-def]
    assert (
        "opened by Turkish Foreign Minister Hakan Fidan, who urged delegates to agree" in seed.text
    )


def test_seed_caption_is_kept_out(seed) -> None:  # type: ignore[no-untyped-def]
    assert "via AFP" not in seed.text
    assert seed.extra["caption"].endswith("Ukrainian Foreign Ministry via AFP")
    assert seed.text.startswith("Russia and Ukraine have agreed")


def test_seed_metadata(seed) -> None:  # type: ignore[no-untyped-def]
    assert seed.published == "2025-05-16"
    assert seed.site == "kyivindependent.com"
    assert seed.title is not None
    assert "Istanbul" in seed.title


def test_seed_promo_and_credit_lines_dropped(seed) -> None:  # type: ignore[no-untyped-def]
    assert "Related article" not in seed.text
    assert "contributed reporting" not in seed.text


def test_wrapped_lines_are_unwrapped(seed) -> None:  # type: ignore[no-untyped-def]
    # "Russia-" at a line end and "Ukraine talks" on the next stay one word
    assert "not joining the Russia-Ukraine talks" in seed.text
    assert "\n" not in seed.text.split("\n\n")[0]


def test_title_url_and_date_lines() -> None:
    article = read_text(
        "Госдума приняла закон о пошлинах\n"
        "https://example.ru/news/1\n"
        "21 ноября 2008\n\n"
        "Госдума приняла сегодня в первом чтении поправки в закон. Они вступят в силу.\n"
    )
    assert article.title == "Госдума приняла закон о пошлинах"
    assert article.url == "https://example.ru/news/1"
    assert article.published == "2008-11-21"
    assert article.text.startswith("Госдума приняла сегодня")


def test_link_only_in_telegram_gives_via_only() -> None:
    article = read_text("First paragraph here.\n\nt.me/somechannel/5\n\nSecond one.")
    assert article.url is None
    assert article.via == "https://t.me/somechannel/5"
    assert article.text == "First paragraph here.\n\nSecond one."


def test_paragraph_ending_mid_sentence_joins_a_lowercase_continuation() -> None:
    article = read_text(
        "Talks resumed.\n\nHe said that the talks\n\nwould go on next week.\n\nNew paragraph."
    )
    assert article.text.split("\n\n") == [
        "Talks resumed.",
        "He said that the talks would go on next week.",
        "New paragraph.",
    ]


def test_empty_text_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle):
        read_text("\n\nhttps://example.com/a\n\n")
