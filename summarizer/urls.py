"""URL helpers: recognising links in text and normalizing them for deduplication."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

URL_RE = re.compile(r"(?:https?://|(?<![\w/.])t\.me/)[^\s<>\"'«»“”]+", re.IGNORECASE)

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|yclid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|ref|ref_src|"
    r"ref_url|cmpid|ncid|ito|spm|share|from|rss|s_cid|at_medium|at_campaign)$",
    re.IGNORECASE,
)


def find_urls(text: str) -> list[str]:
    """The links written in ``text``, in order, with trailing punctuation removed."""
    out = []
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        if url.lower().startswith("t.me/"):
            url = "https://" + url
        if is_well_formed(url):
            out.append(url)
        else:  # "http://[link](https://…)": the links written inside it, if any
            out.extend(find_urls(url[1:]))
    return out


def split_url(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None where it (or the port) cannot be parsed.

    Text from strangers holds things like ``http://[link](…)`` (an "IPv6 host")
    or ``http://host:99999/``, on which :func:`urlsplit` or ``.port`` raise.
    """
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return parts


def is_well_formed(url: str) -> bool:
    """Whether ``url`` parses as a link with a host (``http://[link](…)`` does not)."""
    parts = split_url(url)
    return parts is not None and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """A canonical form of ``url`` for deduplication.

    Lower-cases the scheme and host, drops default ports, the fragment, a
    trailing slash and tracking parameters (utm_*, fbclid, …), and sorts the
    rest of the query.
    """
    parts = split_url(url.strip())
    if parts is None:
        return url.strip()  # not a parsable link: nothing to normalize
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else (f"{host}:{port}")
    )
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def is_telegram_url(url: str, tme_url: str = "https://t.me") -> bool:
    if not is_well_formed(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    base_host = (urlsplit(tme_url).hostname or "").lower()
    return host in {"t.me", "telegram.me", "www.t.me", base_host}
