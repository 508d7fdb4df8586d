"""Every sentence the bot says (Telegram HTML), so that it can be said in three languages.

Every text is English here and translated through gettext into the reader's
language (:mod:`bot.i18n`: en, ru, uk; the catalogues are in ``bot/locale``).
Constants such as ``texts.HELP`` are read through the module's
``__getattr__``, so each read is in the language of the update being handled;
functions translate when they are called. Handlers get that language from
the update; digests, made by a job, from the stored language of each user.
The library's errors (:class:`~summarizer.errors.NewsbotError`) are said by
their code (:mod:`bot.reasons`, through :func:`failed`). Nothing outside these
two modules puts words in a reply: ``tests/test_i18n.py`` checks both.

Functions that take text escape it; constants are already valid HTML, and so
is every translation (only ``<b>``, balanced).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from summarizer import Article, NewsbotError
from summarizer.store import Source, StoredFact

from .i18n import N_, ngettext
from .i18n import gettext as _
from .reasons import REASONS, known, opens_with_value, reason
from .render import esc, link

if TYPE_CHECKING:
    from summarizer import EntityFacts

# The constant texts, by name, in English (the gettext message ids). ``texts.HELP``
# and the others are looked up through __getattr__ below, in the reader's language.
_TEXTS: dict[str, str] = {}

MAX_EVIDENCE = 2  # quoted sentences under an answer
MAX_RELATED = 3  # the closest sentences shown when there is no answer
MAX_QUOTE = 600  # characters of one quoted sentence
MAX_FACTS = 20  # facts in one /facts reply

# (command, description) in the order of the menu; the handlers are in bot/app.py
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("help", "What I do and every command"),
        ("summary", "Summarize a link"),
        ("ask", "Ask the news a question"),
        ("latest", "The newest summaries"),
        ("watch", "Watch a channel or feed"),
        ("unwatch", "Stop watching a source"),
        ("sources", "Your watched sources"),
        ("facts", "What I know about a name"),
        ("subscribe", "Daily digest at a time of your choice"),
        ("settings", "Digest time, frequency and options"),
        ("filter", "Keyword filters for your digest"),
        ("unsubscribe", "Stop your digest"),
        ("digest", "A digest now"),
        ("lang", "Language: English, Русский, Українська"),
    ],
    "ru": [
        ("help", "Что я умею и все команды"),
        ("summary", "Краткое изложение статьи по ссылке"),
        ("ask", "Задать вопрос по новостям"),
        ("latest", "Свежие изложения"),
        ("watch", "Следить за каналом или лентой"),
        ("unwatch", "Перестать следить за источником"),
        ("sources", "Ваши источники"),
        ("facts", "Что я знаю о ком-то или чём-то"),
        ("subscribe", "Ежедневный дайджест в удобное время"),
        ("settings", "Время, частота и настройки дайджеста"),
        ("filter", "Фильтры по словам для дайджеста"),
        ("unsubscribe", "Отключить дайджест"),
        ("digest", "Дайджест сейчас"),
        ("lang", "Язык: English, Русский, Українська"),
    ],
    "uk": [
        ("help", "Що я вмію і всі команди"),
        ("summary", "Стислий виклад статті за посиланням"),
        ("ask", "Поставити запитання про новини"),
        ("latest", "Найсвіжіші виклади"),
        ("watch", "Стежити за каналом або стрічкою"),
        ("unwatch", "Перестати стежити за джерелом"),
        ("sources", "Ваші джерела"),
        ("facts", "Що я знаю про когось чи щось"),
        ("subscribe", "Щоденний дайджест у зручний час"),
        ("settings", "Час, частота і налаштування дайджесту"),
        ("filter", "Фільтри за словами для дайджесту"),
        ("unsubscribe", "Вимкнути дайджест"),
        ("digest", "Дайджест зараз"),
        ("lang", "Мова: English, Русский, Українська"),
    ],
}

_TEXTS["HELP"] = N_("""<b>newsbot</b> reads the news for you and answers in the articles' own words.

Send me a <b>link</b> and I reply with a short summary.
Send me a <b>question</b> and I answer from the articles I have read, quoting them.

