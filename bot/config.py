"""Settings from the environment and ``.env``: the only reader of either.

Environment variables win over ``.env``. A bad value stops start-up with one sentence that names
the key and the value (never the token's value: it is a secret).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.schedule import (
    QuietHours,
    allowed_time,
    format_hhmm,
    parse_hhmm,
    parse_quiet_hours,
)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
LANGUAGES = ("zh", "en")
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_HOST_NAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The only ports Telegram delivers webhooks to (Bot API ``setWebhook``)."""
TELEGRAM_API_HOST = "api.telegram.org"

ENV_KEYS: tuple[str, ...] = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_PROXY",
    "DATABASE_PATH",
    "QUIZZES_DIR",
    "BOT_USERNAME",
    "CONTENT_DIR",
    "DEFAULT_LANGUAGE",
    "TIMEZONE",
    "OWNER_IDS",
    "LOG_LEVEL",
    "LESSON_TIME",
    "QUIET_HOURS",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "METRICS_HOST",
    "METRICS_PORT",
)
"""Every key ``load_settings`` reads, in the order of ``.env.example``; reading another fails.

``deploy/quizbot.env.example`` and ``.env.example`` are checked against this list by a test.
"""
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]$")  # 5-32, ends in "bot"


class ConfigError(Exception):
    """A configuration value is wrong; the message is meant for the operator."""


