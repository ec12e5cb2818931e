"""The organizers' campaign report: 10,000 participants with 3 attempts each, on top of the
storage benchmark's database (100,000 users, 5,000,000 answers), beside openpyxl alone.

Measured: reading and computing the report (service), writing the workbook through
``bot.spreadsheet``, drawing the dashboard; and, in the same run, openpyxl writing the same
cells with nothing else (the floor for any .xlsx writer in Python).

Run: python -m bench.campaign_report [users] [answers] [participants]
"""

from __future__ import annotations

import asyncio
import io
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from bench.common import ROOT, Row, create_database, main_with_sizes
from bench.storage_scale import _seed
from bot.campaign_render import Labels, report_dashboard, report_sheets, report_workbook
from bot.domain.campaigns import pool_questions
from bot.render import Renderer
from bot.services.campaigns import CampaignService
from bot.services.content import ContentStore
from bot.spreadsheet import Sheet
from bot.storage.campaign_bulk import seed_campaign
from bot.storage.repository import Repository

CAMPAIGN = "demo-315"
ATTEMPTS = 3
RUNS = 3


def _openpyxl_alone(sheets: list[Sheet]) -> float:
    """Seconds for openpyxl (write-only) to write the same cells, no styles or checks."""
    start = time.perf_counter()
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        ws.append(list(sheet.headers))
        for row in sheet.rows:
            ws.append(list(row))
    book.save(io.BytesIO())
    return time.perf_counter() - start


async def _measure(path: Path, content: ContentStore, participants: int) -> list[Row]:
    repo = await Repository.open(path)
    label = Labels(Renderer(ROOT / "content" / "templates"), "zh")
    now = datetime(2026, 4, 1, tzinfo=UTC)
    catalog = content.catalog
    try:
        service = CampaignService(repo, content)
        timings: dict[str, list[float]] = {"read": [], "xlsx": [], "png": [], "alone": []}
        report = None
        for _ in range(RUNS):
            start = time.perf_counter()
            report = await service.report(CAMPAIGN, now)
            assert report is not None
            timings["read"].append(time.perf_counter() - start)
            start = time.perf_counter()
            workbook = report_workbook(report, catalog, label)
            timings["xlsx"].append(time.perf_counter() - start)
            start = time.perf_counter()
            picture = report_dashboard(report, catalog, label)
            timings["png"].append(time.perf_counter() - start)
            timings["alone"].append(_openpyxl_alone(report_sheets(report, catalog, label)))
    finally:
        await repo.close()
    assert report is not None
    best = {k: min(v) for k, v in timings.items()}
    total = best["read"] + best["xlsx"] + best["png"]
    sheets = report_sheets(report, catalog, label)
    cells = sum(len(sheet.headers) * (1 + len(sheet.rows)) for sheet in sheets)
    s = report.summary
    return [
        Row(
            "campaign",
            f"report data: {s.participants:,} people, {s.attempts:,} attempts (read + compute)",
            f"{best['read'] * 1000:,.0f} ms",
        ),
        Row(
            "campaign",
            f"workbook via bot.spreadsheet ({cells:,} cells, {len(workbook) // 1024} KiB)",
            f"{best['xlsx'] * 1000:,.0f} ms",
        ),
        Row("campaign", "openpyxl alone, same cells", f"{best['alone'] * 1000:,.0f} ms"),
        Row(
            "campaign",
            f"dashboard picture (PNG, {len(picture) // 1024} KiB)",
            f"{best['png'] * 1000:,.0f} ms",
        ),
        Row(
            "campaign",
            "whole report (data + workbook + picture); workbook / openpyxl alone",
            f"{total:.2f} s; {best['xlsx'] / best['alone']:.2f}",
            "< 5 s",
        ),
    ]


def measure(
    users: int = 100_000, answers: int = 5_000_000, participants: int = 10_000
) -> list[Row]:
    content = ContentStore(
        [ROOT / "quizzes", ROOT / "content" / "lessons", ROOT / "content" / "campaigns"]
    )
    assert content.reload().ok
    catalog = content.catalog
    campaign = catalog.campaigns[CAMPAIGN]
    pool = [q.id for q in pool_questions(campaign, catalog.banks)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.sqlite3"
        create_database(path)
        started = time.perf_counter()
        _seed(path, users, answers, list(catalog.topics), list(catalog.questions)[:20])
        seed_campaign(
            path,
            campaign_id=CAMPAIGN,
            unit_ids=[u.id for u in campaign.units],
            people=participants,
            attempts=ATTEMPTS,
            question_ids=pool,
            per_attempt=campaign.questions_per_attempt,
            start=datetime(2026, 3, 1, 1, tzinfo=UTC),
            rng=random.Random(315),
        )
        seeded = time.perf_counter() - started
        rows = asyncio.run(_measure(path, content, participants))
    return [
        Row(
            "campaign",
            f"seed {users:,} users, {answers:,} answers + {participants:,} x {ATTEMPTS} attempts",
            f"{seeded:.0f} s",
        ),
        *rows,
    ]


def main() -> None:
    main_with_sizes(measure, most=3)


if __name__ == "__main__":
    main()
