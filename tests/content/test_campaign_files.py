"""Campaign files: each mistake is reported at its file:line:col; the demo campaign loads."""

from __future__ import annotations

import json
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.loader import load_content
from bot.domain.campaigns import UnitKind
from tests.content.test_loader import BANK
from tests.harness import ROOT

CAMPAIGN = """\
format: 1
campaign:
  id: spring
  title:
    zh: 春季竞赛
    en: Spring contest
  first_day: "2026-03-01"
  last_day: "2026-03-31"
  timezone: Asia/Shanghai
  pool:
    banks: [demo]
  questions_per_attempt: 1
  time_limit_seconds: 120
  attempts_per_day: 3
  pass_mark: 1
  organizers: [42]
units:
  - id: east
    name:
      zh: 城东支行
      en: East branch
    kind: branch
    target: 100
  - id: park
    name:
      zh: 公园社区
      en: Park community
    kind: community
    target: 50
"""


def load(tmp_path: Path, campaign: str) -> list[str]:
    (tmp_path / "demo.yaml").write_text(BANK, encoding="utf-8")
    (tmp_path / "spring.yaml").write_text(textwrap.dedent(campaign), encoding="utf-8")
    return [str(p) for p in load_content([tmp_path]).problems if p.severity == "error"]


def test_a_valid_campaign_loads_into_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(BANK, encoding="utf-8")
    (tmp_path / "spring.yaml").write_text(CAMPAIGN, encoding="utf-8")
    result = load_content([tmp_path])
    assert result.ok, result.problems
    spring = result.catalog.campaigns["spring"]
    assert (spring.first_day, spring.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert spring.time_limit == timedelta(minutes=2)
    assert [u.kind for u in spring.units] == [UnitKind.BRANCH, UnitKind.COMMUNITY]
    assert spring.organizers == frozenset({42})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("    target: 50", "    target: 0"),
            "spring.yaml:29:13: error: 'target' must be at least 1, not 0",
        ),
        (
            ('  last_day: "2026-03-31"', '  last_day: "2026-02-28"'),
            "spring.yaml:8:13: error: last_day 2026-02-28 is before first_day 2026-03-01",
        ),
        (
            ("    banks: [demo]", "    banks: [demo, dmeo2]"),
            "spring.yaml:11:19: error: the pool names an unknown bank 'dmeo2' "
            "(did you mean 'demo'?)",
        ),
        (
            ("  pass_mark: 1", "  pass_mark: 2"),
            "spring.yaml:15:14: error: pass_mark 2 is more than questions_per_attempt (1): "
            "nobody could pass",
        ),
        (
            ("  - id: park", "  - id: east"),
            "spring.yaml:24:9: error: duplicate unit id 'east' (first defined at ",
        ),
        (
            ("  questions_per_attempt: 1", "  questions_per_attempt: 2"),
            "spring.yaml:12:26: error: the pool has 1 questions (one per near-duplicate "
            "group), fewer than questions_per_attempt (2)",
        ),
        (
            ("  timezone: Asia/Shanghai", "  timezone: Asia/Beijing"),
            "spring.yaml:9:13: error: 'Asia/Beijing' is not an IANA time zone name",
        ),
        (
            ("  attempts_per_day: 3", "  attempts_per_dy: 3"),
            "spring.yaml:14:3: error: unknown key 'attempts_per_dy' (did you mean "
            "'attempts_per_day'?)",
        ),
        (
            ('  first_day: "2026-03-01"', '  first_day: "March 1st"'),
            "spring.yaml:7:14: error: 'first_day'",
        ),
        (
            ("    kind: community", "    kind: village"),
            "spring.yaml:28:11: error: 'kind' must be 'branch', 'community', 'school', "
            "'company' or 'other', not 'village'",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    assert change[0] in CAMPAIGN
    errors = load(tmp_path, CAMPAIGN.replace(change[0], change[1]))
    assert any(e.startswith(str(tmp_path / expected)) for e in errors), errors


def test_a_deep_link_payload_over_64_characters_is_located(tmp_path: Path) -> None:
    fits = CAMPAIGN.replace("  id: spring", f"  id: {'c' * 40}").replace("park", "u" * 19)
    assert load(tmp_path, fits) == []  # C- + 40 + -U- + 19 = 64
    too_long = fits.replace("u" * 19, "u" * 20)
    assert load(tmp_path, too_long) == [
        f"{tmp_path}/spring.yaml:24:9: error: the deep link payload "
        f"'C-{'c' * 40}-U-{'u' * 20}' is 65 characters; Telegram allows 64: shorten the "
        "campaign id or the unit id"
    ]


def test_the_demo_campaign_loads_with_the_shipped_banks_and_covers_today() -> None:
    result = load_content(
        [ROOT / "quizzes", ROOT / "content" / "lessons", ROOT / "content" / "campaigns"]
    )
    assert result.ok, [str(p) for p in result.errors]
    demo = result.catalog.campaigns["demo-315"]
    assert demo.first_day <= date(2026, 3, 15) <= demo.last_day
    assert demo.first_day <= date(2026, 12, 1) <= demo.last_day
    assert {u.kind for u in demo.units} >= {
        UnitKind.BRANCH, UnitKind.COMMUNITY, UnitKind.SCHOOL, UnitKind.COMPANY,
    }  # fmt: skip


def test_committed_campaign_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--campaign"]) == 0
    printed = capsys.readouterr().out
    schema = json.loads(printed)
    assert schema["title"] == "Campaign file (format 1)"
    assert set(schema["properties"]) == {"format", "campaign", "units"}
    committed = (ROOT / "schema" / "campaign.schema.json").read_text(encoding="utf-8")
    assert committed == printed, "run: quizbot schema --campaign > schema/campaign.schema.json"