class StartupError(Exception):
    """The bot cannot start (the Bot API refused or cannot be reached); one sentence."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    proxy: str | None = field(default=None, repr=False)  # may carry a password
    database_path: Path = Path("data/quizbot.sqlite3")
    quizzes_dir: Path = Path("quizzes")
    content_dir: Path = Path("content")
    default_language: str = "zh"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    owner_ids: frozenset[int] = frozenset()
    log_level: int = logging.INFO
    lesson_time: time = time(20, 0)  # daily lessons: default local time for /subscribe
    quiet_hours: QuietHours = field(default_factory=QuietHours)  # never push inside
    # Webhook mode (long polling when webhook_url is None); see docs in README "Webhook mode".
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)  # Telegram's header token
    webhook_secret_generated: bool = False  # made at start: no WEBHOOK_SECRET was given
    webhook_listen: str = "127.0.0.1"  # the local address PTB's webhook server binds
    webhook_port: int = 8443
    # /metrics and /healthz (bot/health.py); off when metrics_port is None.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    bot_username: str | None = None  # for deep links without a token (campaign posters)

    @property
    def lessons_dir(self) -> Path:
        return self.content_dir / "lessons"

    @property
    def signals_dir(self) -> Path:
        """The scam checker's signals (content/signals/*.yaml)."""
        return self.content_dir / "signals"

    @property
    def campaigns_dir(self) -> Path:
        return self.content_dir / "campaigns"

    @property
    def templates_dir(self) -> Path:
        return self.content_dir / "templates"

    @property
    def content_paths(self) -> tuple[Path, ...]:
        """Banks, and lessons when there is a lessons/ folder (a bot may have none)."""
        if self.lessons_dir.exists():
            return (self.quizzes_dir, self.lessons_dir)
        return (self.quizzes_dir,)

    @property
    def served_paths(self) -> tuple[Path, ...]:
        """What the bot and the preview load: banks, lessons and, if the folder exists,
        campaigns (``content/campaigns`` is optional)."""
        campaigns = (self.campaigns_dir,) if self.campaigns_dir.is_dir() else ()
        return (*self.content_paths, *campaigns)

    @property
    def webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path PTB's webhook server answers: WEBHOOK_URL's, as the reverse proxy keeps it."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")

    @property
    def base_file_url(self) -> str:
        """PTB needs the file URL too; a self-hosted server serves it beside the API."""
        return re.sub(r"/bot$", "/file/bot", self.base_url)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read, check and convert every setting. Raises ConfigError naming the bad key."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(key: str, default: str) -> str:
        if key not in ENV_KEYS:  # keeps ENV_KEYS (and so the env examples) complete
            raise RuntimeError(f"{key} is read but not listed in bot.config.ENV_KEYS")
        value = values.get(key, "").strip()
        return value or default

    token = get("TELEGRAM_BOT_TOKEN", "") or None
    if token is not None and not _TOKEN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token from @BotFather "
            "(expected digits, a colon, then letters; the value is not shown because it is secret)"
        )
    base_url = get("TELEGRAM_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", base_url):
        raise ConfigError(
            f"TELEGRAM_BASE_URL={base_url!r} is not an http:// or https:// address "
            f"(the default is {DEFAULT_BASE_URL})"
        )
    proxy = get("TELEGRAM_PROXY", "") or None
    if proxy is not None:
        _check_proxy(proxy)
    language = get("DEFAULT_LANGUAGE", "zh")
    if language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE={language!r} is not one of: {', '.join(LANGUAGES)}")
    tz_name = get("TIMEZONE", "Asia/Shanghai")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"TIMEZONE={tz_name!r} is not an IANA time zone name such as Asia/Shanghai"
        ) from None
    owners: set[int] = set()
    raw_owners = get("OWNER_IDS", "")
    for part in filter(None, (p.strip() for p in raw_owners.replace(";", ",").split(","))):
        if not re.fullmatch(r"\d{1,20}", part):
            raise ConfigError(
                f"OWNER_IDS={raw_owners!r}: {part!r} is not a numeric Telegram user id "
                "(ask @userinfobot for yours; separate several with commas)"
            )
        owners.add(int(part))
    level_name = get("LOG_LEVEL", "INFO").upper()
    level = logging.getLevelNamesMapping().get(level_name)
    if level is None or level_name not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(
            f"LOG_LEVEL={level_name!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
        )
    quiet_text = get("QUIET_HOURS", "22:00-08:00")
    quiet_hours = parse_quiet_hours(quiet_text)
    if quiet_hours is None:
        raise ConfigError(
            f"QUIET_HOURS={quiet_text!r} is not a range of local times such as 22:00-08:00 "
            "(or off)"
        )
    lesson_text = get("LESSON_TIME", "20:00")
    lesson_time = parse_hhmm(lesson_text)
    if lesson_time is None:
        raise ConfigError(f"LESSON_TIME={lesson_text!r} is not a local time such as 20:00")
    if not allowed_time(lesson_time, quiet_hours):
        raise ConfigError(
            f"LESSON_TIME={lesson_text!r} falls inside QUIET_HOURS "
            f"({format_hhmm(quiet_hours.start)}-{format_hhmm(quiet_hours.end)}), "
            "so no lesson would ever be sent"
        )
    database_path = Path(get("DATABASE_PATH", "data/quizbot.sqlite3")).expanduser()
    webhook_url = get("WEBHOOK_URL", "") or None
    if webhook_url is not None:
        _check_webhook_url(webhook_url, base_url)
    webhook_secret = get("WEBHOOK_SECRET", "") or None
    if webhook_secret is not None and not _WEBHOOK_SECRET.fullmatch(webhook_secret):
        raise ConfigError(
            "WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (the value is "
            "not shown because it is secret; leave it empty to have one generated at start)"
        )
    generated = webhook_url is not None and webhook_secret is None
    if generated:
        webhook_secret = generate_webhook_secret()
    webhook_listen = _host("WEBHOOK_LISTEN", get("WEBHOOK_LISTEN", "127.0.0.1"))
    webhook_port = _port("WEBHOOK_PORT", get("WEBHOOK_PORT", "8443"))
    metrics_host = _host("METRICS_HOST", get("METRICS_HOST", "127.0.0.1"))
    metrics_text = get("METRICS_PORT", "")
    metrics_port = (
        None if metrics_text.lower() in ("", "off") else _port("METRICS_PORT", metrics_text)
    )
    if webhook_url is not None and metrics_port == webhook_port:
        raise ConfigError(
            f"METRICS_PORT={metrics_port} is also WEBHOOK_PORT; give the metrics another port"
        )
    bot_username = get("BOT_USERNAME", "").removeprefix("@") or None
    if bot_username is not None and not _BOT_USERNAME.match(bot_username):
        raise ConfigError(
            f"BOT_USERNAME={bot_username!r} is not a bot's username: 5-32 letters, digits "
            "or '_', ending in 'bot' (as @BotFather gave it, e.g. quiz315_bot)"
        )
    return Settings(
        token=token,
        base_url=base_url,
        proxy=proxy,
        database_path=database_path,
        quizzes_dir=Path(get("QUIZZES_DIR", "quizzes")).expanduser(),
        content_dir=Path(get("CONTENT_DIR", "content")).expanduser(),
        default_language=language,
        timezone=timezone,
        owner_ids=frozenset(owners),
        log_level=level,
        lesson_time=lesson_time,
        quiet_hours=quiet_hours,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_secret_generated=generated,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
        metrics_host=metrics_host,
        metrics_port=metrics_port,
        bot_username=bot_username,
    )


