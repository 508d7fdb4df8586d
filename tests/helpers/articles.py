"""Article pages for tests: real seed text wrapped in a plausible news page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from summarizer.plaintext import read_text


def seed_page(path: Path, *, title: str | None = None) -> str:
    """An HTML news page whose body is the seed article at ``path``."""
    article = read_text(path.read_text(encoding="utf-8"), name=path.name)
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article.text.split("\n\n"))
    headline = escape(title or article.title or "News")
    return f"""<!doctype html>
<html lang="{"ru" if "tass" in path.name else "en"}"><head><meta charset="utf-8">
<title>{headline} | Example News</title>
<meta property="og:title" content="{headline}">
<meta property="article:published_time" content="{article.published}T10:00:00+00:00">
<meta name="author" content="Staff reporter">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/sport">Sport</a></nav></header>
<main><article><h1>{headline}</h1>
<time datetime="{article.published}">{article.published}</time>
{paragraphs}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Another story</a></li></ul></aside>
<footer>© Example News. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>"""
