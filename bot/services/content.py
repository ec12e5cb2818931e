"""The current content, replaced as a whole on reload and never mutated in place."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bot.content.loader import LoadResult, load_content
from bot.domain.content import Catalog

log = logging.getLogger(__name__)


class ContentStore:
    def __init__(self, paths: Sequence[Path], catalog: Catalog | None = None) -> None:
        self.paths = tuple(paths)
        self.catalog = catalog if catalog is not None else Catalog()

    def reload(self) -> LoadResult:
        """Load the folders again; keep the previous catalog when anything is wrong."""
        result = load_content(self.paths)
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
        else:
            log.warning(
                "content refused (%d errors); keeping version %s",
                len(result.errors),
                self.catalog.version or "none",
            )
            for problem in result.errors:
                log.warning("%s", problem)
        return result
