"""`make bench`: every benchmark in one process, printed as one table.

Each figure is measured in this run; where a ratio is given, its baseline ran in the same
process a moment before. Takes a few minutes (the broadcast alone is ~40 s by design, and
seeding the large database takes the longest).
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import sys

from bench import (
    answer_path,
    answer_profile,
    broadcast,
    campaign_report,
    checker,
    content_load,
    event_burst,
    join_latency,
    polling_confirm,
    question_stats,
    reply_latency,
    scene_pictures,
    storage_scale,
)
from bench.common import Row, print_table


def machine() -> str:
    cpus = os.cpu_count() or 0
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {cpus} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    logging.basicConfig(level=logging.WARNING)
    quick = "--quick" in sys.argv  # smaller storage benchmark, for a first look
    rows: list[Row] = []
    rows += asyncio.run(answer_path.measure())
    rows += answer_profile.measure()
    rows += asyncio.run(event_burst.measure())
    rows += broadcast.measure()
    rows += reply_latency.measure()
    rows += content_load.measure()
    rows += checker.measure()
    rows += storage_scale.measure(*((10_000, 500_000) if quick else ()))
    rows += campaign_report.measure(*((10_000, 500_000) if quick else ()))
    rows += question_stats.measure(*((10_000, 100_000) if quick else ()))
    rows += asyncio.run(polling_confirm.measure())
    rows += asyncio.run(scene_pictures.measure())
    rows += asyncio.run(join_latency.measure())
    print(f"machine: {machine()}")
    print_table(rows)


if __name__ == "__main__":
    main()
