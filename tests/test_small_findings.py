"""The smaller findings of issue 17 (finding 11), one test each.

Junk preview post ids are not stored; refusals name the input as it was typed;
NUL characters are dropped alike on both backends; the site shown is the host
the page came from; a broken feed and a channel preview nested too deep make
``newsbot poll`` fail with a one-line reason, never "0 new" and exit 0.
"""

from __future__ import annotations

from pathlib import Path

from summarizer.article import Article
from summarizer.core import read_url
from summarizer.fetch import Fetcher
from summarizer.store import Store
from tests.conftest import CliResult, run_cli
from tests.helpers.channels import Post, channel_preview
from tests.helpers.pages import LoopbackServer, page
from tests.test_cli import one_error_line

PRIVATE = {"NEWSBOT_ALLOW_PRIVATE_URLS": "1"}
LONG = "The harbour of the northern town reopened on Tuesday after the storm. " * 6


async def _poll(tmp_path: Path, source: str, env: dict[str, str]) -> CliResult:
    env = {**PRIVATE, "NEWSBOT_DB": str(tmp_path / "n.db"), **env}
    added = await run_cli("sources", "add", source, env=env)
    assert added.code == 0, added
    return await run_cli("poll", "--json", env=env)


async def test_a_junk_post_id_on_a_channel_preview_is_not_stored(tmp_path: Path) -> None:
    posts = [Post(10**26, "Junk: " + LONG), Post(7, "Real: " + LONG)]
    routes = {"/s/junkchan": page(channel_preview("junkchan", posts))}
    async with LoopbackServer(routes) as site:
        polled = await _poll(tmp_path, "@junkchan", {"NEWSBOT_TME_URL": site.base_url})
    assert polled.code == 0, polled
    assert polled.json()["new"] == 1  # post 7 only
    listed = await run_cli(
        "ask", "--json", "Which harbour reopened?", env={"NEWSBOT_DB": str(tmp_path / "n.db")}
    )
    assert str(10**26) not in listed.out
    assert "/junkchan/7" in listed.out


async def test_refusals_name_the_input_as_typed(tmp_path: Path) -> None:
    env = {"NEWSBOT_DB": str(tmp_path / "n.db")}
    local = await run_cli("summarize", "file:///etc/passwd", env=env)
    one_error_line(local, "file:///etc/passwd", "only http and https", "not file")
    idn = await run_cli("sources", "add", "http://xn--zz/x", env=env)
    one_error_line(idn, "'http://xn--zz/x' is not a valid address")


def test_nul_characters_are_dropped_alike_on_both_backends(store: Store) -> None:
    sentences = ["The harbour\x00 reopened on Tuesday.", "Ferries leave at\x00 six."]
    result = store.add_article(
        Article(text=" ".join(sentences), url="https://news.example/nul", title="Har\x00bour"),
        sentences,
        sentences[:1],
    )
    stored = store.get_article(result.article_id)
    assert stored is not None
    assert stored.article.title == "Harbour"
    assert "\x00" not in stored.article.text
    assert stored.summary == ["The harbour reopened on Tuesday."]
    assert store.sentence(result.article_id, 1) == "Ferries leave at six."
    hits = store.search_sentences(["ferries"])
    assert [h.text for h in hits] == ["Ferries leave at six."]


async def test_the_site_shown_is_the_host_the_page_came_from() -> None:
    claimed = (
        """<html><head><title>Harbour reopens</title>
    <link rel="canonical" href="https://www.bbc.co.uk/news/harbour">
    <meta property="og:url" content="https://www.bbc.co.uk/news/harbour">
    </head><body><article><h1>Harbour reopens</h1>"""
        + "".join(f"<p>{LONG} Paragraph {n}.</p>" for n in range(4))
        + "</article></body></html>"
    )
    async with LoopbackServer({"/a.html": page(claimed)}) as site:
        async with Fetcher(allow_private=True) as fetcher:
            article = await read_url(site.url("/a.html"), fetcher)
    assert article.site == "127.0.0.1"
    assert article.url == site.url("/a.html")
    assert "bbc" in str(article.extra.get("claimed_site")), article.extra


async def test_a_broken_feed_fails_the_poll_with_its_reason(tmp_path: Path) -> None:
    broken = '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><ti'
    routes = {"/feed.xml": page(broken, content_type="application/rss+xml")}
    async with LoopbackServer(routes) as site:
        feed = f"http://localhost:{site.port}/feed.xml"
        polled = await _poll(tmp_path, feed, {})
    one_error_line(polled, feed, "the feed is broken before its first item")


async def test_a_channel_preview_nested_too_deep_fails_the_poll(tmp_path: Path) -> None:
    deep = "<div>" * 5000 + "Deep: " + LONG + "</div>" * 5000
    html = channel_preview("deepchan", [Post(5, "First: " + LONG), Post(6, "DEEP")])
    html = html.replace("DEEP", deep)
    async with LoopbackServer({"/s/deepchan": page(html)}) as site:
        polled = await _poll(tmp_path, "@deepchan", {"NEWSBOT_TME_URL": site.base_url})
    one_error_line(polled, "deepchan", "nested deeper than 256 levels")
