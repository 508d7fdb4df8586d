"""Reading articles from plain text: seed files, pasted text and stdin.

Text dumps of news pages are messy. This reader recognises, without any
per-site rules:

* bare link lines: the first non-Telegram link is the article's ``url``, a
  Telegram post link is ``via`` (where the link was found). Links are removed
  from the text, and a sentence they interrupted is joined again;
* a one-line title above the body, and a date line or a date in the links or
  the file name;
* a photo caption with its credit as the first line ("… via AFP"), kept in
  ``extra["caption"]`` and out of the body;
* promotional lines such as "Related article: …" or "Читайте также: …";
* lines hard-wrapped inside paragraphs, which are unwrapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from . import budgets
from .article import Article
from .dates import find_date, is_date_line
from .errors import NotAnArticle, note
from .sentences import cut_at_space, looks_like_credit
from .urls import URL_RE, find_urls, is_telegram_url

_ONLY_LINKS = re.compile(rf"^\s*(?:(?:{URL_RE.pattern})\s*)+$", re.IGNORECASE)
_PROMO = re.compile(
    r"^\s*(related( article| story| stories)?|read (more|also)|see also|more on this|"
    r"читайте (также|еще|ещё)|по теме|смотрите также|читайте також|по темі|"
    r"subscribe|подписывайтесь|підписуйтесь)\s*[:.—-]"
    r"|^[\w ,.&'’]{0,80}\b(contributed (to )?(this )?report(ing)?|additional reporting by)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"""[.!?…:;»"”’)\]]\s*$""")
_SPACE = re.compile(r"[ \t\u00a0]+")


@dataclass
class _Block:
    lines: list[str] = field(default_factory=list)
    after_links: bool = False  # a link line stood between this block and the one before

    @property
    def text(self) -> str:
        out = ""
        for line in self.lines:
            if not out:
                out = line
            elif out.endswith("-") and not out.endswith(" -") and line[:1].isalpha():
                out += line  # "Russia-" + "Ukraine" stays one word
            else:
                out += " " + line
        return out


def read_text(text: str, *, name: str | None = None, tme_url: str = "https://t.me") -> Article:
    """Turn a plain-text news dump into an :class:`Article`.

    ``name`` (a file name, if any) may carry the date, as in
    ``city-talks-2025-05-16.txt``. Raises :class:`NotAnArticle` when no
    body text remains.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    links: list[str] = []
    date_line = None
    blocks: list[_Block] = [_Block()]
    pending_links = False
    capped = len(text) > budgets.ARTICLE_CHARS
    if capped:  # the rest is left out, and said
        text = cut_at_space(text, budgets.ARTICLE_CHARS)
    for number, raw in enumerate(text.split("\n")):
        line = _SPACE.sub(" ", raw).strip()
        if not line:
            if blocks[-1].lines:
                blocks.append(_Block())
            continue
        if _ONLY_LINKS.match(line):
            links.extend(find_urls(line))
            if blocks[-1].lines:
                blocks.append(_Block())
            pending_links = True
            continue
        near_top = number < 6 or not blocks[-1].lines  # a byline date, not a wrapped line
        if date_line is None and near_top and len(line) < 60 and is_date_line(line):
            date_line = find_date(line)
            continue
        if not blocks[-1].lines and pending_links:
            blocks[-1].after_links = True
        pending_links = False
        blocks[-1].lines.append(line)
    blocks = [b for b in blocks if b.lines]

    caption = None
    title = None
    if (
        blocks
        and len(blocks[0].lines) == 1
        and looks_like_credit(blocks[0].text)
        and len(blocks) > 1
    ):
        caption = blocks.pop(0).text
    if blocks and len(blocks) > 1 and _looks_like_title(blocks[0]):
        title = blocks.pop(0).text

    # each paragraph as its parts, joined once at the end: adding to a growing string
    # (and searching its end) took time with the square of a paragraph's length
    parts: list[list[str]] = []
    for block in blocks:
        body = block.text
        if _PROMO.match(body):
            continue
        joins = parts and not _TERMINAL.search(parts[-1][-1])
        if joins and (block.after_links or body[:1].islower()):
            parts[-1].append(body)
        else:
            parts.append([body])
    if not parts:
        raise NotAnArticle("plaintext.no_body")
    paragraphs = [" ".join(paragraph) for paragraph in parts]

    url = next((u for u in links if not is_telegram_url(u, tme_url)), None)
    via = next((u for u in links if is_telegram_url(u, tme_url)), None)
    published = date_line or _date_from_url(url) or (find_date(name) if name else None)
    if published is None and caption:
        published = find_date(caption)
    if title is None:
        title = _title_from_url(url, "\n".join(paragraphs)) or _first_words(paragraphs[0])
    article = Article(
        text="\n\n".join(paragraphs),
        url=url,
        title=title,
        published=published.isoformat() if published else None,
        site=site_of(url),
        via=via,
    )
    if caption:
        article.extra["caption"] = caption
    if capped:
        article.extra["notes"] = [note("text.chars", count=len(text))]
    return article


def _looks_like_title(block: _Block) -> bool:
    line = block.text
    return (
        len(block.lines) == 1
        and len(line) <= 200
        and not _TERMINAL.search(line.rstrip("»\"”'"))
        and not _PROMO.match(line)
        and len(line.split()) <= 25
    )


def _date_from_url(url: str | None) -> date | None:
    if not url:
        return None
    match = re.search(r"/(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[-_])", urlsplit(url).path)
    return find_date("-".join(match.groups())) if match else None


def _title_from_url(url: str | None, body: str) -> str | None:
    """A readable title from a URL slug such as ``/russia-ukraine-agree-on-…/``.

    Each word takes the case it has in ``body`` when the body always writes it
    capitalized (names, places), so "geneva" comes back as "Geneva".
    """
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return None
    slug = re.sub(r"\.\w{2,5}$", "", segments[-1])
    words = [w for w in re.split(r"[-_]+", slug) if w]
    if len(words) < 3 or not any(w.isalpha() for w in words):
        return None
    sentence = " ".join(_case_as_in(word, body) for word in words)
    sentence = re.sub(r"\b(\d) (\d{3})\b", r"\1,\2", sentence)  # "1 000" -> "1,000"
    return sentence[:1].upper() + sentence[1:]


def _case_as_in(word: str, body: str) -> str:
    forms = re.findall(rf"\b{re.escape(word)}\b", body, re.IGNORECASE)
    if forms and all(f[:1].isupper() for f in forms):
        return max(set(forms), key=forms.count)
    return word


def _first_words(paragraph: str, limit: int = 90) -> str:
    if len(paragraph) <= limit:
        return paragraph
    cut = paragraph[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—- ") + "…"


def site_of(url: str | None) -> str | None:
    """A URL's host without ``www.``: the site an article is shown as from."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host or None
