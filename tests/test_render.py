"""Telegram HTML: escaping and splitting (bot/render.py), checked with the stand-in's parser."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.render import MAX_MESSAGE, esc, link, split_html, visible_length
from summarizer.article import Article
from tests.helpers.botapi import EntityError, parse_html, utf16_length


def _plain(parts: list[str]) -> str:
    return " ".join(" ".join(parse_html(p).split()) for p in parts)


def test_escaping_makes_any_text_safe() -> None:
    hostile = '<b>bold & "quoted"</b> <script>x</script> &amp; &#0; 1 < 2 > 0'
    assert parse_html(esc(hostile)) == hostile
    assert parse_html(link('https://e.com/?a=1&b="2"', "<title>")) == "<title>"
    with pytest.raises(EntityError):
        parse_html(hostile)


@pytest.mark.parametrize(
    "bad",
    [
        "<b>&</b>",
        "<b>unclosed",
        "<b><i>crossed</b></i>",
        "</b>",
        "<div>not a Telegram tag</div>",
        "1 < 2",
        "a > b",
        "&nbsp;",
        '<a title="x">no href</a>',
        '<a href="https://x"><a href="https://y">nested</a></a>',
    ],
)
def test_the_stand_in_refuses_what_telegram_refuses(bad: str) -> None:
    with pytest.raises(EntityError):
        parse_html(bad)


def test_the_stand_in_reads_what_telegram_reads() -> None:
    good = (
        '<b>b</b><i>i</i><u>u</u><s>s</s><a href="https://e.com/?a=1&amp;b=2">l</a>'
        "<code>c</code><pre>p</pre><blockquote>q</blockquote>&lt;&gt;&amp;&quot;&#8212;"
    )
    assert parse_html(good) == 'biuslcpq<>&"—'


def test_visible_length_counts_characters_as_telegram_does() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("🙂") == 2  # one emoji is two UTF-16 code units
    assert visible_length(esc("<>&")) == 3


def test_a_short_reply_is_one_part_unchanged() -> None:
    assert split_html("<b>Hello</b>\nworld") == ["<b>Hello</b>\nworld"]
    assert split_html("   ") == []


def test_long_replies_are_split_at_lines_then_sentences_and_every_part_is_valid() -> None:
    sentences = [f"Sentence number {i} says that 1 < 2 & 3 > 2." for i in range(400)]
    paragraphs = [" ".join(sentences[i : i + 20]) for i in range(0, 400, 20)]
    markup = "<b>Title</b>\n" + "\n".join(f"<blockquote>{esc(p)}</blockquote>" for p in paragraphs)
    parts = split_html(markup)
    assert len(parts) > 1
    for part in parts:
        text = parse_html(part)  # valid: tags closed and reopened across the cut
        assert utf16_length(text) <= MAX_MESSAGE
        assert text.rstrip().endswith(".")  # cut at a line or sentence end, never mid-sentence
    assert _plain(parts) == " ".join(parse_html(markup).split())
    assert parts[1].startswith("<blockquote>")


def test_one_huge_sentence_is_cut_at_spaces_and_a_word_without_spaces_anywhere() -> None:
    words = " ".join(["word"] * 3000)
    parts = split_html(esc(words))
    assert all(utf16_length(parse_html(p)) <= MAX_MESSAGE for p in parts)
    assert all(not p.endswith("wor") for p in parts)
    assert _plain(parts) == words
    blob = "x" * 10_000
    parts = split_html(blob)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_emoji_are_never_cut_in_half_and_count_double() -> None:
    parts = split_html("🙂" * 3000)
    assert [utf16_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == "🙂" * 3000


def test_links_inside_a_cut_keep_their_href() -> None:
    markup = '<a href="https://e.com/a?b=1&amp;c=2">' + "long label " * 600 + "</a>"
    parts = split_html(markup)
    assert len(parts) == 2
    for part in parts:
        assert re.match(r'^<a href="https://e.com/a\?b=1&amp;c=2">', part)
        parse_html(part)


def test_a_summary_of_hostile_article_text_is_valid_html() -> None:
    article = Article(
        text="x",
        url="https://e.com/?q=<script>&x=1",
        title="<i>Breaking</i> & <b>news",
        site="A&B <News>",
        published="2025-05-16T10:00:00+00:00",
    )
    html = texts.summary_message(article, ["1 < 2 & 3 > 2.", "<b>not bold</b>"])
    shown = parse_html(html)
    assert shown.splitlines()[0] == "<i>Breaking</i> & <b>news"
    assert "A&B <News> · 2025-05-16" in shown
    assert "• <b>not bold</b>" in shown
