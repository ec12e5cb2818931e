"""`quizbot preview` as a person runs it: a URL to open, Ctrl+C to stop, one sentence on errors."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.harness import ROOT


def child_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_PATH=str(tmp_path / "data" / "quizbot.sqlite3"),
        QUIZZES_DIR=str(ROOT / "quizzes"),  # the real content folder needs the real banks
        CONTENT_DIR=str(ROOT / "content"),
    )
    return env


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_preview_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "preview",
        "--port",
        str(port),
        cwd=tmp_path,
        env=child_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert f"http://127.0.0.1:{port}" in line, line
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/") as response,
        ):
            assert response.status == 200
            assert "反诈小课堂" in await response.text()
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/api/state") as response,
        ):
            content = (await response.json())["content"]
        assert content["ok"], content["errors"]
        assert content["campaigns"] == 1  # the demo campaign works in the preview
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
    assert (tmp_path / "data" / "preview.sqlite3").exists()
    assert not (tmp_path / "data" / "quizbot.sqlite3").exists()  # the real database is untouched


async def test_a_taken_port_is_one_sentence_and_exit_1(tmp_path: Path, taken_port: int) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "preview",
        "--port",
        str(taken_port),
        cwd=tmp_path,
        env=child_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert out == b""
    assert err.decode().strip() == (
        f"quizbot: port {taken_port} on 127.0.0.1 is already in use (is another preview "
        f"running?); stop it or choose another port: `quizbot preview --port 8090` "
        f"or `make preview PREVIEW_PORT=8090`."
    )
