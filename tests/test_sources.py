"""Tests for summarizer.sources: source references, channel previews and feeds.

The synthetic fixtures below always run. The real saved pages and feeds are
read from ``../shared/eval/`` (next to the checkout) and those tests skip when
that folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.errors import BadInput, NewsbotError, NotAnArticle
from summarizer.sources import (
    ChannelPost,
    SourceRef,
    discover_feeds,
    is_channel_preview,
    looks_like_feed,
    parse_channel_preview,
    parse_feed,
    parse_source,
)

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
PREVIEW_DIR = EVAL / "telegram-preview" / "apkawa_rust-any2feed"
FEEDS_DIR = EVAL / "feeds"
LOCAL_TME = "http://127.0.0.1:8081"
TAG = re.compile(r"<(?:p|div|a|br|span|img)[\s/>]|</(?:p|div|a|span)>", re.IGNORECASE)


def _eval_file(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"eval data not available: {path}")
    return path


def _message(
    post: str, body: str, *, when: str = "2024-05-01T10:00:00+00:00", cls: str = ""
) -> str:
    return f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap">
  <div class="tgme_widget_message {cls} js-widget_message" data-post="{post}">
    <div class="tgme_widget_message_bubble">
      {body}
      <div class="tgme_widget_message_footer compact js-message_footer">
        <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
          href="https://t.me/{post}"><time datetime="{when}" class="time">10:00</time></a></span>
      </div>
    </div>
  </div>
</div>"""


def _page(*messages: str, before: int | None = None) -> str:
    more = (
        f'<div class="tgme_widget_message_centered js-messages_more_wrap">'
        f'<a href="/s/examplenews?before={before}" class="tme_messages_more js-messages_more"'
        f' data-before="{before}"></a></div>'
        if before is not None
        else ""
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Example – Telegram</title>'
        '</head><body><main class="tgme_main"><section class="tgme_channel_history '
        f'js-message_history">{more}{"".join(messages)}</section></main></body></html>'
    )


# --------------------------------------------------------------------------- parse_source


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("@YouListenedMayak", "youlistenedmayak"),
        ("  @durov_news ", "durov_news"),
        ("t.me/youlistenedmayak", "youlistenedmayak"),
        ("https://t.me/youlistenedmayak", "youlistenedmayak"),
        ("http://t.me/youlistenedmayak/", "youlistenedmayak"),
        ("https://t.me/s/youlistenedmayak", "youlistenedmayak"),
        ("t.me/s/youlistenedmayak?before=120", "youlistenedmayak"),
        ("t.me/youlistenedmayak/123", "youlistenedmayak"),
        ("https://t.me/s/youlistenedmayak/123", "youlistenedmayak"),
        ("https://telegram.me/YouListenedMayak", "youlistenedmayak"),
        ("tg://resolve?domain=youlistenedmayak", "youlistenedmayak"),
        ("@abcde", "abcde"),
        ("@" + "a" * 32, "a" * 32),
    ],
)
def test_parse_source_channels(text: str, key: str) -> None:
    ref = parse_source(text)
    assert ref == SourceRef(kind="channel", key=key, url=f"https://t.me/s/{key}")


@pytest.mark.parametrize(
    "text",
    [
        f"{LOCAL_TME}/examplenews",
        f"{LOCAL_TME}/s/examplenews",
        f"{LOCAL_TME}/examplenews/42",
        "127.0.0.1:8081/examplenews",
        "@ExampleNews",
        "https://t.me/examplenews",
    ],
)
def test_parse_source_custom_tme_url(text: str) -> None:
    ref = parse_source(text, tme_url=LOCAL_TME + "/")
    assert ref == SourceRef("channel", "examplenews", f"{LOCAL_TME}/s/examplenews")


