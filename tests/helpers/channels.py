"""Made-up Telegram channel previews and feeds, shaped like the real ones."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass
class Post:
    post_id: int
    text: str
    link: str | None = None
    date: str = "2025-05-16T10:00:00+00:00"


def channel_preview(channel: str, posts: list[Post], *, older: int | None = None) -> str:
    """A ``t.me/s/<channel>`` page with ``posts``, in Telegram's markup."""
    blocks = []
    for post in posts:
        body = escape(post.text).replace("\n", "<br/>")
        if post.link:
            body += f' <a href="{escape(post.link)}" target="_blank">{escape(post.link)}</a>'
        blocks.append(f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap">
 <div class="tgme_widget_message text_not_supported_wrap js-widget_message"
      data-post="{channel}/{post.post_id}" data-view="x">
  <div class="tgme_widget_message_bubble">
   <div class="tgme_widget_message_text js-message_text" dir="auto">{body}</div>
   <div class="tgme_widget_message_footer compact js-message_footer">
    <div class="tgme_widget_message_info short js-message_info">
     <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
       href="https://t.me/{channel}/{post.post_id}"><time datetime="{post.date}"
       class="time">10:00</time></a></span>
    </div></div></div></div></div>""")
    more = (
        f'<a class="tme_messages_more js-messages_more" data-before="{older}" '
        f'href="/s/{channel}?before={older}"></a>'
        if older
        else ""
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{channel} – Telegram</title></head><body>
<section class="tgme_channel_history js-message_history">{more}{"".join(blocks)}</section>
</body></html>"""


def rss(title: str, items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 feed whose items are (title, link) pairs."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(link)}</guid><pubDate>Fri, 16 May 2025 10:00:00 GMT</pubDate></item>"
        for t, link in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{escape(title)}</title><link>http://example.com/</link>
<description>news</description>{entries}</channel></rss>"""


def huge_feed(link: str, items: int) -> str:
    """A compact RSS feed of ``items`` items (about 72 bytes each: 50,000 fit under the
    fetcher's 5 MB), all linking ``link`` with a fragment of its own."""
    entries = "".join(
        f"<item><title>{n}</title><link>{link}#{n}</link></item>" for n in range(items)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
    return f"{head}{entries}</channel></rss>"
