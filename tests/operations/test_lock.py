"""One bot per database: the lock file beside it, freed however the holder ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.lock import DatabaseLocked, acquire, holder, is_locked, lock_path
from tests.test_cli import ROOT

HOLD = """
import sys, time
from pathlib import Path
from bot.storage.lock import acquire
lock = acquire(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(60)
"""


@contextlib.contextmanager
def held_elsewhere(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock until the block ends (then killed)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(database)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "locked"
            yield process
        finally:
            process.kill()
            process.wait(timeout=10)


def test_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    database = tmp_path / "quizbot.sqlite3"
    with held_elsewhere(database) as process:
        with pytest.raises(DatabaseLocked) as caught:
            acquire(database)
        assert is_locked(database)
    assert str(caught.value) == (
        f"another quizbot is running on this database (pid {process.pid}): {database}"
    )
    assert caught.value.pid == process.pid


def test_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    database = tmp_path / "quizbot.sqlite3"
    with held_elsewhere(database) as process:
        os.kill(process.pid, signal.SIGKILL)  # no chance to clean anything up
        process.wait(timeout=10)
    assert lock_path(database).exists()  # the file stays; the lock does not
    assert not is_locked(database)
    with acquire(database) as lock:
        assert lock.held
        assert holder(database) == os.getpid()


def test_release_frees_it_within_one_process(tmp_path: Path) -> None:
    database = tmp_path / "quizbot.sqlite3"
    first = acquire(database)
    with pytest.raises(DatabaseLocked, match=f"pid {os.getpid()}"):
        acquire(database)  # flock is per open file: the same process is refused too
    first.release()
    first.release()  # twice is harmless
    assert not is_locked(database)
    second = acquire(database)
    assert is_locked(database)
    second.release()


def test_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "quizbot.sqlite3"
    with acquire(database):
        assert lock_path(database) == tmp_path / "data" / "quizbot.sqlite3.lock"
        assert lock_path(database).read_text() == f"{os.getpid()}\n"
        assert oct(lock_path(database).stat().st_mode & 0o777) == "0o600"


def test_waits_for_nothing(tmp_path: Path) -> None:
    """A second bot must fail at once, not hang until the first stops."""
    database = tmp_path / "quizbot.sqlite3"
    with held_elsewhere(database):
        started = time.monotonic()
        with pytest.raises(DatabaseLocked):
            acquire(database)
        waited = time.monotonic() - started
    assert waited < 5  # not a speed assertion: a blocking flock would wait the full 60 s
