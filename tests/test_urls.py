"""Links that do not parse: found nowhere, refused with a sentence, never a crash.

``urlsplit`` raises ValueError on ``http://[link](…)`` (it reads the brackets as an
IPv6 host) and ``.port`` raises on ``host:99999`` or ``host:abc``. Such text comes
from strangers: chat messages, channel posts, feeds.
"""

from __future__ import annotations

import pytest

from summarizer.errors import BadInput
from summarizer.sources import parse_channel_preview, parse_feed, parse_source
from summarizer.urls import find_urls, is_well_formed, normalize_url, split_url
from tests.helpers.channels import Post, channel_preview, rss

MALFORMED = [
    "http://[link](https://example.com/a)",
    "https://[::1",
    "http://example.com:99999/x",
    "http://example.com:abc/x",
    "http://[not-an-address]/",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_links_are_not_well_formed(url: str) -> None:
    assert not is_well_formed(url)
    assert normalize_url(url) == url  # left as it is, no exception


def test_split_url_is_none_only_where_urlsplit_fails() -> None:
    assert split_url("?before=12") is not None  # relative: parses, has no host
    assert split_url("http://[x") is None


def test_find_urls_skips_malformed_links_and_keeps_the_links_inside_them() -> None:
    text = (
        "read http://[link](https://example.com/story) and http://example.com:99999/x, "
        "then https://example.org/b."
    )
    assert find_urls(text) == ["https://example.com/story", "https://example.org/b"]


@pytest.mark.parametrize("url", MALFORMED)
def test_parse_source_refuses_malformed_links_with_a_sentence(url: str) -> None:
    with pytest.raises(BadInput, match=r"not a valid address|not a channel"):
        parse_source(url)


def test_a_channel_post_with_a_malformed_link_keeps_the_rest_of_the_page() -> None:
    page = channel_preview(
        "somechannel",
        [
            Post(1, "first", link="http://[link](https://example.com/a)"),
            Post(2, "second", link="https://example.com/good"),
        ],
    )
    posts, _ = parse_channel_preview(page)
    assert [p.post_id for p in posts] == [1, 2]
    assert posts[0].links == []
    assert posts[1].links == ["https://example.com/good"]


def test_a_feed_item_with_a_malformed_link_has_no_url() -> None:
    feed = parse_feed(
        rss("Feed", [("One", "http://[link](x)"), ("Two", "https://example.com/two")]),
        "https://example.com/feed.xml",
    )
    assert [item.url for item in feed.items] == [None, "https://example.com/two"]
