"""HTML extraction with trafilatura, on made-up and real pages."""

from __future__ import annotations

import gzip
import json

import pytest

from summarizer.errors import NotAnArticle
from summarizer.extract import extract_html
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
