"""Settings, read once when the program starts (never at import time).

Each setting comes from the environment variable ``NEWSBOT_<NAME>`` or from the
key ``<name>`` of an optional ``newsbot.toml`` in the working directory (or the
file named by ``NEWSBOT_CONFIG``). The environment wins. A value that cannot
be used stops the start with a message that names the setting.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import BadInput

DEFAULT_API_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    db: str = "./newsbot.db"
    admins: tuple[int, ...] = ()
    tme_url: str = "https://t.me"
    poll_interval: float = 300.0
    allow_private_urls: bool = False
    tz: str = "UTC"
    log_level: str = "INFO"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    webhook_secret: str | None = None
    webhook_url: str | None = None  # set: `newsbot run` receives updates there (webhook mode)
    log_format: str = "text"  # or "json": one JSON object a line
    # fetching (summarizer.fetch): seconds for one URL in all, and between pieces of its answer
    fetch_timeout: float = 30.0
    fetch_read_timeout: float = 15.0
    fetch_max_bytes: int = 5_000_000
    fetch_limit: int = 10  # fetches at once, in all
    fetch_limit_per_host: int = 2  # fetches at once to one host
    # flood control per user (bot.limits)
    user_rate: int = 20  # requests a minute
    user_articles: int = 3  # links being read at once
    # posts read an hour per channel where the bot is an administrator (bot.limits)
    channel_posts: int = 30
    # running at scale, with a PostgreSQL store (bot.leader, bot.worker)
    leader_interval: float = 5.0  # seconds between tries for the leader lock (and checks of it)
    leader_polls: bool = True  # the leader polls sources too, claiming them like the workers
    worker_concurrency: int = 4  # sources one `newsbot worker` polls at once

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, config_file: str | Path | None = None
    ) -> Settings:
        """Read the settings from ``environ`` (default ``os.environ``) and the toml file."""
        env = os.environ if environ is None else environ
        path = Path(config_file or env.get("NEWSBOT_CONFIG") or "newsbot.toml")
        raw: dict[str, Any] = {}
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    raw.update({k.lower(): v for k, v in tomllib.load(fh).items()})
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise BadInput("config.unreadable", path=path, reason=exc) from exc
        for f in fields(cls):
            value = env.get(f"NEWSBOT_{f.name.upper()}")
            if value is not None and value != "":
                raw[f.name] = value
        if "token" not in raw and env.get("TELEGRAM_BOT_TOKEN"):
            raw["token"] = env["TELEGRAM_BOT_TOKEN"]
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise BadInput("config.unknown", path=path, names=", ".join(unknown))
        settings = cls(
            **{name: _convert(name, known[name].type, value) for name, value in raw.items()}
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Values of the right type that still cannot be used stop the start here."""
        _check("log_level", self.log_level, self.log_level.upper() in _LOG_LEVELS, _LOG_LEVELS)
        _check("log_format", self.log_format, self.log_format in _LOG_FORMATS, _LOG_FORMATS)
        _check("http_port", self.http_port, 0 <= self.http_port <= 65535, "a port, 0-65535")
        for name in ("api_url", "tme_url", "webhook_url"):
            value = getattr(self, name)
            is_web = value is None or str(value).startswith(("http://", "https://"))
            _check(name, value, is_web, "an http(s):// URL")
        secret = self.webhook_secret
        # Telegram's rule for secret_token; the value itself is never printed
        fits = secret is None or re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret) is not None
        _check("webhook_secret", "(hidden)", fits, "1-256 of A-Z a-z 0-9 _ -")
        interval = self.leader_interval
        _check("leader_interval", interval, 0.5 <= interval <= 300, "seconds, 0.5-300")
        workers = self.worker_concurrency
        _check("worker_concurrency", workers, 1 <= workers <= 64, "a whole number, 1-64")


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_FORMATS = ("text", "json")


def _check(name: str, value: Any, ok: bool, expected: str | tuple[str, ...]) -> None:
    if not ok:
        wanted = expected if isinstance(expected, str) else "one of " + ", ".join(expected)
        raise BadInput(
            "config.value", setting=f"NEWSBOT_{name.upper()}", value=value, wanted=wanted
        )


def _convert(name: str, kind: Any, value: Any) -> Any:
    label = f"NEWSBOT_{name.upper()}"
    kind = str(kind)
    try:
        if kind.startswith("bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(value)
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            number = float(value)
            if number <= 0:
                raise ValueError(value)
            return number
        if kind.startswith("tuple"):
            items = value if isinstance(value, list) else str(value).split(",")
            return tuple(int(str(item).strip()) for item in items if str(item).strip())
        return str(value)
    except ValueError:
        raise BadInput("config.value_type", setting=label, value=value) from None
