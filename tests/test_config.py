"""Settings: defaults, .env, environment precedence, and one clear sentence for a bad value."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    DEFAULT_BASE_URL,
    ConfigError,
    Settings,
    check_database_path,
    load_settings,
    secrets_of,
)

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghij"


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.token is None
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.database_path == Path("data/quizbot.sqlite3")
    assert settings.quizzes_dir == Path("quizzes")
    assert settings.lessons_dir == Path("content/lessons")
    assert settings.default_language == "zh"
    assert settings.timezone == ZoneInfo("Asia/Shanghai")
    assert settings.owner_ids == frozenset()
    assert settings.log_level == logging.INFO


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nOWNER_IDS=1, 2\nDEFAULT_LANGUAGE=en\nLOG_LEVEL=debug\n"
        "TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot/\n",
        encoding="utf-8",
    )
    settings = load_settings({"DEFAULT_LANGUAGE": "zh"}, env_file=env)
    assert settings.token == TOKEN
    assert settings.owner_ids == frozenset({1, 2})
    assert settings.default_language == "zh"
    assert settings.log_level == logging.DEBUG
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"


def test_token_is_not_in_the_repr() -> None:
    assert TOKEN not in repr(Settings(token=TOKEN))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("OWNER_IDS", "12,abc", "OWNER_IDS='12,abc': 'abc' is not a numeric Telegram user id"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE='Mars/Olympus' is not an IANA time zone name"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE='fr' is not one of: zh, en"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not one of DEBUG"),
        ("TELEGRAM_BASE_URL", "api.telegram.org", "TELEGRAM_BASE_URL='api.telegram.org' is not"),
    ],
)
def test_bad_values_name_key_and_value(tmp_path: Path, key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({key: value}, env_file=None)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_bad_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "not-a-token-secret"}, env_file=None)
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value)
    assert "not-a-token-secret" not in str(caught.value)


def test_database_folder_is_created(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "a" / "b.sqlite3")}, env_file=None)
    check_database_path(settings)
    assert (tmp_path / "a").is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_database_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    settings = load_settings({"DATABASE_PATH": str(folder / "x.sqlite3")}, env_file=None)
    with pytest.raises(ConfigError, match="the bot cannot write there"):
        check_database_path(settings)


def test_database_folder_that_cannot_exist_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    settings = load_settings({"DATABASE_PATH": str(blocker / "db.sqlite3")}, env_file=None)
    with pytest.raises(ConfigError, match=r"^DATABASE_PATH='.*': cannot create the folder"):
        check_database_path(settings)


def test_proxy_accepts_http_https_and_socks5_and_hides_its_password() -> None:
    for proxy in ("http://127.0.0.1:3128", "https://p:8443", "socks5://u:pw@10.0.0.1:1080"):
        settings = load_settings({"TELEGRAM_PROXY": proxy}, env_file=None)
        assert settings.proxy == proxy
        assert proxy not in repr(settings)
    assert secrets_of(
        load_settings({"TELEGRAM_PROXY": "socks5://u:hunter22@h:1"}, env_file=None)
    ) == ["hunter22"]


@pytest.mark.parametrize("proxy", ["ftp://h:1", "127.0.0.1:3128", "socks4://h:1", "http://h:x"])
def test_a_bad_proxy_is_one_sentence_without_its_password(proxy: str) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_PROXY") as caught:
        load_settings({"TELEGRAM_PROXY": proxy.replace("//", "//user:secretpw@")}, env_file=None)
    assert "secretpw" not in str(caught.value)


@pytest.mark.parametrize("port", ["²", "８０", "0", "65536", "-1", "8 0"])
def test_a_port_that_is_not_ascii_digits_is_one_sentence(port: str) -> None:
    with pytest.raises(ConfigError, match=r"METRICS_PORT=.* is not a port number"):
        load_settings({"METRICS_PORT": port}, env_file=None)
