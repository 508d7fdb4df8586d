"""The README's chat transcripts, rendered from the real bot against the Bot API stand-in.

``python -m tests.helpers.transcript`` runs the bot (the python-telegram-bot client,
:func:`tests.test_bot.running`) on a store holding two seed articles, says what a user
would say, and prints each exchange as the chat shows it: the user's message, the bot's
replies as plain text (Telegram's rendering of their HTML: a link shows as its text),
and their inline buttons in brackets. ``--write README.md`` puts them in the README in
place of the blocks marked ``<!-- transcript:NAME -->``; ``tests/test_readme.py``
checks that those still are what the bot says.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import textwrap
from pathlib import Path

from bench.digest_fanout import LimitedStandIn
from summarizer import core
from summarizer.store import Store, open_store
from tests.conftest import ISTANBUL, SEEDS
from tests.helpers.botapi import Sent
from tests.helpers.pages import LoopbackServer

CHAT = 4301
YOU, BOT = "you", "newsbot"
# the exchanges, by name: what the user says (a message, or a button pressed under
# the bot's last message: "press:" and the button's label)
EXCHANGES: dict[str, list[str]] = {
    "start": ["/start"],
    "question": ["Who led Russia's delegation?"],
    "not_sure": ["When will the next round of talks take place?"],
    "subscribe": ["/subscribe", "press:London"],
    "digest": ["/digest"],
}
# a transcript's place in the README: its marker, then a text block (maybe empty)
_BLOCK = r"<!-- transcript:{name} -->\n```text\n((?:(?!```).)*\n)?```"
SEED_FILES = (ISTANBUL, SEEDS / "tass-uk-science-visas-2019-08-09.txt")


def store_seeds(db: str) -> None:
    """The seed articles, stored as links the transcript's user sent (a digest holds only
    the user's own sources and links)."""
    with open_store(db) as store:
        store.upsert_user(CHAT, CHAT, "en")
        for path in SEED_FILES:
            stored = core.store_digest(store, core.digest(core.read_file(path)))
            store.add_user_article(CHAT, stored.article_id)


def all_handled(store: Store, count: int) -> bool:
    from tests.test_security_bot import all_handled as handled

    return handled(store, count)


def _buttons(api: LimitedStandIn, sent: Sent) -> list[list[dict[str, str]]]:
    return api.markup(sent.chat_id, sent.message_id)


def render(api: LimitedStandIn, lines: list[tuple[str, str]]) -> str:
    """(speaker, text) lines as the chat shows them, the speaker once per turn."""
    width = max(len(YOU), len(BOT))
    out = []
    for speaker, text in lines:
        wrapped = [part for line in text.splitlines() for part in textwrap.wrap(line, 80) or [""]]
        for index, line in enumerate(wrapped or [""]):
            label = speaker.rjust(width) if index == 0 else " " * width
            out.append(f"{label} │ {line}".rstrip())
    return "\n".join(out)


async def exchange(api: LimitedStandIn, store: Store, said: list[str]) -> str:
    """Say (or press) each of ``said``; the transcript of it and of every reply."""
    lines: list[tuple[str, str]] = []
    last: Sent | None = None
    for what in said:
        before = len(api.to_chat(CHAT))
        handled = store.stats()["handled_updates"] + 1
        if what.startswith("press:"):
            assert last is not None, "a press needs a message of the bot's above it"
            label = what.removeprefix("press:")
            button = next(
                b for row in _buttons(api, last) for b in row if b["text"].startswith(label)
            )
            lines.append((YOU, f"(presses [{button['text']}])"))
            answered, edits = len(api.answers), last.edits
            await api.press(CHAT, last.message_id, button["callback_data"])
            await api.wait_for(
                lambda a=answered, e=edits, m=last: len(api.answers) > a and m.edits > e,
                what=f"the answer to {label}",
            )
            toast = str(api.answers[-1].get("text", ""))
            if toast:
                lines.append((BOT, f"(a notice: {toast})"))
            lines.append((BOT, f"(the message above becomes:)\n{_shown(api, last)}"))
            continue
        lines.append((YOU, what))
        await api.say(CHAT, what)
        # every message of the reply: the update is finished once the last one is sent
        await api.wait_for(lambda n=handled: all_handled(store, n), what=f"the reply to {what}")
        for sent in api.to_chat(CHAT)[before:]:
            lines.append((BOT, _shown(api, sent)))
            last = sent
    return render(api, lines)


def _shown(api: LimitedStandIn, sent: Sent) -> str:
    rows = _buttons(api, sent)
    keys = ["  ".join(f"[ {b['text']} ]" for b in row) for row in rows]
    return "\n".join([sent.text, *keys])


async def transcripts(directory: Path) -> dict[str, str]:
    """Every exchange of :data:`EXCHANGES`, rendered, by name."""
    from tests.test_bot import make_settings, running, site_routes

    async with LimitedStandIn() as api, LoopbackServer(site_routes()) as site:
        settings = make_settings(api, site, directory / "bot.db")
        await asyncio.to_thread(store_seeds, settings.db)
        async with running(api, settings) as app:
            store = app.bot_data.store
            return {name: await exchange(api, store, said) for name, said in EXCHANGES.items()}


def block(name: str, text: str) -> str:
    return f"<!-- transcript:{name} -->\n```text\n{text}\n```"


def blocks_in(markdown: str) -> dict[str, str]:
    """The transcripts a Markdown text shows, by name."""
    found = re.finditer(_BLOCK.format(name=r"(\w+)"), markdown, re.S)
    return {m.group(1): (m.group(2) or "").removesuffix("\n") for m in found}


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as directory:
        found = asyncio.run(transcripts(Path(directory)))
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        markdown = path.read_text(encoding="utf-8")
        for name, text in found.items():
            pattern = re.compile(_BLOCK.format(name=name), re.S)
            markdown = pattern.sub(lambda _m, n=name, t=text: block(n, t), markdown)
        path.write_text(markdown, encoding="utf-8")
        return 0
    for name, text in found.items():
        sys.stdout.write(block(name, text) + "\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
