"""The campaign service over a real SQLite file: what a person and an organizer would see."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.campaigns import join_payload
from bot.services.campaigns import (
    AttemptClosed,
    AttemptRefusal,
    AttemptRefused,
    AttemptStarted,
    BindRefusal,
    Bound,
    CampaignService,
    CertificateRefusal,
    ChangeOffer,
    IssuedCertificate,
    Joined,
    JoinRefusal,
    JoinRefused,
    VerifyStatus,
)
from bot.services.content import ContentStore
from bot.storage.repository import Repository
from tests.campaigns.conftest import DEMO, T0, answer_all, person


async def joined(service: CampaignService, user_id: int, unit: str, now=T0) -> Joined:
    result = await service.join(user_id, join_payload(DEMO, unit), now)
    assert isinstance(result, Joined)
    return result


async def started(service: CampaignService, user_id: int, now=T0) -> AttemptStarted:
    result = await service.start_attempt(user_id, DEMO, now)
    assert isinstance(result, AttemptStarted), result
    return result


# --- joining -----------------------------------------------------------------------------------


async def test_joining_by_a_units_link_twice_is_one_membership(service: CampaignService) -> None:
    first = await joined(service, 5, "east-branch")
    again = await joined(service, 5, "east-branch", T0 + timedelta(minutes=1))
    assert (first.new, again.new) == (True, False)
    assert again.unit.name.zh == "某某银行城东支行"
    assert again.membership.joined_at == T0


async def test_unknown_links_and_links_outside_the_campaign_days_are_refused(
    service: CampaignService,
) -> None:
    unknown = await service.join(5, join_payload("nope", "x"), T0)
    assert unknown == JoinRefused(JoinRefusal.UNKNOWN_CAMPAIGN)
    assert await service.join(5, "C-garbage", T0) == JoinRefused(JoinRefusal.UNKNOWN_CAMPAIGN)
    no_unit = await service.join(5, join_payload(DEMO, "nowhere"), T0)
    assert isinstance(no_unit, JoinRefused)
    assert no_unit.reason is JoinRefusal.UNKNOWN_UNIT
    early = await service.join(5, join_payload(DEMO, "sunshine"), datetime(2026, 2, 1, tzinfo=UTC))
    assert isinstance(early, JoinRefused)
    assert (early.reason, str(early.opens_on)) == (JoinRefusal.NOT_STARTED, "2026-03-01")
    late = await service.join(5, join_payload(DEMO, "sunshine"), datetime(2027, 4, 1, tzinfo=UTC))
    assert isinstance(late, JoinRefused)
    assert late.reason is JoinRefusal.ENDED
    assert await service.repo.campaigns.memberships(5) == []


async def test_a_person_changes_unit_once_after_confirming(service: CampaignService) -> None:
    await joined(service, 5, "east-branch")
    offer = await service.join(5, join_payload(DEMO, "sunshine"), T0)
    assert isinstance(offer, ChangeOffer)
    assert (offer.current.id, offer.proposed.id) == ("east-branch", "sunshine")
    assert (await service.repo.campaigns.member(DEMO, 5)).unit_id == "east-branch"  # type: ignore[union-attr]
    moved = await service.change_unit(5, DEMO, "sunshine", T0)
    assert isinstance(moved, Joined)
    assert moved.changed
    repeat = await service.change_unit(5, DEMO, "sunshine", T0)  # a second press
    assert isinstance(repeat, Joined)
    again = await service.join(5, join_payload(DEMO, "tech-park"), T0)
    assert isinstance(again, JoinRefused)
    assert (again.reason, again.unit.id) == (JoinRefusal.CHANGE_USED, "sunshine")  # type: ignore[union-attr]
    refused = await service.change_unit(5, DEMO, "tech-park", T0)
    assert isinstance(refused, JoinRefused)
    assert (await service.repo.campaigns.member(DEMO, 5)).unit_id == "sunshine"  # type: ignore[union-attr]


# --- attempts ----------------------------------------------------------------------------------


async def test_three_attempts_a_day_then_the_time_the_next_opens(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "east-branch")
    now = T0
    for left in (2, 1, 0):
        attempt = await started(service, 5, now)
        assert attempt.left_today == left
        now = await answer_all(service, attempt, 5, now)
        assert await service.finish_session(attempt.session.id, now) is not None
    refused = await service.start_attempt(5, DEMO, now)
    assert isinstance(refused, AttemptRefused)
    assert refused.reason is AttemptRefusal.LIMIT
    assert refused.opens_at == datetime(2026, 3, 15, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    assert isinstance(await service.start_attempt(5, DEMO, refused.opens_at), AttemptStarted)


async def test_every_attempt_has_the_same_cells_and_new_questions(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "east-branch")
    catalog = service.content.catalog
    cells, seen = [], []
    now = T0
    for _ in range(3):
        attempt = await started(service, 5, now)
        ids = attempt.session.question_ids
        assert len(ids) == 10
        cells.append(
            Counter((catalog.questions[q].topic, catalog.questions[q].difficulty) for q in ids)
        )
        seen.append(set(ids))
        now = await answer_all(service, attempt, 3, now)
        await service.finish_session(attempt.session.id, now)
    assert cells[0] == cells[1] == cells[2]
    assert not seen[0] & seen[1]
    assert not (seen[0] | seen[1]) & seen[2]


async def test_not_a_member_yet(service: CampaignService, repo: Repository) -> None:
    await person(repo, 5)
    refused = await service.start_attempt(5, DEMO, T0)
    assert isinstance(refused, AttemptRefused)
    assert refused.reason is AttemptRefusal.NOT_MEMBER


async def test_an_attempt_survives_a_restart_and_a_repeated_start_resumes_it(
    service: CampaignService, content: ContentStore, tmp_path: Path
) -> None:
    await person(service.repo, 5)
    await joined(service, 5, "sunshine")
    first = await started(service, 5)
    await answer_all(service, first, 2, T0, stop_after=2)
    await service.repo.close()
    reopened = await Repository.open(tmp_path / "bot.sqlite3")
    try:
        again = CampaignService(reopened, content)
        resumed = await again.start_attempt(5, DEMO, T0 + timedelta(minutes=1))
        assert isinstance(resumed, AttemptStarted)
        assert resumed.resumed
        assert resumed.attempt.id == first.attempt.id
        assert resumed.session.position == 2
        assert await reopened.campaigns.started_on(DEMO, 5, resumed.attempt.local_day) == 1
    finally:
        await reopened.close()


async def test_two_racing_starts_count_as_one_attempt(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "sunshine")
    a, b = await asyncio.gather(
        service.start_attempt(5, DEMO, T0), service.start_attempt(5, DEMO, T0)
    )
    assert isinstance(a, AttemptStarted)
    assert isinstance(b, AttemptStarted)
    assert a.attempt.id == b.attempt.id
    assert await repo.campaigns.started_on(DEMO, 5, a.attempt.local_day) == 1


async def test_finishing_scores_once_and_tracks_the_best(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "east-branch")
    attempt = await started(service, 5)
    end = await answer_all(service, attempt, 8, T0, step_seconds=6)
    closed = await service.finish_session(attempt.session.id, end)
    assert isinstance(closed, AttemptClosed)
    assert (closed.attempt.correct, closed.attempt.total) == (8, 10)
    assert closed.attempt.duration == timedelta(seconds=60)
    assert closed.passed
    assert closed.certificate_due
    assert closed.new_best
    assert await service.finish_session(attempt.session.id, end) is None  # a duplicate
    worse = await started(service, 5, end)
    end2 = await answer_all(service, worse, 6, end)
    closed2 = await service.finish_session(worse.session.id, end2)
    assert closed2 is not None
    assert not closed2.new_best
    assert closed2.best.attempt_id == attempt.attempt.id


async def test_time_up_closes_the_attempt_with_unanswered_questions_wrong(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "east-branch")
    attempt = await started(service, 5)
    await answer_all(service, attempt, 4, T0, stop_after=4)
    assert await service.close_due(T0 + timedelta(minutes=4)) == []
    closed = await service.close_due(T0 + timedelta(minutes=6))
    assert len(closed) == 1
    assert closed[0].attempt.expired
    assert (closed[0].attempt.correct, closed[0].attempt.duration) == (4, timedelta(minutes=5))
    session = await repo.quizzes.get_session(attempt.session.id)
    assert session is not None
    assert not session.is_open  # no answer can land after the close
    assert await service.close_due(T0 + timedelta(minutes=7)) == []


async def test_status_shows_unit_best_rank_and_attempts_left(
    service: CampaignService, repo: Repository
) -> None:
    for user_id, right in ((5, 6), (6, 9), (7, 6)):
        await person(repo, user_id)
        await joined(service, user_id, "sunshine")
        attempt = await started(service, user_id)
        step = 5 if user_id == 7 else 10  # 7 ties with 5 on score and is faster
        end = await answer_all(service, attempt, right, T0, step_seconds=step)
        await service.finish_session(attempt.session.id, end)
    status = await service.status(5, DEMO, T0 + timedelta(hours=1))
    assert status is not None
    assert (status.unit.id, status.best.correct, status.rank, status.ranked) == (  # type: ignore[union-attr]
        "sunshine",
        6,
        3,
        3,
    )
    assert status.left_today == 2
    assert not status.passed
    assert await service.status(99, DEMO, T0) is None


# --- certificates --------------------------------------------------------------------------------


async def pass_once(service: CampaignService, user_id: int, unit: str) -> None:
    await person(service.repo, user_id)
    await joined(service, user_id, unit)
    attempt = await started(service, user_id)
    end = await answer_all(service, attempt, 9, T0)
    await service.finish_session(attempt.session.id, end)


async def test_certificate_is_issued_once_and_verifies_even_after_forget(
    service: CampaignService, repo: Repository
) -> None:
    await person(repo, 5)
    await joined(service, 5, "east-branch")
    assert await service.issue_certificate(5, DEMO, T0) is CertificateRefusal.NOT_PASSED
    await pass_once(service, 6, "east-branch")
    issued = await service.issue_certificate(6, DEMO, T0, name="小林")
    assert isinstance(issued, IssuedCertificate)
    again = await service.issue_certificate(6, DEMO, T0 + timedelta(days=1), name="小林")
    assert isinstance(again, IssuedCertificate)
    assert again.certificate.code == issued.certificate.code
    code = issued.certificate.code
    typed = f"{code[:4]}-{code[4:]}".lower()
    check = await service.verify(5, typed, T0)
    assert check.status is VerifyStatus.VALID
    assert check.certificate is not None
    assert (check.certificate.correct, check.certificate.name) == (9, "小林")
    await repo.privacy.delete_user(6, -(2**52))
    after = await service.lookup(code)
    assert after.status is VerifyStatus.VALID
    assert after.certificate is not None
    assert (after.certificate.user_id, after.certificate.name, after.unit.id) == (  # type: ignore[union-attr]
        None,
        "小林",
        "east-branch",
    )


async def test_school_certificates_never_carry_a_name(service: CampaignService) -> None:
    await pass_once(service, 6, "no1-middle")
    issued = await service.issue_certificate(6, DEMO, T0, name="小明")
    assert isinstance(issued, IssuedCertificate)
    assert issued.certificate.name is None


async def test_verify_is_rate_limited_per_person(service: CampaignService) -> None:
    statuses = [(await service.verify(5, "ABCD-EFGH", T0)).status for _ in range(6)]
    assert statuses == [VerifyStatus.NOT_FOUND] * 5 + [VerifyStatus.RATE_LIMITED]
    limited = await service.verify(5, "ABCD-EFGH", T0 + timedelta(minutes=9, seconds=30))
    assert limited.retry_minutes == 1  # 30 s left: "in 1 minute", never "in 0"
    assert (await service.verify(6, "code?", T0)).status is VerifyStatus.MALFORMED
    later = await service.verify(5, "ABCD-EFGH", T0 + timedelta(minutes=11))
    assert later.status is VerifyStatus.NOT_FOUND


# --- privacy ---------------------------------------------------------------------------------


async def test_mydata_has_the_campaign_rows_and_forget_removes_them(
    service: CampaignService, repo: Repository
) -> None:
    await pass_once(service, 6, "sunshine")
    await service.issue_certificate(6, DEMO, T0)
    await service.verify(6, "ABCDEFGH", T0)
    data = await repo.privacy.export_user(6)
    assert [r["unit_id"] for r in data["campaign_members"]] == ["sunshine"]
    assert len(data["campaign_attempts"]) == 1
    assert len(data["campaign_certificates"]) == 1
    assert len(data["campaign_verify_checks"]) == 1
    assert await repo.privacy.delete_user(6, -(2**52))
    gone = await repo.campaigns.export(6)
    assert all(rows == [] for rows in gone.values())


# --- organizers ---------------------------------------------------------------------------------


async def test_group_binding_is_for_organizers_and_counts_reach_only(
    service: CampaignService, repo: Repository
) -> None:
    assert await service.bind_group(5, -100, DEMO, "sunshine", T0) is BindRefusal.NOT_ORGANIZER
    bound = await service.bind_group(10001, -100, DEMO, "sunshine", T0)
    assert isinstance(bound, Bound)
    assert await service.bind_group(1, -100, DEMO, "nowhere", T0) is BindRefusal.UNKNOWN_UNIT
    event = await repo.db.write_one(
        "INSERT INTO events (chat_id, host_id, bank_id, language, question_count, seconds, "
        "pause_between, status, created_at) VALUES (-100, 1, 'telecom_fraud', 'zh', 5, 30, 5, "
        "'finished', ?) RETURNING id",
        (T0.isoformat(),),
    )
    assert event is not None
    for user_id in (21, 22):
        await repo.players.join_event(event[0], user_id, "x", T0)
    await pass_once(service, 21, "east-branch")  # a member too: reached once
    report = await service.report(DEMO, T0 + timedelta(hours=1))
    assert report is not None
    sunshine = next(u for u in report.units if u.standing.unit.id == "sunshine")
    assert (sunshine.group_reach, sunshine.standing.participants) == (2, 0)
    assert (report.summary.reach, report.summary.participants) == (2, 1)
    assert await repo.campaigns.member(DEMO, 22) is None


async def test_report_of_a_campaign_nobody_joined_has_every_row(service: CampaignService) -> None:
    report = await service.report(DEMO, T0)
    assert report is not None
    assert report.summary.participants == 0
    assert len(report.units) == 5
    catalog = service.content.catalog
    drawn = {catalog.banks[b].topic for b in catalog.banks["challenge_315"].draw_from}
    assert [t.topic for t in report.topics] == [t for t in catalog.topics if t in drawn]
    assert len(report.days) == 15


async def test_final_results_hide_names_unless_shown_and_never_for_schools(
    service: CampaignService, repo: Repository
) -> None:
    await pass_once(service, 6, "sunshine")
    await pass_once(service, 7, "no1-middle")
    await pass_once(service, 8, "tech-park")
    await repo.people.set_show_name(6, True, "王阿姨")
    await repo.people.set_show_name(7, True, "小明")
    final = await service.final_results(DEMO, datetime(2027, 4, 1, tzinfo=UTC))
    assert final is not None
    names = {e.result.user_id: e.name for e in final.top}
    assert names == {6: "王阿姨", 7: None, 8: None}
    assert [s.participants for s in final.board if s.participants] == [1, 1, 1]


async def test_the_ended_message_is_claimed_once(service: CampaignService) -> None:
    assert await service.campaigns_to_announce(T0) == []
    after = datetime(2027, 4, 1, tzinfo=UTC)
    first = await service.campaigns_to_announce(after)
    assert [c.id for c in first] == [DEMO]
    assert await service.campaigns_to_announce(after) == []


async def test_links_per_unit(service: CampaignService) -> None:
    links = service.links(DEMO, "@quiz315_bot")
    assert links is not None
    assert links[0].url == "https://t.me/quiz315_bot?start=C-demo-315-U-east-branch"
    assert all(len(link.payload) <= 64 for link in links)