def test_parse_source_other_host_on_custom_tme_port_is_a_url() -> None:
    ref = parse_source("http://127.0.0.1:9999/examplenews", tme_url=LOCAL_TME)
    assert ref.kind == "url"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("https://www.theguardian.com/world/rss", "https://theguardian.com/world/rss"),
        ("http://Example.COM/feed/?utm_source=x", "http://example.com/feed"),
        (
            "https://example.org/news/2024/05/01/story.html",
            "https://example.org/news/2024/05/01/story.html",
        ),
    ],
)
def test_parse_source_urls(text: str, key: str) -> None:
    ref = parse_source(text)
    assert ref.kind == "url"
    assert ref.key == key
    assert ref.url == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "youlistenedmayak",  # a bare name: @ or t.me is required
        "@abcd",  # too short
        "@" + "a" * 33,  # too long
        "@1channel",  # starts with a digit
        "@_channel",
        "@chan-nel",
        "@",
        "t.me/",
        "https://t.me/s/",
        "https://t.me/+AbCdEfGhIjK",
        "https://t.me/joinchat/AbCdEfGhIjK",
        "https://t.me/c/123456/78",
        "https://t.me/addstickers/SomePack",
        "https://t.me/youlistenedmayak/abc",
        "https://t.me/youlistenedmayak/1/2",
        "example.com/feed",  # no scheme
        "ftp://example.com/feed.xml",
        "javascript:alert(1)",
        "https://",
        "two words",
        "@durov https://example.com",
    ],
)
def test_parse_source_refuses(text: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_source(text)
    message = str(info.value)
    assert message
    assert "\n" not in message


# ----------------------------------------------------------------- channel preview (synthetic)

SYNTHETIC = _page(
    _message(
        "ExampleNews/101",
        '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;'
        '<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/other/5">'
        "<span>Other</span></a></div>"
        '<div class="tgme_widget_message_text js-message_text" dir="auto"><b>Headline</b><br/>'
        '<br/>First   line with <a href="https://example.com/a?utm_source=tg">a link</a>,\n'
        '  <a href="?q=%23news">#news</a> and <a href="https://t.me/examplenews">@examplenews</a>.'
        '<br/>See <a href="https://t.me/examplenews/99">earlier</a> and '
        '<a href="https://t.me/otherchannel/7">elsewhere</a> and '
        '<a href="http://example.com/a?utm_source=tg">again</a>.</div>'
        '<a class="tgme_widget_message_link_preview" href="https://news.example.org/story">'
        '<div class="link_preview_site_name">Example News</div>'
        '<div class="link_preview_title" dir="auto">A  story\n title</div>'
        '<div class="link_preview_description">Description</div></a>',
        when="2024-05-01T12:30:00+03:00",
    ),
    _message(
        "ExampleNews/100",
        '<div class="tgme_widget_message_text js-message_text" dir="auto">Older post</div>',
    ),
    _message(
        "ExampleNews/102",
        '<a class="tgme_widget_message_photo_wrap" href="https://t.me/examplenews/102"></a>',
    ),
    _message(
        "ExampleNews/103",
        '<div class="tgme_widget_message_text js-message_text">Channel photo updated</div>',
        cls="service_message",
    ),
    _message(
        "ExampleNews/104",
        '<div class="tgme_widget_message_poll js-poll">'
        '<div class="tgme_widget_message_poll_question">Which?</div>'
        '<div class="tgme_widget_message_poll_option_text">One</div>'
        '<div class="tgme_widget_message_poll_option_text">Two</div></div>',
    ),
    _message(
        "ExampleNews/105",
        '<a class="tgme_widget_message_link_preview" href="https://example.net/only-preview">'
        '<div class="link_preview_title">Only a preview</div></a>',
    ),
    before=100,
)


def test_synthetic_preview_posts() -> None:
    posts, before = parse_channel_preview(SYNTHETIC)
    assert before == 100
    # 102 (photo only) and 103 (service message) are skipped; oldest first.
    assert [p.post_id for p in posts] == [100, 101, 104, 105]
    post = posts[1]
    assert post.channel == "examplenews"
    assert post.url == "https://t.me/examplenews/101"
    assert post.published == "2024-05-01T09:30:00+00:00"
    assert post.title == "A story title"
    assert post.text == (
        "Headline\n\nFirst line with a link, #news and @examplenews.\n"
        "See earlier and elsewhere and again."
    )
    assert post.links == [
        "https://news.example.org/story",
        "https://example.com/a?utm_source=tg",
        "https://t.me/otherchannel/7",
    ]
    assert posts[2].text == "Which?\n- One\n- Two"
    assert posts[2].links == []
    assert posts[3].text == ""
    assert posts[3].links == ["https://example.net/only-preview"]
    assert posts[3].title == "Only a preview"


def test_synthetic_preview_custom_tme_url() -> None:
    posts, _ = parse_channel_preview(SYNTHETIC, tme_url=LOCAL_TME + "/")
    assert posts[0].url == f"{LOCAL_TME}/examplenews/100"


def test_links_to_own_channel_under_custom_tme_url_are_dropped() -> None:
    page = _page(
        _message(
            "examplenews/7",
            '<div class="tgme_widget_message_text">x <a href="http://127.0.0.1:8081/examplenews/6">'
            'before</a> <a href="http://127.0.0.1:8081/s/examplenews">all</a></div>',
        )
    )
    posts, _ = parse_channel_preview(page, tme_url=LOCAL_TME)
    assert posts[0].links == []


def test_preview_without_more_link_has_no_cursor() -> None:
    posts, before = parse_channel_preview(
        _page(_message("examplenews/5", "<div class='tgme_widget_message_text'>x</div>"))
    )
    assert [p.post_id for p in posts] == [5]
    assert before is None


def test_more_link_without_number_falls_back_to_smallest_id() -> None:
    page = _page(
        _message("examplenews/9", '<div class="tgme_widget_message_text">nine</div>'),
        _message("examplenews/8", '<div class="tgme_widget_message_text">eight</div>'),
    ).replace(
        "<section",
        '<section><a class="tme_messages_more js-messages_more" href="/s/examplenews"></a>'
        "</section><section",
        1,
    )
    assert parse_channel_preview(page)[1] == 8


def test_newer_link_is_not_an_older_cursor() -> None:
    page = _page(
        _message("examplenews/9", '<div class="tgme_widget_message_text">nine</div>')
    ).replace(
        "</section>",
        '<a class="tme_messages_more js-messages_more" href="/s/examplenews?after=9"'
        ' data-after="9"></a></section>',
    )
    assert parse_channel_preview(page)[1] is None


def test_empty_and_non_preview_pages() -> None:
    assert parse_channel_preview("") == ([], None)
    ordinary = (
        "<html><head><title>Example</title></head><body><h1>News</h1>"
        "<p>Nothing to see, <a href='/s/x'>a link</a>.</p></body></html>"
    )
    assert not is_channel_preview(ordinary)
    assert parse_channel_preview(ordinary) == ([], None)
    assert not is_channel_preview("")
    restricted = (
        '<html><body><div class="tgme_page"><div class="tgme_page_title"><span>Example</span></div>'
        '<div class="tgme_page_extra">1 234 subscribers</div>'
        '<a class="tgme_action_button_new" href="tg://resolve?domain=example">View in Telegram</a>'
        "</div></body></html>"
    )
    assert not is_channel_preview(restricted)
    assert is_channel_preview(SYNTHETIC)
    assert is_channel_preview(_page())  # an empty channel is still a preview


# ----------------------------------------------------------------- channel preview (real)

FULL_IDS = [70989, 70990, 70992, 70995, 70996, 70997, 70998, 70999, 71000, 71006, 71007, 71008]


def test_real_preview_page() -> None:
    html = _eval_file(PREVIEW_DIR / "full.html").read_text(encoding="utf-8")
    assert is_channel_preview(html)
    posts, before = parse_channel_preview(html)
    # SOURCE.txt says 14 posts; the saved page holds 12 message blocks.
    assert [p.post_id for p in posts] == FULL_IDS
    assert before == 70989
    assert all(isinstance(p, ChannelPost) for p in posts)
    assert all(p.channel == "topwar_official" for p in posts)
    assert all(p.url == f"https://t.me/topwar_official/{p.post_id}" for p in posts)
    assert all(p.text for p in posts)
    assert all(p.published and p.published.startswith("2023-02-28T") for p in posts)
    by_id = {p.post_id: p for p in posts}
    assert by_id[70989].published == "2023-02-28T07:47:53+00:00"
    assert by_id[71008].published == "2023-02-28T13:14:03+00:00"
    assert by_id[70989].text == (
        "В Санкт-Петербурге в небо над городом подняли истребители из-за неизвестного объекта "
        "в воздухе, аэропорт Пулково не принимает самолеты, сообщает Baza.\n"
        "Судя по сервису Flightradar, гражданские самолеты не приближаются к Санкт-Петербургу."
    )
    # A media group: the text sits in a nested text block and is read once.
    assert by_id[70992].text.startswith("Сегодня ночью в Республике Адыгея упал")
    assert by_id[70992].text.count("Сегодня ночью") == 1
    assert by_id[70995].text.startswith('План "Ковер" отменен')
    # The forwarded post with a link preview to another channel's post; the
    # "@yaremshooter" mention is not a link.
    forwarded = by_id[70996]
    assert forwarded.links == ["https://t.me/infantmilitario/93419"]
    assert forwarded.title == "Милитарист"
    assert "\n\nНо бойцы ЧВК «Вагнер»" in forwarded.text
    assert forwarded.text.endswith("@yaremshooter")
    assert all(p.links == [] for p in posts if p.post_id != 70996)
    assert all(p.title is None for p in posts if p.post_id != 70996)


def test_real_preview_paging_cursor_matches_more_link() -> None:
    html = _eval_file(PREVIEW_DIR / "full.html").read_text(encoding="utf-8")
    _, before = parse_channel_preview(html)
    assert f'data-before="{before}"' in html
    assert before == min(FULL_IDS)


Expected = tuple[str, int, str, str, list[str], str | None]
MESSAGES: dict[str, Expected | None] = {
    # file: (channel, post id, published, text start or None, links, title)
    "message_link_preview.html": (
        "oper_goblin", 22360, "2023-02-27T07:33:14+00:00", "https://vnnews.ru/",
        ["https://vnnews.ru/georgiy-zotov-okkupaciya-volosatym-kr/"],
        "Георгий Зотов: ОККУПАЦИЯ ВОЛОСАТЫМ КРАБОМ",
    ),
    "message_link_preview_text_only.html": (
        "oper_goblin", 22368, "2023-02-27T15:08:05+00:00", "http://publication.pravo.gov.ru/",
        ["http://publication.pravo.gov.ru/Document/View/0001202302270011?index=7&rangeSize=1"],
        "Распоряжение Президента Российской Федерации от 27.02.2023 № 59-рп ∙ Официальное "
        "опубликование правовых актов ∙ Официальный интернет…",
    ),
    "message_link_preview_video.html": (
        "fighter_bomber", 11226, "2023-03-01T07:37:02+00:00", "Жениться вам, барин, пора! 😁\n\n",
        ["https://t.me/shalnyak/5410"], "Shalnyak",
    ),
    "message_media_file.html": (
        "oper_goblin", 16936, "2022-08-03T19:31:10+00:00", "Центр изучения новых коммуникаций",
        [], None,
    ),
    "message_media_forwarded_from.html": (
        "oper_goblin", 22358, "2023-02-27T07:20:50+00:00", "Британская разведка выяснила", [], None,
    ),
    "message_media_photo_and_video.html": (
        "anna_news", 46908, "2023-02-28T06:48:36+00:00",
        "Ночью над Белгородом сбили 3 беспилотника\n\n",
        [], None,
    ),
    "message_media_round_video.html": None,  # no text, no links: skipped
    "message_poll.html": (
        "it_begin", 488, "2023-02-27T16:21:02+00:00", "Как лучше?\n- Несколько постов в день\n",
        [], None,
    ),
    "message_sticker.html": None,
    "message_text.html": (
        "topwar_official", 70991, "2023-02-28T08:48:01+00:00",
        "Неопознанный летающий объект замечен в 160 – 200 км от Петербурга\n\nПо данным «Фонтанки»",
        [], None,
    ),
    "message_voice.html": (
        "oper_goblin", 939, "2018-04-24T15:28:46+00:00", "Обсудили:\n\n- Сталина не забыть\n",
        [], None,
    ),
    "message_with_from_author.html": ("channel", 4, "2023-02-28T16:38:34+00:00", "test", [], None),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_real_single_messages(name: str) -> None:
    html = _eval_file(PREVIEW_DIR / name).read_text(encoding="utf-8")
    posts, before = parse_channel_preview(html)
    assert before is None
    expected = MESSAGES[name]
    if expected is None:
        assert posts == []
        return
    channel, post_id, published, start, links, title = expected
    assert len(posts) == 1
    post = posts[0]
    assert (post.channel, post.post_id, post.published) == (channel, post_id, published)
    assert post.url == f"https://t.me/{channel}/{post_id}"
    assert post.text.startswith(start)
    assert post.text == post.text.strip()
    assert "  " not in post.text
    assert post.links == links
    assert post.title == title


def test_real_hashtags_and_mentions_are_not_links() -> None:
    html = _eval_file(PREVIEW_DIR / "message_media_photo_and_video.html").read_text(
        encoding="utf-8"
    )
    (post,), _ = parse_channel_preview(html)
    assert "#Белгород #Беспилотники" in post.text
    assert post.text.endswith("@anna_news")
    assert post.links == []


def test_real_fragments_parse_without_posts() -> None:
    fragments = [
        "link_preview.html", "link_preview_video.html", "media_cicrle_video.html",
        "media_photo.html", "media_video.html", "media_video_gif.html",
        "media_video_too_big.html", "poll.html",
    ]  # fmt: skip
    for name in fragments:
        html = _eval_file(PREVIEW_DIR / name).read_text(encoding="utf-8")
        assert parse_channel_preview(html) == ([], None), name
        assert not is_channel_preview(html), name


def test_real_every_saved_block_is_covered() -> None:
    if not PREVIEW_DIR.is_dir():
        pytest.skip("eval data not available")
    names = {p.name for p in PREVIEW_DIR.glob("message_*.html")}
    assert names == set(MESSAGES)


# --------------------------------------------------------------------------- feeds (synthetic)

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Example &amp; Co</title><link>https://example.com/</link>
  <item>
    <title>First story</title>
    <link>/news/first</link>
    <guid isPermaLink="false">id-1</guid>
    <pubDate>Wed, 01 May 2024 12:30:00 +0300</pubDate>
    <description>&lt;p&gt;Some &lt;b&gt;bold&lt;/b&gt; text.&lt;/p&gt;
      &lt;p&gt;Second&lt;/p&gt;</description>
  </item>
  <item><title>No date, no guid</title><link>https://example.com/news/second</link></item>
  <item><description>Only a description</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom example</title>
  <link rel="alternate" href="https://atom.example.org/"/>
  <id>urn:example:feed</id>
  <updated>2024-05-02T08:00:00Z</updated>
  <entry>
    <title>Entry</title><id>urn:example:1</id>
    <link rel="alternate" href="https://atom.example.org/1"/>
    <updated>2024-05-02T10:00:00+02:00</updated>
    <summary type="html">&lt;a href="x"&gt;Linked&lt;/a&gt; summary</summary>
  </entry>
</feed>"""


def test_parse_synthetic_rss() -> None:
    feed = parse_feed(RSS, base_url="https://example.com/rss.xml")
    assert feed.title == "Example & Co"
    assert feed.link == "https://example.com/"
    first, second, third = feed.items
    assert first.url == "https://example.com/news/first"
    assert first.title == "First story"
    assert first.guid == "id-1"
    assert first.published == "2024-05-01T09:30:00+00:00"
    assert first.summary == "Some bold text.\n\nSecond"
    assert second.published is None
    assert second.summary is None
    assert second.guid == "https://example.com/news/second"
    assert third.url is None
    assert third.title is None
    assert third.summary == "Only a description"
    assert third.guid.startswith("sha1:")


def test_parse_synthetic_atom_from_bytes() -> None:
    feed = parse_feed(ATOM.encode("utf-8"))
    assert feed.title == "Atom example"
    assert feed.link == "https://atom.example.org/"
    (item,) = feed.items
    assert item.guid == "urn:example:1"
    assert item.url == "https://atom.example.org/1"
    assert item.published == "2024-05-02T08:00:00+00:00"
    assert item.summary == "Linked summary"


def test_parse_feed_decoded_text_ignores_declared_encoding() -> None:
    text = RSS.replace('encoding="utf-8"', 'encoding="windows-1251"').replace(
        "First story", "Первая новость"
    )
    assert parse_feed(text).items[0].title == "Первая новость"
    assert parse_feed(text.encode("cp1251")).items[0].title == "Первая новость"


def test_parse_feed_never_opens_files_or_urls(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(RSS, encoding="utf-8")
    for value in (str(secret), str(secret).encode(), "https://example.com/rss.xml"):
        with pytest.raises(NotAnArticle):
            parse_feed(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "<html><head><title>Page</title></head><body><p>Not a feed</p></body></html>",
        b"\x00\x01\x02binary",
        '{"version": "https://jsonfeed.org/version/1", "items": []}',
    ],
)
def test_parse_feed_refuses_non_feeds(text: str | bytes) -> None:
    with pytest.raises(NotAnArticle) as info:
        parse_feed(text)
    assert isinstance(info.value, NewsbotError)
    assert str(info.value)


def test_empty_feed_is_a_feed() -> None:
    feed = parse_feed('<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert feed.title == "Quiet"
    assert feed.items == []


@pytest.mark.parametrize(
    ("text", "content_type", "expected"),
    [
        (RSS, "", True),
        (ATOM, "text/xml", True),
        ("\ufeff<?xml version='1.0'?>\n<!-- hi -->\n<rdf:RDF xmlns:rdf='x'></rdf:RDF>", "", True),
        ("<html><body>x</body></html>", "text/html", False),
        ("<!DOCTYPE html><html><body><rss>", "", False),
        ("anything", "application/rss+xml; charset=utf-8", True),
        ("anything", "application/atom+xml", True),
        ("", "", False),
        ("<feedback/>", "", False),
    ],
)
def test_looks_like_feed(text: str, content_type: str, expected: bool) -> None:
    assert looks_like_feed(text, content_type) is expected


def test_discover_feeds() -> None:
    page = """<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="/style.css">
      <link rel="alternate" type="application/rss+xml" title="All" href="/rss.xml">
      <link rel="alternate" hreflang="de" href="/de/">
      <link rel="Alternate" type="application/atom+xml" href="https://feeds.example.com/atom">
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="alternate" type="application/json" href="/feed.json">
      <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
      <link rel="alternate" type="application/rss+xml" href="comments/feed">
      </head><body><a href="/other.rss" type="application/rss+xml">RSS</a></body></html>"""
    assert discover_feeds(page, "https://example.com/news/today") == [
        "https://example.com/rss.xml",
        "https://feeds.example.com/atom",
        "https://example.com/news/comments/feed",
    ]
    with_base = (
        '<html><head><base href="https://cdn.example.net/site/">'
        '<link rel="alternate" type="application/rss+xml" href="feed"></head></html>'
    )
    assert discover_feeds(with_base, "https://example.com/") == [
        "https://cdn.example.net/site/feed"
    ]
    assert discover_feeds("", "https://example.com/") == []
    assert discover_feeds("<html><body>no feeds</body></html>", "https://example.com/") == []


# --------------------------------------------------------------------------- feeds (real)

REAL_FEEDS = {
    # file: (items, title start)
    "rbren_rss-parser/guardian.rss": (55, "The Guardian"),
    "rbren_rss-parser/heise.atom": (15, "heise developer"),
    "rbren_rss-parser/uolNoticias.rss": (15, "UOL Noticias"),
    "rbren_rss-parser/encoding.rss": (40, "Jornal de Notícias"),
    "rbren_rss-parser/feedburner.atom": (25, "Google Ads Developer Blog"),
    "rbren_rss-parser/many-links.rss": (25, "Google Testing Blog"),
    "rbren_rss-parser/reddit.rss": (24, "reddit"),
    "rbren_rss-parser/reddit-atom.rss": (24, "reddit"),
    "rbren_rss-parser/craigslist.rss": (25, "craigslist"),
    "rbren_rss-parser/rss-1.rss": (69, "Science"),
    "rbren_rss-parser/content-encoded.rss": (7, "Food in Invironment"),
    "rbren_rss-parser/heraldsun.rss": (2, "RSS0.92 Example"),
    "rbren_rss-parser/instant-article.rss": (1, "Instant Article Test"),
    "rbren_rss-parser/narro.rss": (1, "foobar on Narro"),
    "danmactough_node-feedparser/wapowellness.xml": (29, "Wellness"),
    "danmactough_node-feedparser/tpm.atom": (20, "All TPM News"),
    "danmactough_node-feedparser/intertwingly.atom": (20, "Sam Ruby"),
    "danmactough_node-feedparser/iconv.xml": (10, "Новости Оренбурга"),
    "danmactough_node-feedparser/illegally-nested.xml": (20, "PCMag.com"),
    "danmactough_node-feedparser/category-feed.xml": (1, "NYT"),
    "danmactough_node-feedparser/mediacontent-dupes.xml": (1, "Home | Mail Online"),
    "danmactough_node-feedparser/guid-dupes.xml": (1, "Braingle"),
    "danmactough_node-feedparser/rss2sample.xml": (4, "Liftoff News"),
}


@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feeds(name: str) -> None:
    raw = _eval_file(FEEDS_DIR / name).read_bytes()
    count, title = REAL_FEEDS[name]
    assert looks_like_feed(raw.decode("utf-8", errors="replace"))
    feed = parse_feed(raw)
    assert feed.title is not None
    assert feed.title.startswith(title)
    assert len(feed.items) == count
    assert all(item.guid for item in feed.items)
    assert any(item.title for item in feed.items)
    assert all(
        item.url is None or item.url.startswith(("http://", "https://")) for item in feed.items
    )
    for item in feed.items:
        if item.published is not None:
            assert item.published.endswith("+00:00")
        if item.summary is not None:
            assert not TAG.search(item.summary), item.summary


def test_real_feeds_are_all_listed() -> None:
    if not FEEDS_DIR.is_dir():
        pytest.skip("eval data not available")
    names = {str(p.relative_to(FEEDS_DIR)) for p in FEEDS_DIR.glob("*/*") if p.name != "LICENSE"}
    assert names == set(REAL_FEEDS)


def test_real_windows_1251_feed() -> None:
    raw = _eval_file(FEEDS_DIR / "danmactough_node-feedparser/iconv.xml").read_bytes()
    assert b'encoding="windows-1251"' in raw[:100]
    feed = parse_feed(raw, base_url="http://www.oren.ru/rss/")
    assert feed.title == "Новости Оренбурга и области / Раздел Новости"
    assert feed.link == "http://www.oren.ru"
    first = feed.items[0]
    assert first.title == "В Бузулуке главные стройплощадки – детсад и Ледовый дворец"
    assert first.url == "http://www.oren.ru/news/2743422/"
    assert first.published == "2014-01-22T14:31:31+00:00"
    assert first.summary is not None
    assert first.summary.startswith("Работы по возведению детского сада")
    # The same feed decoded to text first gives the same result.
    assert parse_feed(raw.decode("cp1251")) == parse_feed(raw)


def test_real_feed_dates_are_utc() -> None:
    raw = _eval_file(FEEDS_DIR / "danmactough_node-feedparser/rss2sample.xml").read_bytes()
    feed = parse_feed(raw)
    # <pubDate>Tue, 03 Jun 2003 09:39:21 GMT</pubDate>
    assert feed.items[0].published == "2003-06-03T09:39:21+00:00"


def test_real_feed_portuguese_dates() -> None:
    raw = _eval_file(FEEDS_DIR / "rbren_rss-parser/uolNoticias.rss").read_bytes()
    feed = parse_feed(raw)
    # <pubDate>Seg, 24 Set 2018 19:42:40 -0300</pubDate>, which feedparser leaves unparsed
    assert feed.items[0].published == "2018-09-24T22:42:40+00:00"
    assert all(item.published for item in feed.items)
    assert feed.items[0].title is not None
    assert "simulações" in feed.items[0].title + (feed.items[0].summary or "")


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("Mo, 5 Mär 2018 10:00 +0100", "2018-03-05T09:00:00+00:00"),
        ("lun., 3 févr. 2020 10:00:00 +0100", "2020-02-03T09:00:00+00:00"),
        ("24 dic 2020 08:00:00 GMT", "2020-12-24T08:00:00+00:00"),
        ("31 Set 2018 10:00 +0000", None),  # no such day
        ("sometime soon", None),
    ],
)
def test_foreign_feed_dates(pub_date: str, expected: str | None) -> None:
    feed = parse_feed(RSS.replace("Wed, 01 May 2024 12:30:00 +0300", pub_date))
    assert feed.items[0].published == expected


def test_real_feed_relative_links_resolved() -> None:
    raw = _eval_file(FEEDS_DIR / "danmactough_node-feedparser/intertwingly.atom").read_bytes()
    feed = parse_feed(raw, base_url="http://intertwingly.net/blog/index.atom")
    assert feed.link == "http://intertwingly.net/blog/"
    assert all(
        item.url and item.url.startswith("http://intertwingly.net/blog/") for item in feed.items
    )
