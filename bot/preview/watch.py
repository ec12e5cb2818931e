"""Content hot reload for the preview: poll the content folders' files once a second.

Polling mtimes needs no dependency and behaves the same on every OS, editor and file system
(editors that save by rename, network mounts, containers' bind mounts), at the cost of up to a
second of delay: fine for a person editing YAML.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.content.loader import LoadResult
from bot.services.content import ContentStore

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]
SUFFIXES = (".yaml", ".yml")


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """(mtime, size) of every YAML file under ``paths``; a missing folder is simply empty."""
    found: Snapshot = {}
    for root in paths:
        if root.is_file():
            candidates: Iterable[tuple[str, list[str], list[str]]] = [
                (str(root.parent), [], [root.name])
            ]
        else:
            candidates = os.walk(root)
        for folder, _dirs, names in candidates:
            for name in names:
                if not name.endswith(SUFFIXES) or name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:  # removed between listing and stat: the next round sees it
                    continue
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


class ContentWatcher:
    """Calls ``store.reload()`` when a YAML file is added, changed or removed."""

    def __init__(
        self,
        store: ContentStore,
        on_reload: Callable[[LoadResult], None],
        *,
        interval: float = 1.0,
    ) -> None:
        self.store = store
        self.on_reload = on_reload
        self.interval = interval
        self._seen = snapshot(store.watched_paths)

    def check(self) -> LoadResult | None:
        """One round: reload if anything changed since the last round; returns the result."""
        current = snapshot(self.store.watched_paths)
        if current == self._seen:
            return None
        changed = sorted(set(current.items()) ^ set(self._seen.items()))
        self._seen = current
        log.info("content changed (%s); reloading", ", ".join(sorted({p for p, _ in changed})))
        result = self.store.reload()
        self.on_reload(result)
        return result

    async def run(self) -> None:
        """Check forever; run it as a task and cancel it to stop."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.check()
            except Exception:  # a watcher that dies silently would be worse than a log line
                log.exception("content reload failed")
