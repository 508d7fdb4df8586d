"""Logging for the command line and the bot: one line per event, the token never shown.

``NEWSBOT_LOG_FORMAT=text`` (the default) writes ``LEVEL logger: message``;
``json`` writes one JSON object a line (``time``, ``level``, ``logger``,
``message`` and, for errors, ``exc``) for log shippers. Either way a
traceback stays on its event's line, and the bot token, and anything shaped
like a bot token (``123456:ABC…``), is replaced by ``[token]`` in every line:
a URL of the Bot API carries the token in its path.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[token]"
QUIET = (
    "trafilatura",
    "htmldate",
    "courlan",
    "charset_normalizer",
    "readability",
    "pymorphy2",
    "natasha",
    "slovnet",
)


class _Redacting(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)


class TextFormatter(_Redacting):
    """``LEVEL logger: message``, with a traceback folded onto the same line."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(secrets, "%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return self.redact(line).replace("\r", "").replace("\n", " ⏎ ")


class JsonFormatter(_Redacting):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(
    level: str = "INFO",
    fmt: str = "text",
    secrets: tuple[str | None, ...] = (),
    stream: TextIO | None = None,
) -> None:
    """Send every log record to ``stream`` (stderr) in ``fmt``, hiding ``secrets``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    kept = tuple(s for s in secrets if s)
    handler.setFormatter(JsonFormatter(kept) if fmt == "json" else TextFormatter(kept))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.ERROR)
