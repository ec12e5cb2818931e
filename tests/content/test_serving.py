"""What the running bot serves: an item stops at the local midnight after its `expires` day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.content import ContentStore
from tests.harness import ROOT


def test_an_expiring_question_stops_being_served_at_local_midnight(tmp_path: Path) -> None:
    bank = (ROOT / "tests" / "data" / "quizzes" / "cards.yaml").read_text(encoding="utf-8")
    bank = bank.replace("  - id: t-atm\n", "  - id: t-atm\n    expires: 2026-03-15\n")
    (tmp_path / "cards.yaml").write_text(bank, encoding="utf-8")
    now = [datetime(2026, 3, 15, 15, 59, tzinfo=UTC)]  # 23:59 in Shanghai
    store = ContentStore([tmp_path], timezone=ZoneInfo("Asia/Shanghai"), clock=lambda: now[0])
    assert store.reload().ok
    assert "t-atm" in store.catalog.questions
    now[0] += timedelta(minutes=2)  # 00:01 on the 16th, no reload in between
    assert "t-atm" not in store.catalog.questions
    assert [q.id for q in store.catalog.bank_questions("cards")] == ["t-chip"]
    # A reload that day loads it but still does not serve it.
    assert store.reload().ok
    assert "t-atm" not in store.catalog.questions
