"""HTML extraction with trafilatura and its fallbacks (trafilatura in full, then
readability-lxml), on made-up and real pages."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import pytest

from summarizer import extract
from summarizer.errors import NotAnArticle
from summarizer.extract import SHORT_TEXT_CHARS, extract_html, prefer_fallback
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


def _zyte_page(key: str) -> tuple[str, dict[str, Any]]:
    folder = eval_path("extraction-zyte")
    item = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))[key]
    html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
    return html.decode("utf-8", errors="replace"), item


def test_page_the_fast_pass_misses_keeps_its_text_and_date() -> None:
    # trafilatura's fast pass finds no text on this page (a news item of a city hall),
    # trafilatura in full does
    html, item = _zyte_page("f6ac15a4d98511396da23e4428deb5605422b1c8bbc8284e771f6896bdccf57f")
    article = extract_html(html, url=item["url"])
    assert article.published == "2018-10-05"
    assert article.title == "Atendimento Domiciliar registra arrombamento em veículos"
    want = set(item["articleBody"].lower().split())
    assert len(want & set(article.text.lower().split())) > 0.8 * len(want)


# -- the cascade: trafilatura's fast pass, trafilatura in full, readability-lxml ----


@dataclass
class Doc:
    """A stand-in for trafilatura's ``Document``."""

    text: str
    title: str | None = "Prisoner exchange agreed"
    date: str | None = "2025-05-16"
    url: str | None = None
    author: str | None = None
    sitename: str | None = None
    hostname: str | None = None


def _sentences(count: int) -> str:
    return "\n".join(f"Sentence {n} of the article says something new." for n in range(count))


SHORT = _sentences(8)  # an article, but short enough to be checked further
LONG = _sentences(40)


class Cascade:
    """Fake trafilatura passes and readability, recording which ran and how."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, fast: Doc | None, full: Doc | None, read: str
    ) -> None:
        self.passes: list[dict[str, bool]] = []
        self.readability_ran = False
        self.fast, self.full, self.read = fast, full, read
        monkeypatch.setattr(extract, "_trafilatura", self.trafilatura)
        monkeypatch.setattr(extract, "_readability", self.readability)

    def trafilatura(self, html: str, url: str | None, *, fast: bool, metadata: bool = True) -> Any:
        self.passes.append({"fast": fast, "metadata": metadata})
        return self.fast if fast else self.full

    def readability(self, html: str, url: str | None) -> Any:
        self.readability_ran = True
        return (lambda: "Readability's title"), self.read


def test_cascade_thresholds_fit_the_fakes() -> None:
    assert extract.MIN_TEXT_CHARS <= len(SHORT) < SHORT_TEXT_CHARS <= len(LONG)


def test_long_fast_text_is_taken_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    cascade = Cascade(monkeypatch, fast=Doc(LONG), full=Doc(SHORT), read=LONG + LONG)
    article = extract_html("<html></html>")
    assert cascade.passes == [{"fast": True, "metadata": True}]
    assert not cascade.readability_ran
    assert article.text == LONG.replace("\n", "\n\n")


def test_long_fast_text_on_a_real_page_runs_no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[bool] = []
    real = extract._trafilatura

    def trafilatura(html: str, url: str | None, *, fast: bool, metadata: bool = True) -> Any:
        passes.append(fast)
        return real(html, url, fast=fast, metadata=metadata)

    def readability(html: str, url: str | None) -> Any:
        raise AssertionError("readability ran on a long text")

    monkeypatch.setattr(extract, "_trafilatura", trafilatura)
    monkeypatch.setattr(extract, "_readability", readability)
    article = extract_html(seed_page(ISTANBUL), url="https://example.com/news/1")
    assert passes == [True]
    assert article.text.startswith("Russia and Ukraine have agreed")


def test_short_fast_text_is_replaced_by_trafilatura_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = Doc(LONG, title=None, date=None)  # metadata not read again
    cascade = Cascade(monkeypatch, fast=Doc(SHORT), full=full, read=LONG + LONG)
    article = extract_html("<html></html>")
    assert cascade.passes == [{"fast": True, "metadata": True}, {"fast": False, "metadata": False}]
    assert not cascade.readability_ran  # the full pass's text is long enough
    assert article.text == LONG.replace("\n", "\n\n")
    assert article.title == "Prisoner exchange agreed"  # the fast pass's metadata
    assert article.published == "2025-05-16"


def test_fast_pass_finding_nothing_reads_metadata_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cascade = Cascade(monkeypatch, fast=None, full=Doc(LONG, date="2024-01-02"), read="")
    article = extract_html("<html></html>")
    assert cascade.passes == [{"fast": True, "metadata": True}, {"fast": False, "metadata": True}]
    assert article.published == "2024-01-02"
    assert article.title == "Prisoner exchange agreed"


def test_short_text_after_both_passes_goes_to_readability(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    more = SHORT + "\n" + _sentences(30)  # the same body, more of it
    cascade = Cascade(monkeypatch, fast=Doc(SHORT), full=Doc(SHORT), read=more)
    article = extract_html("<html></html>")
    assert len(cascade.passes) == 2
    assert cascade.readability_ran
    assert article.text == more.replace("\n", "\n\n")
    assert article.title == "Prisoner exchange agreed"  # trafilatura's title is kept


def test_short_text_stays_when_readability_has_another_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = "\n".join(f"Unrelated line {n} about the weather today." for n in range(40))
    cascade = Cascade(monkeypatch, fast=Doc(SHORT), full=Doc(SHORT), read=other)
    article = extract_html("<html></html>")
    assert cascade.readability_ran
    assert article.text == SHORT.replace("\n", "\n\n")


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

    monkeypatch.setattr(extract, "_trafilatura", lambda html, url, **kw: Thin())
    article = extract_html(html, url="https://example.com/news/1")
    assert len(article.text) > 2 * len(first)
    assert "\n\nRussia and Ukraine have agreed" in article.text  # after the <time> line
    assert not article.text.startswith("Russia, Ukraine agree")  # the headline is dropped
    assert "Most read" not in article.text
    assert article.title == whole.title  # metadata still from trafilatura
    assert article.published == whole.published


def test_readability_alone_when_trafilatura_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    html = seed_page(ISTANBUL)
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url, **kw: None)
    article = extract_html(html)
    assert "Russia and Ukraine have agreed" in article.text
    assert article.title  # from readability


def test_readability_failure_leaves_trafilatura_text(monkeypatch: pytest.MonkeyPatch) -> None:
    html = seed_page(ISTANBUL)
    monkeypatch.setattr(extract, "_readability", lambda html, url: None)
    assert extract_html(html).text.startswith("Russia and Ukraine have agreed")
