"""The deployment recipe in deploy/: units that fit together and with the bot's settings."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from bot.config import Settings, load_settings
from tests.test_cli import ROOT

DEPLOY = ROOT / "deploy"


def unit(name: str) -> dict[str, list[str]]:
    """``Key -> values`` of a systemd unit (keys may repeat; sections do not matter here)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def writable(service: dict[str, list[str]]) -> list[PurePosixPath]:
    """What ProtectSystem=strict leaves writable: StateDirectory= and ReadWritePaths=."""
    assert service["ProtectSystem"] == ["strict"]
    paths = [
        PurePosixPath("/var/lib") / entry
        for value in service.get("StateDirectory", [])
        for entry in value.split()
    ]
    paths += [
        PurePosixPath(entry.lstrip("-"))
        for value in service.get("ReadWritePaths", [])
        for entry in value.split()
    ]
    return paths


def covered(path: PurePosixPath, service: dict[str, list[str]]) -> bool:
    return any(path == root or root in path.parents for root in writable(service))


def example_settings() -> Settings:
    return load_settings({}, env_file=DEPLOY / "quizbot.env.example")


def test_the_unit_can_write_the_database_folder_of_the_env_example() -> None:
    database = PurePosixPath(example_settings().database_path)
    assert database.is_absolute()
    assert covered(database.parent, unit("quizbot.service"))
    assert not covered(PurePosixPath("/opt/quizbot/quizzes"), unit("quizbot.service"))


def test_the_backup_unit_writes_its_folder_beside_the_database() -> None:
    service = unit("quizbot-backup.service")
    (command,) = service["ExecStart"]
    args = shlex.split(command)
    assert args[1:3] == ["backup", "/var/lib/quizbot/backups"]
    assert args[3:] == ["--keep", "14"]
    assert covered(PurePosixPath(args[2]), service)
    database = PurePosixPath(example_settings().database_path)
    assert covered(database.parent, service)  # a WAL reader needs the -shm file there
    assert service["EnvironmentFile"] == unit("quizbot.service")["EnvironmentFile"]
    assert service["User"] == unit("quizbot.service")["User"]


def test_the_service_runs_as_its_own_user_restarts_and_is_hardened() -> None:
    service = unit("quizbot.service")
    assert service["User"] == ["quizbot"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]  # a configuration error
    assert service["EnvironmentFile"] == ["/etc/quizbot/quizbot.env"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == [value], key
    assert service["SystemCallFilter"][0] == "@system-service"
    assert set(service["RestrictAddressFamilies"][0].split()) <= {
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
    }
    (command,) = service["ExecStart"]
    assert shlex.split(command)[1:] == ["run"]


def test_the_timer_is_daily_and_catches_up_after_downtime() -> None:
    timer = unit("quizbot-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 03:30:00"]
    assert timer["Persistent"] == ["true"]


def test_the_proxy_examples_forward_to_the_default_webhook_port() -> None:
    settings = example_settings()
    target = f"{settings.webhook_listen}:{settings.webhook_port}"
    nginx = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    caddy = (DEPLOY / "Caddyfile.example").read_text(encoding="utf-8")
    assert f"proxy_pass http://{target};" in nginx
    assert f"reverse_proxy {target}" in caddy
    assert nginx.count("proxy_pass") == 1  # the webhook path only: never /metrics or /healthz
    assert caddy.count("reverse_proxy") == 1


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize(
    "name", ["quizbot.service", "quizbot-backup.service", "quizbot-backup.timer"]
)
def test_systemd_accepts_every_line(tmp_path: Path, name: str) -> None:
    """``systemd-analyze verify`` names unknown keys and bad values; the binary is faked."""
    for each in ("quizbot.service", "quizbot-backup.service", "quizbot-backup.timer"):
        text = (DEPLOY / each).read_text(encoding="utf-8")
        (tmp_path / each).write_text(text.replace("/opt/quizbot/.venv/bin/quizbot", "/bin/true"))
    run = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0
    assert run.stdout + run.stderr == ""
