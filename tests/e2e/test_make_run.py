"""`make run PREVIEW_HOST=… PREVIEW_PORT=…` without a token: the preview listens there.

The project's own Makefile runs in a scratch folder against a stand-in virtual environment (its
`quizbot` is this checkout's `bot.cli`), so the test neither installs anything nor reads a
developer's `.env`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_cli_preview import child_env
from tests.harness import ROOT

HOST = "127.0.0.2"  # not the default 127.0.0.1, so a dropped PREVIEW_HOST shows

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no `make` on this machine")


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


def stand_in_venv(folder: Path) -> Path:
    """A folder shaped like the Makefile's .venv, already "installed"."""
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    bin_dir = folder / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    quizbot = bin_dir / "quizbot"
    quizbot.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot.cli "$@"\n', encoding="utf-8")
    quizbot.chmod(0o755)
    (folder / "venv" / ".installed").touch()
    return folder / "venv"


async def test_make_run_without_a_token_starts_the_preview_where_asked(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    venv = stand_in_venv(tmp_path)
    port = free_port(HOST)
    env = child_env(tmp_path)
    for key in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # when the suite itself runs under make
        env.pop(key, None)
    proc = await asyncio.create_subprocess_exec(
        "make",
        "--no-print-directory",
        "run",
        f"VENV={venv}",
        f"PREVIEW_HOST={HOST}",
        f"PREVIEW_PORT={port}",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # Ctrl+C reaches make and quizbot together, as in a terminal
    )
    url = f"http://{HOST}:{port}"
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        note = b""
        while b"No token: starting the local preview" not in note:
            line = await asyncio.wait_for(proc.stderr.readline(), 30)
            assert line, (await proc.stdout.read()).decode() + note.decode()
            note += line
        assert f"starting the local preview at {url}" in note.decode()
        served = ""
        for _ in range(300):  # the page answers once the bot has started (at most 30 s)
            try:
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(url + "/") as response,
                ):
                    served = await response.text()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        assert "反诈小课堂" in served
        os.killpg(proc.pid, signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    assert "Traceback" not in err.decode()
    assert (tmp_path / "data" / "preview.sqlite3").exists()