/summary LINK: summarize a link (or reply /summary to a message with one)
/ask QUESTION: answer a question from the news
/latest [N]: the newest N summaries
/watch @channel, t.me/channel or a feed URL: read its new posts
/unwatch SOURCE: stop reading a source
/sources: your watched sources
/facts NAME: what the articles say about NAME
/subscribe [HH:MM] [TIMEZONE] [daily|weekdays|weekly]: a digest of your sources
  (e.g. /subscribe 08:00 Europe/Kyiv weekdays)
/settings: digest time, frequency and what to do when there is nothing new
/filter +word -word: only stories with a word, or none with it (/filter clear)
/unsubscribe: no more digests
/digest: a digest now
/lang: the language I answer in (English, Русский, Українська)
/stats: counts, queues and failing sources (administrators only)
/help: this message

Add me to your channel as an administrator and I read its posts too.""")

# the bot's profile (bot.profile): plain text, at most 512 and 120 characters
_TEXTS["DESCRIPTION"] = N_(
    "I read the news for you. Send me a link and I reply with a short summary in the "
    "article's own words. Ask me a question and I answer from the articles I have read, "
    "quoting them. /watch a channel or a feed, and /subscribe to a daily digest. "
    "English, Русский, Українська."
)
_TEXTS["SHORT_DESCRIPTION"] = N_(
    "News links summarized, questions answered with quotes, digests of channels and feeds."
)
_TEXTS["WORKING_ON_LINK"] = N_("Reading the article…")
_TEXTS["ASK_WHAT"] = N_("Ask me a question after /ask, for example: /ask Who led the delegation?")
_TEXTS["SUMMARY_WHAT"] = N_(
    "Send /summary with a link, or reply /summary to a message that has one."
)
_TEXTS["NO_LINK_IN_REPLY"] = N_("That message has no link I can summarize.")
_TEXTS["NOTHING_STORED"] = N_(
    "I have not read any articles yet. Send me a link, or /watch a channel."
)
_TEXTS["NO_SOURCES"] = N_(
    "You watch no sources yet. Add one with /watch @channel or /watch FEED_URL."
)
_TEXTS["WATCH_WHAT"] = N_(
    "Tell me what to watch: /watch @channel, /watch t.me/channel or /watch FEED_URL."
)
# a bare command's question, sent with a ForceReply (plain text: bot.handlers.prompts
# recognizes the reply by it), and the hint in the input field (at most 64 characters)
_TEXTS["WATCH_ASK"] = N_(
    "Which channel or feed should I watch? Reply with @channel, t.me/channel or its URL."
)
_TEXTS["WATCH_PLACEHOLDER"] = N_("@channel or a feed URL")
_TEXTS["FACTS_ASK"] = N_("Whom or what should I look up? Reply with a name, for example Medinsky.")
_TEXTS["FACTS_PLACEHOLDER"] = N_("a name")
_TEXTS["FACTS_WHAT"] = N_("Tell me whom or what to look up, for example /facts Medinsky.")
_TEXTS["NO_QA"] = N_("I cannot answer questions yet: the question answering part is not installed.")
_TEXTS["NOT_A_QUESTION"] = N_(
    "That does not read like a question. Ask me one, for example: Who led Russia's "
    "delegation? Or send me a link and I summarize it; /help lists the rest."
)
_TEXTS["INTERNAL_ERROR"] = N_("Something went wrong on my side. Please try again in a minute.")
_TEXTS["NOT_SUBSCRIBED"] = N_("You had no digest. /subscribe 08:00 starts one.")
_TEXTS["LATEST_BAD"] = N_("Give /latest a number from 1 to 10, for example /latest 3.")
_TEXTS["TOO_LONG_QUESTION"] = N_(
    "That is too long for a question and too short or plain to summarize. "
    "Ask in a sentence or two, or send me a link."
)


def unknown_command(command: str) -> str:
    return _("I don't know the command {command}. /help lists what I can do.").format(
        command=esc(command)
    )


def dont_know(question: str) -> str:
    del question  # the question is not repeated: the reply sits under it
    return _("I don't know: nothing in the articles I have read answers that.")


def failed(error: NewsbotError | str) -> str:
    """A user-caused error (a refused URL, a page that is not an article, …), or its
    sentence; an error of no known code gets the generic text."""
    if isinstance(error, NewsbotError) and not known(error):
        return _(_TEXTS["INTERNAL_ERROR"])
    return _sorry(reason(error), capitalize=not opens_with_value(error))


def _sorry(sentence: str, *, capitalize: bool) -> str:
    """The reply "Sorry: …", the sentence ended; its first letter capitalized only when it is ours
    (a host name or the user's own words are kept as they are)."""
    sentence = sentence.strip()
    if sentence and capitalize:
        sentence = sentence[0].upper() + sentence[1:]
    if sentence and sentence[-1] not in ".!?…":
        sentence += "."
    return _("Sorry: {reason}").format(reason=esc(sentence))


def watching(name: str, created: bool) -> str:
    if not created:
        return _("You already watch {name}.").format(name=esc(name))
    return _("Now watching {name}. I am reading its latest posts…").format(name=esc(name))


def watch_result(name: str, new: int, known: int, notes: Sequence[str] = ()) -> str:
    """What the first poll of a source found; ``notes``: the caps it reached (sentences)."""
    if new == 0 and known == 0:
        text = _("{name}: nothing to read yet. I will check it regularly.").format(name=esc(name))
    else:
        found = ngettext("{count} new article", "{count} new articles", new).format(count=new)
        if known:
            found += _(", {known} already read").format(known=known)
        text = _("{name}: {found}. Ask me about them.").format(name=esc(name), found=found)
    return "\n".join([text, notes_said(notes)]) if notes else text


def notes_said(notes: Sequence[str]) -> str:
    """The budgets reached (sentences of summarizer.errors.MESSAGES), each on a line of
    its own, in the user's language: "Read the first 1000 of the feed's 6000 items."."""
    said = [reason(n).rstrip(".") for n in notes]
    return "\n".join(esc(n[:1].upper() + n[1:]) + "." for n in said)


def watch_failed(name: str, reason_: str) -> str:
    return _(
        "I could not read {name}: {reason}. I will keep trying; /unwatch {name} to stop."
    ).format(name=esc(name), reason=esc(reason(reason_).rstrip(".")))


def unwatched(name: str, removed: bool) -> str:
    if removed:
        return _("Stopped watching {name}.").format(name=esc(name))
    return _("You were not watching {name}. /sources lists what you watch.").format(name=esc(name))


def sources_header(count: int, cap: int) -> str:
    return _("<b>Your sources</b> ({count} of {cap}):").format(count=count, cap=cap)


def not_a_link(value: str) -> str:
    """/summary with words that are no link."""
    return _sorry(_("{value} is not a link").format(value=value), capitalize=False)


# -- digests: when

_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
# translated as the month in a date ("17 June": июня, червня)
_MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)
_SCHEDULES = {
    "daily": N_("a daily digest at {at} ({tz})"),
    "weekdays": N_("a weekday digest at {at} ({tz})"),
    "weekly": N_("a weekly digest (Mondays) at {at} ({tz})"),
}
_FREQUENCY_BUTTONS = {
    "daily": N_("Daily"),
    "weekdays": N_("Weekdays"),
    "weekly": N_("Weekly (Mon)"),
}


