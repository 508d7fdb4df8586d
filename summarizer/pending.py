"""Facts still to be read: articles stored before their facts, read when needed.

Parsing is most of the cost of reading an article, so articles watched in bulk are
stored first and their facts read later: when a question or ``/facts`` first searches
them (:func:`read_for_hits`), and by the bot's leader when it has nothing else to do.
The facts are the same either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence

from .analysis import Analysis
from .errors import NewsbotError
from .facts import analyse
from .language import written_in
from .store import PendingFacts, Store

logger = logging.getLogger(__name__)


def read_pending(
    store: Store,
    article_ids: Sequence[int] | None = None,
    *,
    limit: int = 50,
    seconds: float | None = None,
) -> int:
    """Read and store the facts of articles stored with theirs pending; how many.

    ``article_ids``: those of these articles that are pending (a search's hits, in
    rank order), else the newest pending ones; at most ``limit``, and no new article
    is started after ``seconds`` (when given). Like :func:`summarizer.core.digest`,
    only text written in English, Russian or Ukrainian is parsed; other articles, and
    one whose parse fails, are marked as having no facts (so never read again). Safe
    to run in several processes at once: each article's facts are stored once
    (:meth:`Store.add_facts`).
    """
    start = time.monotonic()
    done = 0
    for pending in store.pending_facts(article_ids, limit=limit):
        if seconds is not None and done and time.monotonic() - start > seconds:
            break
        done += store.add_facts(pending.article_id, _analysis(pending))
    return done


def _analysis(pending: PendingFacts) -> Analysis | None:
    """The facts of a pending article, or None: not in a language read, or unreadable.

    An article whose parse fails is logged and stored with no facts, once: read again,
    it would fail again, on every question that finds it and in every background round.
    """
    language = pending.language or "en"
    text = " ".join(filter(None, [pending.title, *pending.sentences[:20]]))
    if not pending.sentences or not written_in(text, language):
        return None
    try:
        return analyse(pending.sentences, language)
    except NewsbotError:
        raise  # no model installed, say: no fault of this article's
    except Exception:  # whatever a parser raises on this text (spaCy's E088, MemoryError, …)
        logger.warning(
            "the facts of article %d cannot be read; it is kept with none",
            pending.article_id,
            exc_info=True,
        )
        return None


def read_all_pending(store: Store, batch: int = 50) -> Iterator[int]:
    """Read the facts of every pending article, ``batch`` articles at a time; yields how
    many each batch read. Stops when none is left, or when a batch reads none (another
    process is reading the rest)."""
    while store.count_pending_facts():
        done = read_pending(store, limit=batch)
        if not done:
            return
        yield done


#: At most this many articles found by one search have their pending facts read then
READ_ON_DEMAND = 12


def read_for_hits(store: Store, article_ids: Iterable[int]) -> int:
    """Before a search's hits are used: read the pending facts of their articles
    (the first :data:`READ_ON_DEMAND` of them, in the hits' order); how many."""
    wanted = list(dict.fromkeys(article_ids))
    if not wanted or not store.count_pending_facts():
        return 0
    return read_pending(store, wanted, limit=READ_ON_DEMAND)
