"""Settings from the environment and newsbot.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.config import Settings
from summarizer.errors import BadInput


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.load({}, config_file=tmp_path / "absent.toml")
    assert settings.db == "./newsbot.db"
    assert settings.allow_private_urls is False
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.poll_interval == 300


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "newsbot.toml"
    config.write_text('db = "/data/file.db"\npoll_interval = 60\nadmins = [1, 2]\n')
    settings = Settings.load(
        {"NEWSBOT_DB": "/data/env.db", "NEWSBOT_ALLOW_PRIVATE_URLS": "1"}, config_file=config
    )
    assert settings.db == "/data/env.db"
    assert settings.poll_interval == 60
    assert settings.admins == (1, 2)
    assert settings.allow_private_urls is True


def test_telegram_bot_token_is_accepted(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    assert Settings.load({"TELEGRAM_BOT_TOKEN": "1:a"}, config_file=none).token == "1:a"
    both = {"TELEGRAM_BOT_TOKEN": "1:a", "NEWSBOT_TOKEN": "2:b"}
    assert Settings.load(both, config_file=none).token == "2:b"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"NEWSBOT_POLL_INTERVAL": "soon"}, "NEWSBOT_POLL_INTERVAL"),
        ({"NEWSBOT_ADMINS": "12,abc"}, "NEWSBOT_ADMINS"),
        ({"NEWSBOT_ALLOW_PRIVATE_URLS": "maybe"}, "NEWSBOT_ALLOW_PRIVATE_URLS"),
    ],
)
def test_a_bad_value_names_the_setting(env: dict[str, str], name: str, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=name):
        Settings.load(env, config_file=tmp_path / "none.toml")


def test_unknown_keys_in_the_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "newsbot.toml"
    config.write_text('databse = "typo.db"\n')
    with pytest.raises(BadInput, match="databse"):
        Settings.load({}, config_file=config)
