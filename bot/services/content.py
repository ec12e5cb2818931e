"""The current content, replaced as a whole on reload and never mutated in place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from bot import metrics
from bot.content.loader import LoadResult, load_content
from bot.domain.content import Catalog

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
        timezone: tzinfo = UTC,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.paths = tuple(paths)
        self.timezone = timezone
        self.clock = clock
        self._loaded = catalog if catalog is not None else Catalog()
        self._served: tuple[date, Catalog] | None = None

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

    def reload(self) -> LoadResult:
        """Load the folders again; keep the previous catalog when anything is wrong."""
        result = load_content(self.paths, today=self.today())
        if result.ok:
            if result.catalog.version != self.catalog.version:
                log.info(
                    "content loaded: %d banks, %d questions, %d lessons (version %s)",
                    len(result.catalog.banks),
                    len(result.catalog.questions),
                    len(result.catalog.lessons),
                    result.catalog.version,
                )
            self.catalog = result.catalog
            metrics.set_content_version(result.catalog.version)
        else:
            log.warning(
                "content refused (%d errors); keeping version %s",
                len(result.errors),
                self.catalog.version or "none",
            )
            for problem in result.errors:
                log.warning("%s", problem)
        return result
