"""`quizbot preview --demo-data`: the preview starts with answers an editor can report on."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.insight import Flag
from bot.preview.runner import Preview, PreviewOptions
from bot.services.insight import InsightService
from tests.harness import ROOT


async def test_demo_data_fills_the_preview_database(tmp_path: Path) -> None:
    settings = Settings(
        token=None,
        database_path=tmp_path / "data" / "quizbot.sqlite3",
        quizzes_dir=ROOT / "quizzes",
        content_dir=ROOT / "content",
    )
    options = PreviewOptions(port=0, flood_limits=False, demo_data=True, poll_tick=0.1)
    preview = Preview(settings, options)
    try:
        await preview.start()
        assert preview.repo is not None
        people = await preview.repo.people.user_count()
        service = InsightService(preview.repo, preview.content, ZoneInfo("Asia/Shanghai"))
        stats = await service.item_analysis()
        groups = await service.feedback()
    finally:
        await preview.stop()
    assert people >= 500
    assert all(s.answers >= 30 for s in stats)
    by_difficulty: dict[int, list[float]] = {}
    for s in stats:
        assert s.accuracy is not None
        by_difficulty.setdefault(s.question.difficulty, []).append(s.accuracy)
    means = {d: sum(v) / len(v) for d, v in by_difficulty.items()}
    assert means[1] > means[2] > means[3]
    suspicious = [s for s in stats if Flag.CHECK_KEY in s.flags]
    assert len(suspicious) == 1
    assert any(s.rare_options for s in stats)
    (reported,) = [g for g in groups if g.question_id == suspicious[0].question.id]
    assert [r.reason.value for r in reported.reports] == ["wrong_answer"] * 3
    assert any(v.version is None for s in stats for v in s.versions)  # older answers