def generate_webhook_secret() -> str:
    """43 random characters of Telegram's secret-token alphabet (A-Z a-z 0-9 _ -)."""
    return secrets.token_urlsafe(32)


def _check_webhook_url(url: str, base_url: str) -> None:
    """Telegram posts only to https on four ports; a self-hosted Bot API server has no rule."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 or " " in url:
        raise ConfigError(
            f"WEBHOOK_URL={url!r} is not an https:// address such as "
            "https://bot.example.org/telegram"
        )
    if urlsplit(base_url).hostname != TELEGRAM_API_HOST:
        return  # a self-hosted Bot API server (--local) posts to any http(s) address
    if parts.scheme != "https":
        raise ConfigError(
            f"WEBHOOK_URL={url!r} must start with https:// because Telegram delivers webhooks "
            "only over HTTPS (put a reverse proxy with a certificate in front, see deploy/)"
        )
    if (port or 443) not in WEBHOOK_PORTS:
        raise ConfigError(
            f"WEBHOOK_URL={url!r} uses port {port}, but Telegram delivers webhooks only to "
            f"ports {', '.join(map(str, WEBHOOK_PORTS))}"
        )


def _host(key: str, value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOST_NAME.fullmatch(value):
            raise ConfigError(
                f"{key}={value!r} is not an address to listen on such as 127.0.0.1 (this "
                "computer only) or 0.0.0.0 (every network)"
            ) from None
    return value


def _port(key: str, value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,5}", value, re.ASCII) or not 1 <= int(value) <= 65535:
        raise ConfigError(f"{key}={value!r} is not a port number from 1 to 65535")
    return int(value)


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def _check_proxy(proxy: str) -> None:
    parts = urlsplit(proxy)
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        shown = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.scheme else "…"
        raise ConfigError(
            f"TELEGRAM_PROXY={shown!r} is not a proxy address such as http://127.0.0.1:3128 or "
            f"socks5://127.0.0.1:1080 (schemes: {', '.join(PROXY_SCHEMES)})"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(
            f"TELEGRAM_PROXY has a port that is not a number ({parts.hostname}:…)"
        ) from None


def secrets_of(settings: Settings) -> list[str]:
    """What must never reach a log: the token, a proxy's password, the webhook secret."""
    found = [settings.token or "", settings.webhook_secret or ""]
    if settings.proxy:
        found.append(urlsplit(settings.proxy).password or "")
    return [s for s in found if s]


def check_content_folders(settings: Settings) -> None:
    """The configured content folders exist, in one sentence naming the setting if not.

    Without this, a mistyped QUIZZES_DIR shows up as dozens of lessons whose questions and
    topics "do not exist" — the cascade, not the cause.
    """
    quizzes, content = settings.quizzes_dir, settings.content_dir
    if not quizzes.is_dir():
        state = "is a file" if quizzes.exists() else "does not exist"
        raise ConfigError(
            f"QUIZZES_DIR={str(quizzes)!r} {state}: point it at the folder of question banks "
            "(*.yaml; the default is quizzes)"
        )
    if not any(quizzes.glob("*.yaml")) and not any(quizzes.glob("*.yml")):
        raise ConfigError(
            f"QUIZZES_DIR={str(quizzes)!r} has no question banks (*.yaml); "
            "point it at the folder of question banks (the default is quizzes)"
        )
    if not (content / "templates").is_dir():
        state = "does not exist" if not content.exists() else "has no templates/ folder"
        raise ConfigError(
            f"CONTENT_DIR={str(content)!r} {state}: point it at the folder with lessons/ and "
            "templates/ (the default is content)"
        )


def check_database_path(settings: Settings) -> None:
    """Create the database folder, or say in one sentence why it cannot be used."""
    _check_writable_folder("DATABASE_PATH", settings.database_path)


def _check_writable_folder(key: str, path: Path) -> None:
    folder = path.parent
    if path.exists() and path.is_dir():
        raise ConfigError(f"{key}={str(path)!r} is a folder; give the path of a database file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{key}={str(path)!r}: cannot create the folder {str(folder)!r} "
            f"({exc.strerror or exc})"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.R_OK | os.W_OK)
    ):
        raise ConfigError(f"{key}={str(path)!r}: the bot cannot write there (check permissions)")
