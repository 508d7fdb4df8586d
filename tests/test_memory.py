"""Memory after big inputs (issue 17, finding 2): one big input is read at a time.

``bench.memory`` measures the level; these tests check the machinery it relies on,
by the order of events (never a time).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from summarizer import core, memory
from summarizer.fetch import Page

BIG = "Harbour news. " * (memory.BIG_INPUT_CHARS // 14 + 1)


def _page(text: str, n: int) -> Page:
    return Page(f"http://example.com/{n}", 200, text, "text/plain", None, None)


def test_two_big_pages_are_read_one_at_a_time_and_a_small_one_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two big pages read in two threads: the second is read only after the first is
    done, while a small page is read at once. Read at once, big inputs left the
    allocators' pages fragmented (bench.memory)."""
    events: list[str] = []
    first_inside = threading.Event()
    small_read = threading.Event()
    second_inside = threading.Event()
    real = core.read_text

    def read(text: str) -> Any:
        big = len(text) >= memory.BIG_INPUT_CHARS
        name = "small" if not big else ("second" if first_inside.is_set() else "first")
        events.append(f"{name} started")
        if name == "first":
            first_inside.set()
            small_read.wait(30)
            second_inside.wait(2)  # set only if the second big page got in meanwhile
        elif name == "second":
            second_inside.set()
        try:
            return real(text)
        finally:
            events.append(f"{name} ended")
            if name == "small":
                small_read.set()

    monkeypatch.setattr(core, "read_text", read)
    first = threading.Thread(target=core.article_from_page, args=(_page(BIG, 1),))
    first.start()
    assert first_inside.wait(30)
    second = threading.Thread(target=core.article_from_page, args=(_page(BIG, 2),))
    second.start()
    small = core.article_from_page(_page("A small page. It is read at once.", 3))
    first.join(60)
    second.join(60)
    assert small.text.startswith("A small page.")
    assert events.index("small ended") < events.index("first ended")
    assert events.index("first ended") < events.index("second started"), events


def test_a_big_input_is_followed_by_a_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a big input (not a small one) the allocator's free memory is handed back."""
    released: list[bool] = []
    monkeypatch.setattr(memory, "release", lambda: released.append(True) or True)
    with memory.one_big_input(10):
        pass
    assert released == []
    big = memory.one_big_input(memory.BIG_INPUT_CHARS)
    with pytest.raises(ValueError, match="releases too"), big:
        raise ValueError("a failing read releases too")
    assert released == [True]


def test_a_release_forgets_the_text_kept_by_trafilatura() -> None:
    """trafilatura keeps the last 1,024 text nodes it trimmed, whatever their length:
    after a big page, its text stays until a release."""
    from trafilatura import utils

    node = "мэр города  заявил " * 10_000
    utils.trim(node)
    assert utils.trim.cache_info().currsize >= 1
    memory.release()
    assert utils.trim.cache_info().currsize == 0


def test_the_bot_limits_glibcs_heaps_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bot limits glibc to 2 heaps for its threads as it is built (bench.memory:
    the level after the largest inputs 40 MB lower); MALLOC_ARENA_MAX, read by glibc
    itself, is left to decide when it is set."""
    from bot.app import build_application
    from summarizer import Settings

    if memory._libc() is None:
        pytest.skip("not glibc")
    asked: list[int] = []
    monkeypatch.setattr(memory._libc(), "mallopt", lambda what, value: asked.append(value) or 1)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.limit_arenas() is False
    assert asked == []
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    build_application(Settings(token="1:x"))
    assert asked == [memory.ARENAS]
