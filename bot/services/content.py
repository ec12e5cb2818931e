"""The current content, replaced as a whole on reload and never mutated in place.

The content is the question banks and lessons (the catalog) and, when a signals folder is
given, the scam checker's signals (``content/signals``), validated against the catalog's lesson
and bank ids; a signals folder that does not exist turns the checker off, with a warning. A
reload swaps both together or neither: when anything has an error the previous catalog and
checker stay, so a signal never links a lesson the catalog lacks.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from bot import metrics
from bot.content.loader import LoadResult, load_content
from bot.domain.content import Catalog

if TYPE_CHECKING:  # RE2 and OpenCC load with the first signals, not with this module
    from bot.content.signals import SignalLoadResult
    from bot.domain.checker import Checker

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ContentStore:
    """What the bot serves: the loaded content without what has expired today.

    ``expires:`` dates are read in ``timezone`` (the bot's TIMEZONE); an item expiring while
    the bot runs stops being served at that local midnight, without a reload.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        catalog: Catalog | None = None,
        *,
        signals: Sequence[Path] = (),
        timezone: tzinfo = UTC,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.paths = tuple(paths)
        self.signal_paths = tuple(signals)
        self.timezone = timezone
        self.clock = clock
        self._loaded = catalog if catalog is not None else Catalog()
        self._served: tuple[date, Catalog] | None = None
        self._checker: Checker | None = None
        self._warned = False  # about a missing signals folder, once

    @property
    def watched_paths(self) -> tuple[Path, ...]:
        """Every folder whose files make the content (the preview's watcher polls these)."""
        return (*self.paths, *self.signal_paths)

    def today(self) -> date:
        return self.clock().astimezone(self.timezone).date()

    @property
    def catalog(self) -> Catalog:
        today = self.today()
        if self._served is None or self._served[0] != today:
            self._served = (today, self._loaded.served_on(today))
        return self._served[1]

    @catalog.setter
    def catalog(self, catalog: Catalog) -> None:
        self._loaded, self._served = catalog, None

    @property
    def checker(self) -> Checker | None:
        """The scam checker of the current signals; None when none were loaded."""
        return self._checker

    def reload(self) -> LoadResult:
        """Load the folders again; keep the previous content when anything is wrong.

        The result lists the problems of the banks, lessons and signals together.
        """
        result = load_content(self.paths, today=self.today())
        signals = self._load_signals(result) if result.ok else None
        if signals is not None:
            result = dataclasses.replace(
                result,
                problems=sorted([*result.problems, *signals.problems]),
                files=result.files + signals.files,
            )
        if not result.ok:
            log.warning(
                "content refused (%d errors); keeping version %s",
                len(result.errors),
                self.catalog.version or "none",
            )
            for problem in result.errors:
                log.warning("%s", problem)
            return result
        if result.catalog.version != self.catalog.version:
            log.info(
                "content loaded: %d banks, %d questions, %d lessons (version %s)",
                len(result.catalog.banks),
                len(result.catalog.questions),
                len(result.catalog.lessons),
                result.catalog.version,
            )
        self._swap(result.catalog, signals)
        metrics.set_content_version(result.catalog.version)
        return result

    def _load_signals(self, result: LoadResult) -> SignalLoadResult | None:
        paths = [path for path in self.signal_paths if path.exists()]
        if not paths:
            if self.signal_paths and not self._warned:
                self._warned = True
                shown = ", ".join(str(p) for p in self.signal_paths)
                log.warning("no signals at %s: the scam checker is off", shown)
            return None
        from bot.content.signals import load_signals

        catalog = result.catalog
        return load_signals(
            paths,
            lessons={lesson.id for lesson in catalog.lessons},
            banks=set(catalog.banks),
        )

    def _swap(self, catalog: Catalog, signals: SignalLoadResult | None) -> None:
        """Both at once: no await in between, so no handler sees one new and one old."""
        if signals is not None and signals.checker is not None:
            if self._checker is None or len(signals.signals) != len(self._checker.signals):
                log.info("checker signals loaded: %d", len(signals.signals))
            self._checker = signals.checker
        self.catalog = catalog
