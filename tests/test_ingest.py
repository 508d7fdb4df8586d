"""Ingesting many items: fetched ahead while one is digested, in order, failures apart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from summarizer.core import ingest_items
from summarizer.fetch import Fetcher
from summarizer.store import open_store
from tests.helpers.pages import LoopbackServer, page


def _story(n: int) -> str:
    paragraphs = [
        f"Minister Anna Berg opened harbour number {n} in Bergen on Monday, officials said.",
        f"The harbour cost {n + 10} million crowns and took {n + 2} years to build, she said.",
        "Fishermen welcomed the new quays, which will shelter two hundred boats in winter.",
        "The town council said it would open a second harbour next year if money allows.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang=en><head><title>Story {n}</title></head><body>"
        f"<nav><a href=/>Home</a></nav><article><h1>Story {n}</h1>{body}</article></body></html>"
    )


async def test_reads_ahead_yet_reports_in_order_with_failures_apart(tmp_path: Path) -> None:
    in_flight = 0
    most = 0

    def slow(n: int) -> web.StreamResponse:
        body = page(_story(n))

        async def handler(request: web.Request) -> web.StreamResponse:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.05)
            in_flight -= 1
            return await body(request)

        return handler  # type: ignore[return-value]

    routes = {f"/{n}": slow(n) for n in range(8)}
    routes["/missing"] = page("gone", status=404)
    async with LoopbackServer(routes) as server:
        items = [server.url(f"/{n}") for n in range(4)]
        items += [server.url("/missing"), str(tmp_path / "absent.txt")]
        items += [server.url(f"/{n}") for n in range(4, 8)] + [server.url("/0")]
        seen: list[str] = []
        with open_store(str(tmp_path / "n.db")) as store:
            async with Fetcher(allow_private=True) as fetcher:
                report = await ingest_items(items, store, fetcher, progress=seen.append)
            assert seen == items  # progress in the order given
            assert report.added == list(range(1, 9))  # stored in order: ids follow the items
            assert report.duplicates == [1]  # /0 again
            assert [item for item, _why in report.failed] == items[4:6]
            assert most > 1  # several pages were on their way at once
            assert store.count_pending_facts() == 8  # facts left for later by default
            titles = [store.get_article(i).article.title for i in report.added]  # type: ignore[union-attr]
            assert titles == [f"Story {n}" for n in range(8)]


async def test_facts_now_when_asked(tmp_path: Path) -> None:
    async with LoopbackServer({"/1": page(_story(1))}) as server:
        with open_store(str(tmp_path / "n.db")) as store:
            async with Fetcher(allow_private=True) as fetcher:
                report = await ingest_items([server.url("/1")], store, fetcher, facts=True)
            assert report.added == [1]
            assert store.count_pending_facts() == 0
            assert store.find_facts(limit=50)
