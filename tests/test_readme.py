"""README's transcripts of the bot (issue 16, done-when: "The Telegram bot" shows the flows)
are what the bot says: rendered anew from the real bot against the Bot API stand-in
(:mod:`tests.helpers.transcript`) and compared with the README's blocks."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.transcript import EXCHANGES, blocks_in, transcripts

README = Path(__file__).resolve().parent.parent / "README.md"
# compared whole: nothing in them depends on the day
EXACT = ("start", "question", "not_sure")


async def test_the_readme_transcripts_are_what_the_bot_says(tmp_path: Path) -> None:
    shown = blocks_in(README.read_text(encoding="utf-8"))
    assert set(shown) == set(EXCHANGES), "each exchange has its block in README.md"
    said = await transcripts(tmp_path)
    refresh = "run: python -m tests.helpers.transcript --write README.md"
    for name in EXACT:
        assert shown[name] == said[name], f"{name}: {refresh}"
    # the zone picker's offsets and the next date change with the day: its question holds
    assert shown["subscribe"].splitlines()[:3] == said["subscribe"].splitlines()[:3], refresh
    # the digest's layout is another change's (findings 5, 9): refreshed with it
    assert shown["digest"].splitlines()[0] == said["digest"].splitlines()[0]
