"""The memory of big inputs (issue 17, finding 2).

An article or a feed over :data:`BIG_INPUT_CHARS` is read in :func:`one_big_input`:
one at a time in the process, then :func:`release`; :func:`limit_arenas` keeps glibc
to 2 heaps for the threads. ``bench.memory`` measures the level after the largest
inputs allowed, read at once by four users: what stays is not their objects
(tracemalloc: 4 MB of them) but allocator pages that a few surviving objects keep,
mostly CPython's arenas (some 40 MiB); ``malloc_trim`` gives back a few MB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

#: an input this long (characters) is followed by :func:`release`
BIG_INPUT_CHARS = 100_000


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


#: caches of the libraries keyed by a page's text or words, forgotten after a big input:
#: (module, the cached function's path in it)
TEXT_CACHES = (
    # the last 1,024 text nodes trafilatura trimmed and lines it cleaned, whatever their
    # length: after a 250 kB page, a megabyte of them
    ("trafilatura.utils", "trim"),
    ("trafilatura.utils", "line_processing"),
    # natasha's last 10,000 words analysed: a few hundred new ones after a big Russian
    # page, but scattered, they keep 7 of the 21 MiB of CPython's arenas its parse took
    ("natasha.morph.vocab", "MorphVocab.parse"),
)


def release() -> bool:
    """Forget :data:`TEXT_CACHES`, collect garbage and return the allocator's free memory
    to the system; whether anything could be asked (glibc only). Loads nothing."""
    for module, path in TEXT_CACHES:
        cached: Any = sys.modules.get(module)
        for name in path.split("."):
            cached = getattr(cached, name, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


#: glibc's mallopt parameter for the most heaps ("arenas") it makes for threads
_M_ARENA_MAX = -8
#: heaps the bot's processes let glibc make (unless MALLOC_ARENA_MAX says otherwise)
ARENAS = 2


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Let glibc make at most ``arenas`` heaps for the threads from now on (it makes up
    to 8 a core by default); whether it was set. Not when ``MALLOC_ARENA_MAX`` is in
    the environment (glibc read it at start), nor off glibc.

    Each executor thread that reads a big input would otherwise get a heap of its own,
    whose free memory no other thread reuses and ``malloc_trim`` barely gives back:
    ``bench.memory`` measured the level after the largest inputs +73, +81 and +79 MB
    above the level before with glibc's default, +54, +27 and +35 MB with 2 heaps,
    in the same wall clock. Called by the bot and the worker as they start.
    """
    libc = _libc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


_ONE_BIG = threading.RLock()


@contextmanager
def one_big_input(size: int) -> Iterator[None]:
    """Read an input of ``size`` characters: one over :data:`BIG_INPUT_CHARS` at a time
    in the process (the others wait), then :func:`release`. Smaller inputs pass at once.

    Read at once in threads, big inputs interleave their short-lived objects in the
    same pages of the allocators, and the few objects that outlive them (cache
    entries, say) then keep those pages. ``bench.memory``, the level after the largest
    inputs minus before, three runs each: read at once +86, +88 and +55 MB; one at a
    time +80, +61 and +26 MB (the rest the same).
    """
    if size < BIG_INPUT_CHARS:
        yield
        return
    with _ONE_BIG:
        try:
            yield
        finally:
            release()
