"""Handing freed memory back to the system after a big input (issue 17, finding 2).

CPython frees the objects of a big page, but glibc's allocator keeps the pages of its
heap, so the process's RSS stays at its peak. :func:`release` asks glibc to return
them (``malloc_trim(0)``); elsewhere (musl, macOS) it does nothing. The pipeline calls
it after an article or a feed over :data:`BIG_INPUT_CHARS`; ``bench.memory`` measures
what it gives back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
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


def release() -> bool:
    """Collect garbage and return the allocator's free memory to the system; whether
    anything could be asked (glibc only)."""
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def after(size: int) -> None:
    """After an input of ``size`` characters: :func:`release` when it was big."""
    if size >= BIG_INPUT_CHARS:
        release()
