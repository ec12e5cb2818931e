"""Webhook and metrics settings: Telegram's rules, one sentence each, the secret kept secret."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.config import ENV_KEYS, ConfigError, Settings, load_settings, secrets_of
from bot.logs import Redactor
from tests.test_cli import ROOT

URL = "https://bot.example.org/telegram/hook"
SECRET = "s3cret_Token-for-the-webhook-1234567890"


def settings(**values: str) -> Settings:
    return load_settings(values, env_file=None)


def test_polling_is_the_default_and_metrics_are_off() -> None:
    s = settings()
    assert not s.webhook
    assert s.webhook_secret is None
    assert (s.webhook_listen, s.webhook_port) == ("127.0.0.1", 8443)
    assert (s.metrics_host, s.metrics_port) == ("127.0.0.1", None)


def test_webhook_with_a_given_secret() -> None:
    s = settings(
        WEBHOOK_URL=URL, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="192.168.1.10", WEBHOOK_PORT="88"
    )
    assert s.webhook
    assert s.webhook_path == "telegram/hook"
    assert s.webhook_secret == SECRET
    assert not s.webhook_secret_generated
    assert (s.webhook_listen, s.webhook_port) == ("192.168.1.10", 88)
    assert SECRET not in repr(s)


def test_a_missing_secret_is_generated_and_redacted_from_logs() -> None:
    first, second = settings(WEBHOOK_URL=URL), settings(WEBHOOK_URL=URL)
    assert first.webhook_secret_generated
    assert first.webhook_secret is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", first.webhook_secret)
    assert first.webhook_secret != second.webhook_secret
    assert first.webhook_secret in secrets_of(first)
    redact = Redactor(secrets_of(first))
    assert first.webhook_secret not in redact(f"setWebhook secret_token={first.webhook_secret}")
    assert first.webhook_secret not in repr(first)


@pytest.mark.parametrize("port", ["", ":443", ":80", ":88", ":8443"])
def test_telegram_webhook_ports_are_accepted(port: str) -> None:
    assert settings(WEBHOOK_URL=f"https://bot.example.org{port}/hook").webhook


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"WEBHOOK_URL": "http://bot.example.org/hook"},
            "WEBHOOK_URL='http://bot.example.org/hook' must start with https:// because "
            "Telegram delivers webhooks only over HTTPS (put a reverse proxy with a certificate "
            "in front, see deploy/)",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org:8080/hook"},
            "WEBHOOK_URL='https://bot.example.org:8080/hook' uses port 8080, but Telegram "
            "delivers webhooks only to ports 443, 80, 88, 8443",
        ),
        (
            {"WEBHOOK_URL": "bot.example.org/hook"},
            "WEBHOOK_URL='bot.example.org/hook' is not an https:// address such as "
            "https://bot.example.org/telegram",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org:https/hook"},
            "WEBHOOK_URL='https://bot.example.org:https/hook' is not an https:// address",
        ),
        (
            {"WEBHOOK_URL": URL, "WEBHOOK_SECRET": "has spaces and !"},
            "WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (the value is "
            "not shown because it is secret; leave it empty to have one generated at start)",
        ),
        ({"WEBHOOK_URL": URL, "WEBHOOK_SECRET": "a" * 257}, "WEBHOOK_SECRET must be 1 to 256"),
        ({"WEBHOOK_PORT": "https"}, "WEBHOOK_PORT='https' is not a port number from 1 to 65535"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT='70000' is not a port number from 1 to 65535"),
        ({"METRICS_PORT": "0"}, "METRICS_PORT='0' is not a port number from 1 to 65535"),
        (
            {"WEBHOOK_LISTEN": "every where"},
            "WEBHOOK_LISTEN='every where' is not an address to listen on such as 127.0.0.1",
        ),
        ({"METRICS_HOST": "-bad-"}, "METRICS_HOST='-bad-' is not an address to listen on"),
        (
            {"WEBHOOK_URL": URL, "METRICS_PORT": "8443"},
            "METRICS_PORT=8443 is also WEBHOOK_PORT; give the metrics another port",
        ),
    ],
)
def test_bad_values_are_one_sentence(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(**values)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert "has spaces" not in str(caught.value)  # a secret is never echoed


def test_the_secret_may_be_one_to_256_characters() -> None:
    assert settings(WEBHOOK_URL=URL, WEBHOOK_SECRET="x").webhook_secret == "x"
    assert settings(WEBHOOK_URL=URL, WEBHOOK_SECRET="a-Z_9" * 51 + "a").webhook_secret


def test_a_self_hosted_bot_api_server_may_post_over_http_to_any_port() -> None:
    s = settings(
        TELEGRAM_BASE_URL="http://127.0.0.1:8081/bot", WEBHOOK_URL="http://127.0.0.1:9000/hook"
    )
    assert s.webhook_url == "http://127.0.0.1:9000/hook"


@pytest.mark.parametrize(("text", "port"), [("", None), ("off", None), ("9090", 9090)])
def test_metrics_port(text: str, port: int | None) -> None:
    assert settings(METRICS_PORT=text).metrics_port == port


# --------------------------------------------------------------------------- the key list


def keys_read_by_config() -> set[str]:
    """Every KEY in ``get("KEY", ...)`` inside bot/config.py, found with ast."""
    tree = ast.parse((ROOT / "bot" / "config.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def keys_in(example: Path) -> list[str]:
    """Keys set in an env file, commented-out ones (``# KEY=``) included."""
    return re.findall(r"^(?:# ?)?([A-Z][A-Z0-9_]*)=", example.read_text(), flags=re.MULTILINE)


def test_env_keys_are_exactly_the_keys_config_reads() -> None:
    assert keys_read_by_config() == set(ENV_KEYS)
    assert len(ENV_KEYS) == len(set(ENV_KEYS))


def test_reading_an_unlisted_key_is_a_programming_error() -> None:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    assert "if key not in ENV_KEYS" in source  # the guard that keeps the list complete


@pytest.mark.parametrize("example", [".env.example", "deploy/quizbot.env.example"])
def test_env_examples_list_exactly_the_keys_the_bot_reads(example: str) -> None:
    keys = keys_in(ROOT / example)
    assert sorted(keys) == sorted(ENV_KEYS)
    assert len(keys) == len(set(keys))


def test_readme_configuration_table_lists_every_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    assert table == set(ENV_KEYS)
