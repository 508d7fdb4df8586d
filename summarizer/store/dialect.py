"""How a backend speaks SQL: its :class:`Dialect`, a transaction, and the hooks it supplies.

Shared SQL is written with ``?`` placeholders, ``TRUE``/``FALSE`` and row locks
(``FOR UPDATE``, ``FOR SHARE``, ``SKIP LOCKED``); :meth:`Dialect.sql` turns it into the
backend's own. :class:`Backend` lists what each backend implements itself; everything
else is written once in :mod:`.sql`.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar

from .base import Store
from .records import Due, Row

Params = Sequence[Any]
_ROW_LOCK = re.compile(r"\s+FOR (?:UPDATE(?: SKIP LOCKED)?|SHARE)\b")


@dataclass(frozen=True)
class Dialect:
    """What differs in the shared SQL and the schema between two databases.

    The defaults are SQLite's (the embedded store); a server database sets what it
    spells otherwise.
    """

    retry_error: type[Exception]  # raised when a concurrent writer made a write vanish
    param: str = "?"  # the placeholder
    true: str = "1"  # how TRUE and FALSE are written (booleans are integers)
    false: str = "0"
    row_locks: bool = False  # FOR UPDATE / FOR SHARE dropped: the write lock covers them
    greatest: str = "max"  # the two-argument maximum
    arrays: bool = False  # IN-lists as one array parameter (= ANY(?::type[])), not ?, ?, …
    # NUL characters dropped from text: PostgreSQL's text cannot hold them, and SQLite
    # drops them too, so that both backends store (and answer) the same
    strip_nul: bool = True
    like_escape: bool = False  # LIKE treats a backslash as its escape character
    # the schema's types (see migrations.scripts)
    pk: str = "INTEGER PRIMARY KEY"  # an id the database assigns
    bigint: str = "INTEGER"
    time: str = "TEXT"  # ISO 8601 text, compared byte by byte
    boolean: str = "INTEGER"
    stamp: str = "TEXT"  # a UTC time (ISO 8601 with microseconds here)

    def sql(self, text: str) -> str:
        return _translate(self, text)

    def in_list(self, column: str, values: Iterable[Any], kind: str = "bigint") -> tuple[str, list]:
        """``column`` among ``values``, as SQL and its parameters."""
        values = list(values)
        if self.arrays:
            return f"{column} = ANY(?::{kind}[])", [values]
        return f"{column} IN ({', '.join('?' * len(values))})", values

    def clean(self, value: str | None) -> str | None:
        return value.replace("\x00", "") if self.strip_nul and value else value

    def like(self, text: str) -> str:
        """``text`` matched literally inside a LIKE pattern."""
        if not self.like_escape:
            return text
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@lru_cache(maxsize=512)
def _translate(dialect: Dialect, text: str) -> str:
    if not dialect.row_locks:
        text = _ROW_LOCK.sub("", text)
    text = re.sub(r"\bTRUE\b", dialect.true, text)
    text = re.sub(r"\bFALSE\b", dialect.false, text)
    text = text.replace("greatest(", f"{dialect.greatest}(")
    return text.replace("?", dialect.param) if dialect.param != "?" else text


class Tx:
    """One open transaction: statements in the shared SQL."""

    def __init__(self, db: Any, dialect: Dialect, many: Callable[[Any, str, list], None]) -> None:
        self.db = db
        self.dialect = dialect
        self.run_many = many

    def execute(self, sql: str, params: Params = ()) -> Any:
        return self.db.execute(self.dialect.sql(sql), params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.all(sql, params)  # all, so a RETURNING statement is finished
        return rows[0] if rows else None

    def run(self, sql: str, params: Params = ()) -> int:
        """Execute; how many rows changed."""
        return int(self.execute(sql, params).rowcount)

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        rows = list(rows)
        if rows:
            self.run_many(self.db, self.dialect.sql(sql), rows)


class Backend(Store):
    """A :class:`Store` over one SQL connection: what each backend supplies."""

    dialect: ClassVar[Dialect]

    # -- what a backend supplies

    @abstractmethod
    def _begin(self) -> AbstractContextManager[Any]:
        """A write transaction on the connection (held under the store's lock)."""

    @abstractmethod
    def _fetch(self, sql: str, params: Params) -> list[Row]:
        """Every row of one read (``sql`` already in the dialect), outside a transaction."""

    @abstractmethod
    def _many(self, db: Any, sql: str, rows: list) -> None:
        """Execute ``sql`` once per row of parameters."""

    @abstractmethod
    def _add_sentences(
        self, tx: Tx, article_id: int, language: str | None, sentences: Sequence[str]
    ) -> int:
        """Store and index an article's sentences; the tokens indexed (0 when uncounted)."""

    def _sentences_added(self, tx: Tx, sentences: int, tokens: int) -> None:
        """Called last in the transaction that stored an article (search statistics)."""

    @abstractmethod
    def _claim(
        self, worker: str, now: datetime, lease: timedelta, due: Due, limit: int
    ) -> list[Row]:
        """Lease up to ``limit`` sources due at ``now`` to ``worker`` (see claim_sources)."""

    @abstractmethod
    def _search(self, terms: Sequence[str], limit: int, language: str | None) -> list[Row]:
        """The best sentences for ``terms`` (see search_sentences): article_id, position,
        text, score (higher is better), url, title, published."""

    @abstractmethod
    def _mentions(self, sentences: Sequence[tuple[int, int]]) -> list[Row]:
        """The mention rows in these (article id, position) pairs (see mentions_in)."""

    # -- plumbing

    @contextmanager
    def _tx(self) -> Iterator[Tx]:
        with self._begin() as db:
            yield Tx(db, self.dialect, self._many)

    def _read(self, sql: str, params: Params = ()) -> list[Row]:
        return self._fetch(self.dialect.sql(sql), params)

    def _one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self._read(sql, params)
        return rows[0] if rows else None
