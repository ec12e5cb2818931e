"""One bot per database: an OS-level lock on ``<database>.lock``.

``fcntl.flock`` belongs to the open file, so the kernel releases it when the process exits in
any way (a crash, SIGKILL, a power cut): a lock is never stale and nothing needs cleaning up.
The file itself stays (deleting it would let a second process lock a new file while the first
still holds the old one); it holds the pid of the last holder, for the operator's message.

``quizbot run`` holds it for its whole life; ``quizbot restore`` takes it too, so a bot cannot
start while a restore is writing, and a restore refuses while a bot runs. Local file systems
only: flock over NFS is not dependable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from bot.storage.db import DatabaseError


class DatabaseLocked(DatabaseError):
    """Another process holds the lock; the message is one sentence for the operator."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(f"another quizbot is running on this database ({who}): {path}")
        self.path = path
        self.pid = pid


def lock_path(database: Path) -> Path:
    """``data/quizbot.sqlite3`` -> ``data/quizbot.sqlite3.lock``."""
    return database.with_name(database.name + ".lock")


class Lock:
    """A held lock; ``release()`` (or leaving ``with``) frees it, and so does exiting."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> Lock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten lock is freed with its object, as with a file
        self.release()


def acquire(database: Path) -> Lock:
    """Lock ``database`` for this process, or raise ``DatabaseLocked`` naming the holder.

    Does not wait: a second bot must fail at once with a clear sentence, not hang.
    """
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise DatabaseError(
            f"cannot create the lock file {str(path)!r} beside the database "
            f"({exc.strerror or exc})"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseLocked(database, holder(database)) from None
    except OSError as exc:
        os.close(fd)
        raise DatabaseError(
            f"cannot lock {str(path)!r} ({exc.strerror or exc}); the database must be on a "
            "local file system"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return Lock(path, fd)


def holder(database: Path) -> int | None:
    """The pid written by the current or last holder (None when unknown)."""
    try:
        text = lock_path(database).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def is_locked(database: Path) -> bool:
    """True while some process holds the lock (checked by trying it, never by the pid)."""
    path = lock_path(database)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
