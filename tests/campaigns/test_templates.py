"""Every campaign template renders in both languages with the data its header documents."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.campaign_stats import Estimate, Summary
from bot.domain.campaigns import Attempt, Certificate, Membership, Phase, Result, UnitStanding
from bot.render import Renderer
from bot.services.campaigns import (
    AttemptClosed,
    CampaignStatus,
    TopEntry,
    Verification,
    VerifyStatus,
    unit_links,
)
from bot.services.content import ContentStore
from tests.campaigns.conftest import DEMO, T0
from tests.harness import ROOT

LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ROOT / "content" / "templates")


def demo(content: ContentStore):
    campaign = content.catalog.campaigns[DEMO]
    return campaign, campaign.units[0], campaign.units[2]


def certificate(name: str | None = "小林") -> Certificate:
    return Certificate("7K3M9QXD", DEMO, "east-branch", 5, 9, 10, date(2026, 3, 15), name)


@pytest.mark.parametrize("lang", LANGS)
def test_join_outcomes(renderer: Renderer, content: ContentStore, lang: str) -> None:
    campaign, unit, school = demo(content)
    joined = renderer(lang, "campaign_join", outcome="joined", campaign=campaign, unit=unit)
    assert unit.name.get(lang) in html.unescape(joined)
    assert "10" in joined
    offer = renderer(
        lang, "campaign_join", outcome="offer", campaign=campaign, unit=school, current=unit
    )
    assert school.name.get(lang) in offer
    for reason in ("unknown_campaign", "unknown_unit", "not_started", "ended", "change_used"):
        text = renderer(
            lang,
            "campaign_join",
            outcome="refused",
            reason=reason,
            campaign=campaign,
            unit=unit,
            opens_on=date(2026, 3, 1),
        )
        assert text


@pytest.mark.parametrize("lang", LANGS)
def test_status_attempt_and_board(renderer: Renderer, content: ContentStore, lang: str) -> None:
    campaign, unit, school = demo(content)
    best = Result(1, 5, 9, 10, timedelta(seconds=75), T0)
    status = CampaignStatus(
        campaign, unit, Membership(DEMO, 5, unit.id, T0), Phase.OPEN, best, 2, 40, 0,
        T0 + timedelta(hours=14), None, certificate(), True,
    )  # fmt: skip
    local = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    text = renderer(lang, "campaign_status", s=status, next_opens_local=local)
    assert "9/10" in text
    assert "7K3M-9QXD" in text
    attempt = Attempt(1, DEMO, 5, 1, date(2026, 3, 15), 3, T0, T0, 10, T0, True, 4,
                      timedelta(minutes=5))  # fmt: skip
    closed = AttemptClosed(campaign, attempt, best, False, False, False)
    assert "4/10" in renderer(
        lang, "campaign_attempt", outcome="closed", campaign=campaign, c=closed
    )
    for outcome in ("started", "resumed"):
        assert renderer(lang, "campaign_attempt", outcome=outcome, campaign=campaign,
                        left_today=2, seconds_left=299)  # fmt: skip
    for reason in ("not_member", "not_started", "ended", "limit", "no_questions", "x"):
        assert renderer(lang, "campaign_attempt", outcome="refused", reason=reason,
                        campaign=campaign, opens_local=local)  # fmt: skip
    board = [UnitStanding(unit, 12, 0.04, 7.5, 1), UnitStanding(school, 0, 0.0, None, 2)]
    top = [TopEntry(1, None, school, best), TopEntry(2, "王阿姨", unit, best)]
    summary = Summary(30, 12, 40, 38, 12, 6, Estimate(8, 0.12, 0.05, 0.19))
    final = renderer(lang, "campaign_board", campaign=campaign, board=board, final=True,
                     top=top, summary=summary)  # fmt: skip
    assert ("匿名学员" if lang == "zh" else "Anonymous learner") in final
    assert "12" in final
    assert renderer(lang, "campaign_board", campaign=campaign, board=board, final=False,
                    top=[], summary=None)  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_certificates_and_organizers(renderer: Renderer, content: ContentStore, lang: str) -> None:
    campaign, unit, _ = demo(content)
    caption = renderer(lang, "campaign_certificate", campaign=campaign, unit=unit,
                       certificate=certificate(), bot_username="quiz315_bot")  # fmt: skip
    assert "7K3M-9QXD" in caption
    assert len(caption) <= 1024
    valid = Verification(VerifyStatus.VALID, certificate(None), campaign, unit)
    assert ("匿名学员" if lang == "zh" else "Anonymous") in renderer(
        lang, "campaign_verify", result=valid
    )
    later = Verification(
        VerifyStatus.RATE_LIMITED,
        retry_at=datetime(2026, 3, 15, 2, 10, tzinfo=UTC),
        retry_minutes=7,
    )
    waiting = renderer(lang, "campaign_verify", result=later)
    assert ("7 分钟后再试" if lang == "zh" else "in 7 minutes") in waiting
    assert "UTC" not in waiting
    summary = Summary(0, 0, 0, 0, 0, 0, Estimate(0, None, None, None))
    for outcome in ("bound", "unbound", "not_bound", "usage", "not_organizer",
                    "unknown_campaign", "unknown_unit", "report"):  # fmt: skip
        assert renderer(lang, "campaign_organizer", outcome=outcome, campaign=campaign,
                        unit=unit, units=campaign.units, summary=summary)  # fmt: skip
    choose = renderer(lang, "campaign_organizer", outcome="choose", campaigns=[campaign],
                      command="campaign_report")  # fmt: skip
    assert f"/campaign_report {DEMO}" in choose
    links = unit_links(campaign, "quiz315_bot")
    listed = renderer(lang, "campaign_organizer", outcome="links", campaign=campaign,
                      links=links)  # fmt: skip
    assert all(link.url in listed for link in links)
    poster = renderer(lang, "campaign_organizer", outcome="poster", campaign=campaign,
                      unit=unit, url=links[0].url)  # fmt: skip
    assert poster.endswith(links[0].url)
    assert renderer(lang, "campaign_none")


@pytest.mark.parametrize("lang", LANGS)
def test_every_label_exists(renderer: Renderer, lang: str) -> None:
    zh_keys = (ROOT / "content" / "templates" / "zh" / "campaign_labels.j2").read_text()
    keys = [line.split('"')[1] for line in zh_keys.splitlines() if line.startswith('  "')]
    assert len(keys) > 60
    for key in keys:
        assert renderer(lang, "campaign_labels", key=key)