def when_local(moment: datetime) -> str:
    """A delivery time in the user's zone: "Tue 17 Jun, 08:00" (вт, 17 июня, 08:00)."""
    return _("{weekday} {day:02d} {month}, {time}").format(
        weekday=_(_WEEKDAYS[moment.weekday()]),
        day=moment.day,
        month=_(_MONTHS[moment.month - 1]),
        time=moment.strftime("%H:%M"),
    )


def _schedule(at: str, tz: str, frequency: str) -> str:
    template = _SCHEDULES.get(frequency, _SCHEDULES["daily"])
    return _(template).format(at=esc(at), tz=esc(tz))


def next_digest(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return _("Next digest: {when}.").format(when=esc(when_local(moment)))


def subscribed(at: str, tz: str, frequency: str = "daily", upcoming: datetime | None = None) -> str:
    head = _("Done: {schedule}.").format(schedule=_schedule(at, tz, frequency))
    return f"{head} {next_digest(upcoming)}".strip()


_UNSUBSCRIBED = {
    "daily": N_("Done: no more daily digest."),
    "weekdays": N_("Done: no more weekday digest."),
    "weekly": N_("Done: no more weekly digest."),
}


def unsubscribed(frequency: str) -> str:
    """/unsubscribe done, in the words of the digest the user had."""
    message = _UNSUBSCRIBED.get(frequency)
    return _(message) if message else _("Done: no more digests.")


def settings_message(
    at: str | None,
    tz: str,
    frequency: str,
    skip_empty: bool,
    include: Sequence[str],
    exclude: Sequence[str],
    upcoming: datetime | None,
) -> str:
    if at is None:
        return _(
            "<b>Digest settings</b>\nYou have no digest. /subscribe 08:00 starts one, "
            "or press the button below."
        )
    filters = filters_line(include, exclude)
    lines = [
        _("<b>Digest settings</b>"),
        _("When: {schedule}").format(schedule=_schedule(at, tz, frequency)),
        _("Nothing new: no message") if skip_empty else _("Nothing new: a one-line note"),
        _("Filters: {filters}").format(filters=filters)
        if filters
        else _("Filters: none (/filter +word -word)"),
        next_digest(upcoming),
    ]
    return "\n".join(lines)


def filters_line(include: Sequence[str], exclude: Sequence[str]) -> str:
    return " ".join([f"+{_quoted(t)}" for t in include] + [f"-{_quoted(t)}" for t in exclude])


def _quoted(term: str) -> str:
    return esc(f'"{term}"' if " " in term else term)


def filters_set(include: Sequence[str], exclude: Sequence[str], upcoming: datetime | None) -> str:
    line = filters_line(include, exclude)
    if line:
        head = _("Filters: {filters}.").format(filters=line)
    else:
        head = _("No filters: every story goes in your digest.")
    if include:
        head += " " + _("Only stories with a + word go in.")
    if upcoming is None:
        return head + " " + _("You have no digest yet: /subscribe 08:00 starts one.")
    return f"{head} {next_digest(upcoming)}"


def filter_usage(bad: str = "") -> str:
    usage = _(
        "Write /filter +word to keep only stories with a word, /filter -word to drop "
        'stories with it, /filter +"two words" for a phrase, /filter clear to remove them all.'
    )
    if not bad:
        return usage
    return _("I can't use {bad} as a filter.").format(bad=esc(bad)) + " " + usage


def too_many_filters(cap: int) -> str:
    return ngettext(
        "That makes more than {cap} filter word. /filter clear, then set the ones you need.",
        "That makes more than {cap} filter words. /filter clear, then set the ones you need.",
        cap,
    ).format(cap=cap)


def settings_changed(upcoming: datetime | None) -> str:
    """The answer to a button press (a short notice: plain text)."""
    return (_("Saved.") + " " + next_digest(upcoming)).strip()


_TEXTS["BUTTON_EARLIER_HOUR"] = N_("−1 h")
_TEXTS["BUTTON_LATER_HOUR"] = N_("+1 h")
_TEXTS["BUTTON_EARLIER"] = N_("−15 min")
_TEXTS["BUTTON_LATER"] = N_("+15 min")
_TEXTS["BUTTON_SUBSCRIBE"] = N_("Start a daily digest at 08:00")
# answers to a press on a button that no longer applies (plain text): a /settings button
# of settings the user no longer has, or a button no handler knows
_TEXTS["SETTINGS_OUT_OF_DATE"] = N_(
    "That button is out of date: nothing was changed. Here are your settings as they are now."
)
_TEXTS["BUTTON_OUT_OF_DATE"] = N_("That button is out of date: nothing was changed.")


def button_skip(skip_empty: bool) -> str:
    if skip_empty:
        return _("Nothing new: stay silent ✓")
    return _("Nothing new: send a note ✓")


def button_frequency(frequency: str, current: str) -> str:
    name = _FREQUENCY_BUTTONS.get(frequency)
    label = _(name) if name else frequency
    return f"{label} ✓" if frequency == current else label


# -- digests: what


def digest_nothing_new(filtered: bool) -> str:
    if filtered:
        return _("Your digest: nothing new that passes your filters since the last one.")
    return _("Your digest: nothing new since the last one.")


def digest_no_sources() -> str:
    """A digest for a user with no sources and no links: what a digest holds, and how."""
    return _(
        "Your digest is empty: it holds the posts of the sources you /watch and the links "
        "you send me, and you have none yet. Send /watch @channel (or a feed's URL), or "
        "send me a link."
    )


def digest_story(
    number: int,
    title: str,
    summary: Sequence[str],
    url: str | None,
    sources: Sequence[tuple[str, str]],
    date: str | None = None,
) -> str:
    """One story of a digest's numbered list: its number and title (a link to the article),
    where and when it was seen (each source's name links its article), its first
    sentences. A story without a title (a channel post) is named by its first sentence,
    which is then not repeated as a bullet."""
    sentences = list(summary)
    if not title.strip() and sentences:
        title, sentences = sentences[0], sentences[1:]
    label = title.strip() or _("Untitled")
    web = bool(url) and str(url).lower().startswith(("http://", "https://"))
    lines = [f"<b>{number}. " + (link(str(url), label) if web else esc(label)) + "</b>"]
    named = [
        link(href, name) if href.lower().startswith(("http://", "https://")) else esc(name)
        for name, href in sources
    ]
    meta = []
    if len(named) > 1:
        meta.append(_("Sources: {names}").format(names=", ".join(named)))
    elif named:
        meta.append(_("Source: {names}").format(names=named[0]))
    if date:
        meta.append(esc(date))
    if meta:
        lines.append(" · ".join(meta))
    lines += [f"• {esc(sentence)}" for sentence in sentences]
    return "\n".join(lines)


def digest_more(count: int) -> str:
    return ngettext(
        "…and {count} more story: /latest shows the newest.",
        "…and {count} more stories: /latest shows the newest.",
        count,
    ).format(count=count)


def digest_header(articles: int, stories: int | None = None) -> str:
    head = ngettext(
        "<b>Your digest</b>: the {count} newest article",
        "<b>Your digest</b>: the {count} newest articles",
        articles,
    ).format(count=articles)
    if stories is not None and stories != articles:
        head += ngettext(", in {count} story", ", in {count} stories", stories).format(
            count=stories
        )
    return head + "."


_TEXTS["UNNAMED_CHANNEL"] = N_("channel")  # a channel post's source with no public name


def bad_time(value: str) -> str:
    return _(REASONS["chat.subscribe_time"]).format(value=esc(value))


def bad_zone(value: str) -> str:
    return _(REASONS["chat.subscribe_zone"]).format(value=esc(value))


def subscribe_usage() -> str:
    return _(REASONS["chat.subscribe_usage"])


def subscribe_failed(error: NewsbotError) -> str:
    """The reply to a /subscribe whose arguments cannot be used (handlers.parse_subscription)."""
    value = str(error.params.get("value", ""))
    if error.code == "chat.subscribe_time":
        return bad_time(value)
    if error.code == "chat.subscribe_zone":
        return bad_zone(value)
    if error.code == "chat.subscribe_usage":
        return subscribe_usage()
    return failed(error)


def channel_ingested(new: int) -> str:  # logged, not sent: channels get no replies
    return f"channel post: {new} new"


def no_facts(name: str) -> str:
    return _("I don't know anything about {name} yet.").format(name=esc(name))


def facts_header(name: str) -> str:
    return _("<b>What I know about {name}</b>:").format(name=esc(name))


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def summary_message(article: Article, summary: Sequence[str]) -> str:
    """Title, source and date, the summary's sentences (verbatim), then the link."""
    title = article.title or _("Untitled")
    lines = [f"<b>{esc(title)}</b>"]
    meta = [m for m in (article.site, _date(article.published)) if m]
    if meta:
        lines.append(esc(" · ".join(meta)))
    lines.append("")
    lines += [f"• {esc(sentence)}" for sentence in summary]
    notes = article.extra.get("notes") if isinstance(article.extra, dict) else None
    if notes:  # budgets reached while reading it (summarizer.budgets)
        lines += ["", notes_said([str(n) for n in notes])]
    if article.url and article.url.lower().startswith(("http://", "https://")):
        lines += ["", link(article.url)]
    return "\n".join(lines)


def answer_message(answer: Any) -> str:
    """The short answer alone on the first line, then the quoted evidence with its source.

    Without an answer, the closest sentences found (``related``), plainly not an answer:
    "I'm not sure. The closest I found:"; with none, "I don't know"."""
    if getattr(answer, "answer", None) is None:
        related = [r for r in getattr(answer, "related", None) or [] if getattr(r, "text", "")]
        if not related:
            return dont_know(getattr(answer, "question", ""))
        return "\n".join([_("I'm not sure. The closest I found:"), *_quotes(related, MAX_RELATED)])
    return "\n".join([f"<b>{esc(answer.answer)}</b>", *_quotes(answer.evidence, MAX_EVIDENCE)])


def _quotes(sentences: Sequence[Any], limit: int) -> list[str]:
    """Each sentence quoted (cut at :data:`MAX_QUOTE` characters) with its source."""
    lines: list[str] = []
    for item in list(sentences or [])[:limit]:
        quote = " ".join(str(getattr(item, "text", None) or "").split())
        if not quote:
            continue
        if len(quote) > MAX_QUOTE:
            quote = quote[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"
        lines += ["", f"<blockquote>{esc(quote)}</blockquote>", _cite(item)]
    return lines


def _cite(item: Any) -> str:
    url = getattr(item, "url", None)
    title = getattr(item, "title", None)
    date = _date(getattr(item, "published", None))
    if url and str(url).lower().startswith(("http://", "https://")):
        where = link(str(url), title or str(url))
    else:
        where = esc(title or _("a stored text"))
    return f"— {where}{f', {esc(date)}' if date else ''}"


def facts_message(name: str, found: Sequence[EntityFacts]) -> str:
    """What the store knows about ``name``: for each entity the name may be, the facts
    ``newsbot facts`` lists (``EntityFacts.listed``: roles, then deeds), those resting on
    one sentence together above it, then its source."""
    # (entity's number, the sentence's article and position) -> its facts, as listed
    groups: dict[tuple[int, int, int], list[StoredFact]] = {}
    count = 0
    for number, entity in enumerate(found):
        for fact in entity.listed():
            count += 1
            if count <= MAX_FACTS:
                groups.setdefault((number, fact.article_id, fact.position), []).append(fact)
    if not count:
        return no_facts(name)
    lines = [facts_header(name)]
    shown = -1
    for (number, _article, _position), facts in groups.items():
        entity = found[number]
        if number != shown:
            lines += ["", f"<b>{esc(entity.name)}</b>"]
            shown = number
        for fact in facts:
            what = esc(entity.what(fact))
            lines.append(
                "• " + (_("role: {role}").format(role=what) if fact.kind == "role" else what)
            )
        lines.append(f"<blockquote>{esc(facts[0].sentence)}</blockquote>")
        lines.append(_cite(facts[0]))
    if count > MAX_FACTS:
        lines += ["", facts_more(count - MAX_FACTS)]
    return "\n".join(lines)


def facts_more(count: int) -> str:
    return ngettext("…and {count} more fact.", "…and {count} more facts.", count).format(
        count=count
    )


def source_line(number: int, name: str, source: Source) -> str:
    """A line of /sources: its number (what /unwatch N takes), its name, its last poll."""
    if source.failures:
        error = reason(source.last_error).rstrip(".") if source.last_error else _("unknown error")
        status = _("failing: {error}").format(error=error)
    elif source.last_polled:
        status = _("read {when} UTC").format(when=source.last_polled[:16].replace("T", " "))
    else:
        status = _("not read yet")
    return f"{number}. {esc(name)} ({esc(status)})"


# -- flood control and admins (bot.limits)

_TEXTS["ADMIN_ONLY"] = N_("Sorry: only the bot's administrators can do that.")


def too_many_requests(rate: int, retry_in: float) -> str:
    """Said once a window, to the first message past the rate; the others are skipped
    without a word, as it says. Plain text too: it is also a button press's alert."""
    seconds = max(1, round(retry_in))
    return ngettext(
        "You are sending me more than {rate} message a minute, so I am skipping this one "
        "and any you send in the next {seconds} s, without another word. "
        "Please send them again after that.",
        "You are sending me more than {rate} messages a minute, so I am skipping this one "
        "and any you send in the next {seconds} s, without another word. "
        "Please send them again after that.",
        rate,
    ).format(rate=rate, seconds=seconds)


def too_many_articles(count: int) -> str:
    return ngettext(
        "I am already reading {count} link for you. Please send this one again when it is done.",
        "I am already reading {count} links for you. "
        "Please send this one again when they are done.",
        count,
    ).format(count=count)


def __getattr__(name: str) -> str:
    """``texts.HELP`` and the other constant texts, in the current language."""
    try:
        return _(_TEXTS[name])
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def language_menu(current: str) -> str:
    from .i18n import LANGUAGES, NAMES

    lines = [_("I answer in {language}. To change it, send:").format(language=NAMES[current])]
    lines += [f"/lang {code}: {NAMES[code]}" for code in LANGUAGES]
    return "\n".join(lines)


def language_set(language: str) -> str:
    from .i18n import NAMES

    return _("Done: I answer in {language} now.").format(language=NAMES[language])
