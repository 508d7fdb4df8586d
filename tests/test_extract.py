"""HTML extraction with trafilatura and the readability-lxml fallback, on made-up and real
pages."""

from __future__ import annotations

import gzip
import json

import pytest

from summarizer import extract
from summarizer.errors import NotAnArticle
from summarizer.extract import extract_html, prefer_fallback
from tests.conftest import ISTANBUL, eval_path
from tests.helpers.articles import seed_page


def test_article_page_gives_text_and_metadata() -> None:
    html = seed_page(ISTANBUL, title="Russia, Ukraine agree on 1,000-for-1,000 POW exchange")
    article = extract_html(html, url="https://example.com/news/1")
    assert article.title == "Russia, Ukraine agree on 1,000-for-1,000 POW exchange"
    assert article.published == "2025-05-16"
    assert article.url == "https://example.com/news/1"
    assert article.text.startswith("Russia and Ukraine have agreed")
    assert "Most read" not in article.text
    assert "All rights reserved" not in article.text
    assert "\n\n" in article.text  # paragraphs kept


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "<html><body><p>Too short.</p></body></html>",
        "\x00\x01 binary junk",
    ],
)
def test_pages_without_an_article_are_refused(html: str) -> None:
    with pytest.raises(NotAnArticle):
        extract_html(html)


def test_real_pages_extract_most_of_the_ground_truth() -> None:
    folder = eval_path("extraction-zyte")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    scores = []
    for key, item in sorted(truth.items())[:20]:
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        try:
            article = extract_html(html.decode("utf-8", errors="replace"), url=item.get("url"))
        except NotAnArticle:
            scores.append(0.0)
            continue
        want = set(item["articleBody"].lower().split())
        got = set(article.text.lower().split())
        scores.append(len(want & got) / max(1, len(want)))
    assert sum(scores) / len(scores) > 0.8


# -- the readability-lxml fallback --------------------------------------------------


def test_fallback_is_preferred_only_when_trafilatura_is_thin() -> None:
    body = " ".join(f"word{n} alpha beta gamma." for n in range(60))
    part = " ".join(body.split()[:80])
    assert prefer_fallback(part, body)  # a third of the same body: thin
    assert not prefer_fallback(body, body + " one more sentence here.")  # about the same
    assert not prefer_fallback(part, "other words entirely " * 40)  # not the same body
    assert prefer_fallback("", body)  # nothing at all
    assert not prefer_fallback("", "short")  # neither is an article


def test_thin_trafilatura_text_is_replaced_by_readability(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = seed_page(ISTANBUL, title="Russia, Ukraine agree on 1,000-for-1,000 POW exchange")
    whole = extract_html(html, url="https://example.com/news/1")
    first = whole.text.split("\n\n")[0]

    class Thin:
        """What trafilatura returns when it keeps one paragraph of the body."""

        title = whole.title
        text = first
        url = None
        date = whole.published
        author = None
        sitename = None
        hostname = None

    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: Thin())
    article = extract_html(html, url="https://example.com/news/1")
    assert len(article.text) > 2 * len(first)
    assert "\n\nRussia and Ukraine have agreed" in article.text  # after the <time> line
    assert not article.text.startswith("Russia, Ukraine agree")  # the headline is dropped
    assert "Most read" not in article.text
    assert article.title == whole.title  # metadata still from trafilatura
    assert article.published == whole.published


def test_readability_alone_when_trafilatura_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    html = seed_page(ISTANBUL)
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: None)
    article = extract_html(html)
    assert "Russia and Ukraine have agreed" in article.text
    assert article.title  # from readability


def test_readability_failure_leaves_trafilatura_text(monkeypatch: pytest.MonkeyPatch) -> None:
    html = seed_page(ISTANBUL)
    monkeypatch.setattr(extract, "_readability", lambda html, url: None)
    assert extract_html(html).text.startswith("Russia and Ukraine have agreed")
