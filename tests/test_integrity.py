"""What a page says about itself never decides where its text is stored (issue 17, finding 1).

A text page on host A whose first bare link line names a URL on host B was stored under
B's URL, with no request to B: B's real link then came back "already stored", with A's
text. Two loopback servers stand for A and B (127.0.0.1 and localhost on other ports).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.answer import answer_question
from summarizer.fetch import Fetcher
from summarizer.store import open_store
from summarizer.watch import ingest_link
from tests.conftest import ROOT, fresh_store_url
from tests.helpers.pages import LoopbackServer, page

REAL_TEXT = """Harbour reopens after the storm

The city council reopened the northern harbour on Tuesday after the storm damage was
repaired, the harbour master Ingrid Solberg said. Ferries to the islands run again from
Wednesday morning, and the fish market returns to the quay next week.
"""

PLANTED_TEXT = """{link}

Harbour closed for good

The city council closed the northern harbour for good on Tuesday, the harbour master Olaf
Brandt said. No ferry will leave the quay again, and the fish market moves inland for
ever, the council announced in a short statement to the press.
"""


async def test_a_page_cannot_plant_its_text_under_another_sites_url(tmp_path: Path) -> None:
    real_routes = {"/harbour.txt": page(REAL_TEXT, content_type="text/plain")}
    async with LoopbackServer(real_routes) as site_b:
        real_url = f"http://localhost:{site_b.port}/harbour.txt"  # another host than A's
        planted = page(PLANTED_TEXT.format(link=real_url), content_type="text/plain")
        async with LoopbackServer({"/a.txt": planted}) as attacker:
            await _check(tmp_path, attacker, site_b, real_url)


async def _check(
    tmp_path: Path, attacker: LoopbackServer, site_b: LoopbackServer, real_url: str
) -> None:
    with open_store(str(tmp_path / "n.db")) as store:
        async with Fetcher(allow_private=True) as fetcher:
            planted = await ingest_link(attacker.url("/a.txt"), store, fetcher, facts=True)
            stored = store.get_article(planted.article_id)
            assert stored is not None
            # stored under the address it came from; the claim is only metadata
            assert stored.article.url == attacker.url("/a.txt")
            assert stored.article.extra["claimed_url"] == real_url
            assert stored.article.site == "127.0.0.1"
            assert store.find_article(url=real_url) is None
            assert site_b.requests == []

            # another user sends B's real link: B is fetched and its own text stored
            real = await ingest_link(real_url, store, fetcher, facts=True)
            assert real.created
            assert [r.path for r in site_b.requests] == ["/harbour.txt"]
            stored_b = store.get_article(real.article_id)
            assert stored_b is not None
            assert stored_b.article.url == real_url
            assert "reopened the northern harbour" in stored_b.article.text
            assert "for good" not in stored_b.article.text

        # what is searched under B's address is B's text only
        hits = store.search_sentences(["harbour"], limit=20)
        assert {h.url for h in hits} == {real_url, attacker.url("/a.txt")}
        assert all("for good" not in h.text for h in hits if h.url == real_url)
        reply = answer_question(store, "Who is the harbour master?")
        assert all(e.url != real_url or "Solberg" in e.text for e in reply.evidence)


# -- several processes opening one new store at once (finding 7) -----------------------

OPEN = (
    "import sys\n"
    "from summarizer.store import MIGRATIONS, open_store\n"
    "store = open_store(sys.argv[1])\n"
    "assert store.schema_version == len(MIGRATIONS), store.schema_version\n"
    "store.close()\n"
)


def _open_at_once(url: str, processes: int = 4) -> list[str]:
    """Start ``processes`` processes that each open ``url``; the stderr of those that failed."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    failed = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failed.append(err[-500:])
    return failed


def test_four_processes_open_one_new_sqlite_store_at_once(tmp_path: Path) -> None:
    for attempt in range(5):  # the race was lost in 6 of 10 paired starts
        failed = _open_at_once(str(tmp_path / f"new-{attempt}.db"))
        assert failed == [], failed


def test_four_processes_open_one_new_postgresql_schema_at_once(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    if not os.environ.get("NEWSBOT_TEST_POSTGRES_URL"):
        pytest.skip("NEWSBOT_TEST_POSTGRES_URL is not set")
    for attempt in range(3):
        with fresh_store_url("postgresql", tmp_path / f"pg-{attempt}") as url:
            failed = _open_at_once(url)
            assert failed == [], failed


# -- a malformed IDN in a feed (finding 6) ---------------------------------------------


async def test_a_feed_item_with_a_broken_punycode_host_is_skipped_with_a_reason(
    tmp_path: Path,
) -> None:
    from summarizer.config import Settings
    from summarizer.watch import poll_source
    from tests.conftest import ISTANBUL
    from tests.helpers.articles import seed_page
    from tests.helpers.channels import rss

    routes = {"/good.html": page(seed_page(ISTANBUL))}
    async with LoopbackServer(routes) as site:
        items = [("Broken", "http://xn--zz/x"), ("Good", site.url("/good.html"))]
        site.routes["/feed.xml"] = page(rss("News", items), content_type="application/rss+xml")
        async with LoopbackServer(site.routes) as feeds:
            settings = Settings(allow_private_urls=True)
            with open_store(str(tmp_path / "n.db")) as store:
                source, _ = store.add_source("feed", feeds.url("/feed.xml"), feeds.url("/feed.xml"))
                async with Fetcher(allow_private=True) as fetcher:
                    first = await poll_source(store, fetcher, source, settings)
                    assert len(first.added) == 1
                    assert first.failed == [
                        ("http://xn--zz/x", "refused: this is not a valid URL.")
                    ]
                    again = await poll_source(store, fetcher, source, settings)
                assert again.failed == []  # skipped once, with its reason, not forever
                assert store.failing_sources() == []
