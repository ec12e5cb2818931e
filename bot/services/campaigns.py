"""Campaign use cases: join by deep link, attempts, status, boards, certificates, the report.

No Telegram types: handlers decode an update, call one method, render what comes back (plain
data or a refusal with what its message needs) and send it.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.campaign_stats import CampaignReport, ReportInput, build_report
from bot.domain.campaigns import (
    CODE_BITS,
    VERIFY_WINDOW,
    Attempt,
    Campaign,
    Certificate,
    Membership,
    Phase,
    Result,
    StartRefusal,
    Unit,
    UnitStanding,
    best_per_person,
    best_result,
    blueprint,
    canonical_code,
    check_start,
    close_attempt,
    deep_link,
    draw,
    encode_code,
    join_payload,
    local_day,
    parse_payload,
    passed,
    pool_questions,
    ranking,
    unit_board,
    verify_wait,
)
from bot.domain.quiz import option_order
from bot.domain.session import QuizSession
from bot.services.content import ContentStore
from bot.services.insight import question_summaries
from bot.storage.repository import Repository

CODE_TRIES = 5


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # checked by the loader when the campaign was read


# --- joining -----------------------------------------------------------------------------------


class JoinRefusal(StrEnum):
    UNKNOWN_CAMPAIGN = "unknown_campaign"  # also a malformed payload
    UNKNOWN_UNIT = "unknown_unit"
    NOT_STARTED = "not_started"  # opens_on says when
    ENDED = "ended"
    CHANGE_USED = "change_used"  # already changed unit once; unit = where they stay


@dataclass(frozen=True, slots=True)
class Joined:
    campaign: Campaign
    unit: Unit
    membership: Membership
    new: bool  # False: they were already in this unit (a repeated link or update)
    changed: bool = False  # True: they have just moved here (their one change)


@dataclass(frozen=True, slots=True)
class ChangeOffer:
    """The person is in another unit and may move once: ask, then call ``change_unit``."""

    campaign: Campaign
    current: Unit
    proposed: Unit


@dataclass(frozen=True, slots=True)
class JoinRefused:
    reason: JoinRefusal
    campaign: Campaign | None = None
    unit: Unit | None = None
    opens_on: date | None = None


# --- attempts ----------------------------------------------------------------------------------


class AttemptRefusal(StrEnum):
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    NOT_MEMBER = "not_member"  # join by a unit's link first
    NOT_STARTED = "not_started"  # opens_at
    ENDED = "ended"
    LIMIT = "limit"  # today's attempts used up; opens_at is when the next one opens (or None)
    NO_QUESTIONS = "no_questions"  # the content changed and the pool cannot fill an attempt


@dataclass(frozen=True, slots=True)
class AttemptRefused:
    reason: AttemptRefusal
    campaign: Campaign | None = None
    opens_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    campaign: Campaign
    attempt: Attempt
    session: QuizSession  # present its current question like any private quiz
    resumed: bool  # True: the attempt was already running (a repeated press, a restart)
    left_today: int  # attempts left today after this one


@dataclass(frozen=True, slots=True)
class AttemptClosed:
    campaign: Campaign
    attempt: Attempt  # closed: correct, duration and expired are set
    best: Result  # the person's best so far (maybe this attempt)
    new_best: bool
    passed: bool  # this attempt reached the pass mark
    certificate_due: bool  # passed, and no certificate yet (offer one)
    unit: Unit | None = None  # the person's unit (school units: no name on certificates)


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    campaign: Campaign
    unit: Unit
    membership: Membership
    phase: Phase
    best: Result | None
    rank: int | None  # among everyone with a result; ties broken, so ranks are distinct
    ranked: int  # people with a result
    left_today: int
    next_opens_at: datetime | None  # when today's limit is used up
    open_attempt: Attempt | None
    certificate: Certificate | None
    passed: bool


@dataclass(frozen=True, slots=True)
class TopEntry:
    rank: int
    name: str | None  # None: show as anonymous (not opted in, or a school unit)
    unit: Unit | None
    result: Result


@dataclass(frozen=True, slots=True)
class FinalResults:
    campaign: Campaign
    board: list[UnitStanding]
    top: list[TopEntry]
    report: CampaignReport


class CertificateRefusal(StrEnum):
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    NOT_MEMBER = "not_member"
    NOT_PASSED = "not_passed"


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    certificate: Certificate
    campaign: Campaign
    unit: Unit | None


class VerifyStatus(StrEnum):
    VALID = "valid"
    NOT_FOUND = "not_found"
    MALFORMED = "malformed"
    RATE_LIMITED = "rate_limited"  # retry_at says when


@dataclass(frozen=True, slots=True)
class Verification:
    status: VerifyStatus
    certificate: Certificate | None = None
    campaign: Campaign | None = None  # None if the campaign file is gone (still valid)
    unit: Unit | None = None
    retry_at: datetime | None = None
    retry_minutes: int = 0  # rate_limited: whole minutes until retry_at, at least 1


@dataclass(frozen=True, slots=True)
class UnitLink:
    unit: Unit
    payload: str
    url: str


class BindRefusal(StrEnum):
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    UNKNOWN_UNIT = "unknown_unit"
    NOT_ORGANIZER = "not_organizer"


@dataclass(frozen=True, slots=True)
class Bound:
    campaign: Campaign
    unit: Unit


@dataclass(frozen=True, slots=True)
class ChooseCampaign:
    """An organizer of several campaigns named none: they choose one (by id)."""

    campaigns: tuple[Campaign, ...]


Organizing = Campaign | BindRefusal | ChooseCampaign
"""The campaign an organizer's command is about, or why there is none."""


@dataclass(frozen=True, slots=True)
class CampaignLinks:
    campaign: Campaign
    links: list[UnitLink]


@dataclass(frozen=True, slots=True)
class Announcement:
    """The "campaign ended" message, claimed once: its results and who receives it."""

    results: FinalResults
    organizers: tuple[int, ...]  # private chats
    groups: tuple[int, ...]  # group chats bound to a unit


class CampaignService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        *,
        operators: Collection[int] = (),
        rng_factory: Callable[[], random.Random] = random.Random,
        code_source: Callable[[], int] = lambda: secrets.randbits(CODE_BITS),
    ) -> None:
        self.repo = repo
        self.content = content
        self.operators = frozenset(operators)
        self.rng_factory = rng_factory
        self.code_source = code_source

    def campaign(self, campaign_id: str) -> Campaign | None:
        return self.content.catalog.campaigns.get(campaign_id)

    def is_organizer(self, user_id: int, campaign: Campaign) -> bool:
        """Organizers named in the file, and the bot's operators, see reports and links."""
        return user_id in campaign.organizers or user_id in self.operators

    # --- joining -------------------------------------------------------------------------------

    async def join(
        self, user_id: int, payload: str, now: datetime
    ) -> Joined | ChangeOffer | JoinRefused:
        """``/start C-<campaign>-U-<unit>``: join, or offer the one change of unit."""
        ids = parse_payload(payload)
        campaign = self.campaign(ids[0]) if ids else None
        if ids is None or campaign is None:
            return JoinRefused(JoinRefusal.UNKNOWN_CAMPAIGN)
        unit = campaign.unit(ids[1])
        if unit is None:
            return JoinRefused(JoinRefusal.UNKNOWN_UNIT, campaign)
        phase = campaign.phase(local_day(now, zone(campaign.timezone)))
        if phase is Phase.NOT_STARTED:
            return JoinRefused(JoinRefusal.NOT_STARTED, campaign, unit, campaign.first_day)
        if phase is Phase.ENDED:
            return JoinRefused(JoinRefusal.ENDED, campaign, unit)
        held = await self.repo.campaigns.member(campaign.id, user_id)
        if held is None:
            member, created = await self.repo.campaigns.join(campaign.id, user_id, unit.id, now)
            joined = campaign.unit(member.unit_id) or unit
            return Joined(campaign, joined, member, created)
        current = campaign.unit(held.unit_id)
        if held.unit_id == unit.id or current is None:
            return Joined(campaign, current or unit, held, False)
        if not held.can_change:
            return JoinRefused(JoinRefusal.CHANGE_USED, campaign, current)
        return ChangeOffer(campaign, current, unit)

    async def change_unit(
        self, user_id: int, campaign_id: str, unit_id: str, now: datetime
    ) -> Joined | JoinRefused:
        """The confirmed change of unit (the only one). A repeated confirmation is harmless."""
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return JoinRefused(JoinRefusal.UNKNOWN_CAMPAIGN)
        unit = campaign.unit(unit_id)
        if unit is None:
            return JoinRefused(JoinRefusal.UNKNOWN_UNIT, campaign)
        if campaign.phase(local_day(now, zone(campaign.timezone))) is Phase.ENDED:
            return JoinRefused(JoinRefusal.ENDED, campaign, unit)
        held = await self.repo.campaigns.member(campaign.id, user_id)
        if held is None:
            member, created = await self.repo.campaigns.join(campaign.id, user_id, unit.id, now)
            return Joined(campaign, campaign.unit(member.unit_id) or unit, member, created)
        if held.unit_id == unit.id:
            return Joined(campaign, unit, held, False, changed=held.changed_at is not None)
        if not await self.repo.campaigns.change_unit(campaign.id, user_id, unit.id, now):
            current = campaign.unit(held.unit_id)
            return JoinRefused(JoinRefusal.CHANGE_USED, campaign, current)
        moved = await self.repo.campaigns.member(campaign.id, user_id)
        assert moved is not None
        return Joined(campaign, unit, moved, False, changed=True)

    async def overview(
        self, user_id: int, campaign_id: str | None, now: datetime, most: int = 3
    ) -> list[CampaignStatus]:
        """``/campaign [id]``: that campaign, else the person's latest ones (empty: none)."""
        if campaign_id is not None:
            ids = [campaign_id]
        else:
            ids = [campaign.id for campaign, _ in await self.my_campaigns(user_id)][:most]
        found = [await self.status(user_id, cid, now) for cid in ids]
        return [status for status in found if status is not None]

    async def my_campaigns(self, user_id: int) -> list[tuple[Campaign, Membership]]:
        """The person's campaigns that still exist in the content, latest joined first."""
        found = []
        for member in reversed(await self.repo.campaigns.memberships(user_id)):
            campaign = self.campaign(member.campaign_id)
            if campaign is not None:
                found.append((campaign, member))
        return found

    # --- attempts ------------------------------------------------------------------------------

    async def start_attempt(
        self, user_id: int, campaign_id: str, now: datetime
    ) -> AttemptStarted | AttemptRefused:
        """Start (or resume) an attempt. It counts from this moment, finished or not."""
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return AttemptRefused(AttemptRefusal.UNKNOWN_CAMPAIGN)
        member = await self.repo.campaigns.member(campaign.id, user_id)
        if member is None:
            return AttemptRefused(AttemptRefusal.NOT_MEMBER, campaign)
        tz = zone(campaign.timezone)
        day = local_day(now, tz)
        running = await self.repo.campaigns.open_attempt(campaign.id, user_id)
        if running is not None:
            if now < running.deadline and running.session_id is not None:
                session = await self.repo.quizzes.get_session(running.session_id)
                if session is not None and session.is_open:
                    left = await self._left_today(campaign, user_id, now)
                    return AttemptStarted(campaign, running, session, True, left)
            await self._close(campaign, running, max(now, running.deadline))
        today = await self.repo.campaigns.started_on(campaign.id, user_id, day)
        check = check_start(campaign, now, tz, today)
        if not check.allowed:
            assert check.refusal is not None
            reason = {
                StartRefusal.NOT_STARTED: AttemptRefusal.NOT_STARTED,
                StartRefusal.ENDED: AttemptRefusal.ENDED,
                StartRefusal.LIMIT: AttemptRefusal.LIMIT,
            }[check.refusal]
            return AttemptRefused(reason, campaign, check.opens_at)
        catalog = self.content.catalog
        pool = pool_questions(campaign, catalog.banks)
        plan = blueprint(pool, campaign.questions_per_attempt)
        if not plan:
            return AttemptRefused(AttemptRefusal.NO_QUESTIONS, campaign)
        rng = self.rng_factory()
        seen = await self.repo.campaigns.seen_questions(campaign.id, user_id)
        questions = draw(pool, plan, seen, rng)
        attempt = await self.repo.campaigns.start_attempt(
            member,
            local_day=day,
            per_day=campaign.attempts_per_day,
            question_ids=[q.id for q in questions],
            option_orders=[option_order(q, rng) for q in questions],
            now=now,
            deadline=now + campaign.time_limit,
        )
        if attempt is None:  # a racing start (a duplicate update) got there first
            return await self.start_attempt(user_id, campaign_id, now)
        assert attempt.session_id is not None
        session = await self.repo.quizzes.get_session(attempt.session_id)
        assert session is not None
        return AttemptStarted(campaign, attempt, session, False, check.left_today - 1)

    async def _left_today(self, campaign: Campaign, user_id: int, now: datetime) -> int:
        tz = zone(campaign.timezone)
        today = await self.repo.campaigns.started_on(campaign.id, user_id, local_day(now, tz))
        check = check_start(campaign, now, tz, today)
        return check.left_today if check.allowed else 0

    async def finish_session(self, session_id: int, now: datetime) -> AttemptClosed | None:
        """After an answer (or a refused late one): close the attempt if it is over."""
        attempt = await self.repo.campaigns.attempt_of_session(session_id)
        if attempt is None or not attempt.is_open:
            return None
        campaign = self.campaign(attempt.campaign_id)
        return await self._close(campaign, attempt, now) if campaign else None

    async def close_due(self, now: datetime) -> list[AttemptClosed]:
        """The job: close attempts whose time ran out (or that a crash left unclosed)."""
        closed = []
        for attempt in await self.repo.campaigns.closable(now):
            campaign = self.campaign(attempt.campaign_id)
            if campaign is None:
                continue
            result = await self._close(campaign, attempt, now)
            if result is not None:
                closed.append(result)
        return closed

    async def _close(
        self, campaign: Campaign, attempt: Attempt, now: datetime
    ) -> AttemptClosed | None:
        ids, answers = await self.repo.campaigns.attempt_answers(attempt)
        if not ids:  # the session is gone: nothing was answered
            ids = []
            now = max(now, attempt.deadline)
        outcome = close_attempt(ids, answers, attempt.started_at, attempt.deadline, now)
        if outcome is None:
            return None
        if not await self.repo.campaigns.close_attempt(attempt, outcome, now):
            return None  # another caller closed it first
        after = await self.repo.campaigns.get_attempt(attempt.id)
        assert after is not None
        own = await self.repo.campaigns.results(campaign.id, attempt.user_id)
        best = best_result(own)
        this = after.result()
        assert best is not None
        assert this is not None
        made_it = passed(this, campaign)
        certificate = await self.repo.campaigns.certificate(campaign.id, attempt.user_id)
        member = await self.repo.campaigns.member(campaign.id, attempt.user_id)
        return AttemptClosed(
            campaign,
            after,
            best,
            best.attempt_id == after.id,
            made_it,
            made_it and certificate is None,
            campaign.unit(member.unit_id) if member else None,
        )

    # --- status and boards -----------------------------------------------------------------------

    async def status(self, user_id: int, campaign_id: str, now: datetime) -> CampaignStatus | None:
        """What ``/campaign`` shows; None when the person is not in this campaign."""
        campaign = self.campaign(campaign_id)
        member = await self.repo.campaigns.member(campaign_id, user_id) if campaign else None
        if campaign is None or member is None:
            return None
        unit = campaign.unit(member.unit_id)
        if unit is None:
            return None
        tz = zone(campaign.timezone)
        best_all = best_per_person(await self.repo.campaigns.results(campaign.id))
        ranks = {r.user_id: rank for rank, r in ranking(best_all)}
        today = await self.repo.campaigns.started_on(campaign.id, user_id, local_day(now, tz))
        check = check_start(campaign, now, tz, today)
        best = best_all.get(user_id)
        return CampaignStatus(
            campaign=campaign,
            unit=unit,
            membership=member,
            phase=campaign.phase(local_day(now, tz)),
            best=best,
            rank=ranks.get(user_id),
            ranked=len(best_all),
            left_today=check.left_today if check.allowed else 0,
            next_opens_at=check.opens_at if check.refusal is StartRefusal.LIMIT else None,
            open_attempt=await self.repo.campaigns.open_attempt(campaign.id, user_id),
            certificate=await self.repo.campaigns.certificate(campaign.id, user_id),
            passed=passed(best, campaign),
        )

    async def board(self, campaign_id: str) -> list[UnitStanding] | None:
        """The per-unit board: participants, participation rate, average best score, rank."""
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return None
        members = await self.repo.campaign_reports.members(campaign.id)
        best = best_per_person(await self.repo.campaigns.results(campaign.id))
        return unit_board(campaign, {m.user_id: m.unit_id for m in members}, best)

    async def report(self, campaign_id: str, now: datetime) -> CampaignReport | None:
        """Everything the organizers' workbook and dashboard show."""
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return None
        tz = zone(campaign.timezone)
        reads = self.repo.campaign_reports
        catalog = self.content.catalog
        pool = pool_questions(campaign, catalog.banks)
        summaries = await question_summaries(  # the editors' figures, over the attempts
            self.repo, catalog, [q.id for q in pool], await reads.attempt_sessions(campaign.id)
        )
        per_unit, reach = await reads.group_reach(
            campaign.id, campaign.opens_at(tz), campaign.ends_at(tz)
        )
        data = ReportInput(
            members=await reads.members(campaign.id),
            started=await reads.started(campaign.id),
            closed=await reads.closed_attempts(campaign.id),
            questions=list(summaries.values()),
            group_reach=per_unit,
            reach=reach,
        )
        topic_of = {qid: q.topic for qid, q in catalog.questions.items()}
        pool_topics = {q.topic for q in pool}
        topics = [t for t in catalog.topics if t in pool_topics]
        return build_report(campaign, data, topic_of, topics, tz, now)

    async def final_results(
        self, campaign_id: str, now: datetime, top: int = 10
    ) -> FinalResults | None:
        """The "campaign ended" message: the unit board, the top people, the summary."""
        campaign = self.campaign(campaign_id)
        report = await self.report(campaign_id, now)
        if campaign is None or report is None:
            return None
        members = {m.user_id: m.unit_id for m in await self.repo.campaign_reports.members(
            campaign.id
        )}  # fmt: skip
        best = best_per_person(await self.repo.campaigns.results(campaign.id))
        leaders = ranking({u: r for u, r in best.items() if u in members})[:top]
        names = await self.repo.campaign_reports.shown_names([r.user_id for _, r in leaders])
        entries = []
        for rank, result in leaders:
            unit = campaign.unit(members[result.user_id])
            anonymous = unit is None or unit.anonymous
            entries.append(
                TopEntry(rank, None if anonymous else names.get(result.user_id), unit, result)
            )
        return FinalResults(campaign, [u.standing for u in report.units], entries, report)

    async def announcements(self, now: datetime) -> list[Announcement]:
        """Every ended campaign's "campaign ended" message not claimed yet, now claimed.

        The caller sends each one and then calls ``announced``; a crash in between loses the
        message rather than sending it twice."""
        found = []
        for campaign in await self.campaigns_to_announce(now):
            results = await self.final_results(campaign.id, now)
            if results is None:
                continue
            groups = await self.repo.campaign_reports.bound_groups(campaign.id)
            found.append(Announcement(results, tuple(sorted(campaign.organizers)), groups))
        return found

    async def campaigns_to_announce(self, now: datetime) -> list[Campaign]:
        """Campaigns that have ended and whose "ended" message nobody has claimed yet.

        Claiming is once per campaign, before sending; mark it with ``announced``.
        """
        due = []
        for campaign in self.content.catalog.campaigns.values():
            if campaign.phase(local_day(now, zone(campaign.timezone))) is not Phase.ENDED:
                continue
            if await self.repo.campaign_reports.claim_closing(campaign.id, now):
                due.append(campaign)
        return due

    async def announced(self, campaign_id: str, now: datetime) -> None:
        await self.repo.campaign_reports.mark_closing_sent(campaign_id, now)

    # --- certificates ----------------------------------------------------------------------------

    async def issue_certificate(
        self, user_id: int, campaign_id: str, now: datetime, *, name: str | None = None
    ) -> IssuedCertificate | CertificateRefusal:
        """The person's certificate for their best result (the same code every time).

        ``name`` only when the person chose to show it; school units never store one.
        """
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return CertificateRefusal.UNKNOWN_CAMPAIGN
        member = await self.repo.campaigns.member(campaign.id, user_id)
        if member is None:
            return CertificateRefusal.NOT_MEMBER
        best = best_result(await self.repo.campaigns.results(campaign.id, user_id))
        if best is None or not passed(best, campaign):
            return CertificateRefusal.NOT_PASSED
        unit = campaign.unit(member.unit_id)
        shown = None if unit is None or unit.anonymous else (name or "").strip()[:64] or None
        held = await self.repo.campaigns.certificate(campaign.id, user_id)
        for _ in range(CODE_TRIES):
            code = held.code if held else encode_code(self.code_source())
            issued = await self.repo.campaigns.issue_certificate(
                Certificate(
                    code=code,
                    campaign_id=campaign.id,
                    unit_id=member.unit_id,
                    user_id=user_id,
                    correct=best.correct,
                    total=best.total,
                    issued_on=local_day(now, zone(campaign.timezone)),
                    name=shown,
                )
            )
            if issued is not None:
                return IssuedCertificate(issued, campaign, unit)
        raise RuntimeError("could not draw an unused certificate code")  # 40 bits: never

    async def verify(self, user_id: int, text: str, now: datetime) -> Verification:
        """``/verify CODE``: at most a few checks per person in ten minutes."""
        recent = await self.repo.campaigns.verify_checks(user_id, now - VERIFY_WINDOW)
        wait = verify_wait(recent, now)
        if wait is not None:
            minutes = max(1, math.ceil((wait - now).total_seconds() / 60))
            return Verification(VerifyStatus.RATE_LIMITED, retry_at=wait, retry_minutes=minutes)
        await self.repo.campaigns.record_verify_check(user_id, now, now - VERIFY_WINDOW)
        return await self.lookup(text)

    async def lookup(self, text: str) -> Verification:
        """A certificate by its code, without a rate limit (``quizbot campaign verify``)."""
        code = canonical_code(text)
        if code is None:
            return Verification(VerifyStatus.MALFORMED)
        found = await self.repo.campaigns.find_certificate(code)
        if found is None:
            return Verification(VerifyStatus.NOT_FOUND)
        campaign = self.campaign(found.campaign_id)
        unit = campaign.unit(found.unit_id) if campaign else None
        return Verification(VerifyStatus.VALID, found, campaign, unit)

    # --- organizers -----------------------------------------------------------------------------

    def organizing(self, user_id: int, campaign_id: str | None) -> Organizing:
        """The campaign an organizer's command means: the one named, else the only one they
        organize (operators organize every campaign)."""
        if campaign_id is not None:
            campaign = self.campaign(campaign_id)
            if campaign is None:
                return BindRefusal.UNKNOWN_CAMPAIGN
            return campaign if self.is_organizer(user_id, campaign) else BindRefusal.NOT_ORGANIZER
        everything = sorted(self.content.catalog.campaigns.values(), key=lambda c: c.id)
        mine = tuple(c for c in everything if self.is_organizer(user_id, c))
        if not mine:
            return BindRefusal.NOT_ORGANIZER
        return mine[0] if len(mine) == 1 else ChooseCampaign(mine)

    async def organizer_report(
        self, user_id: int, campaign_id: str | None, now: datetime
    ) -> CampaignReport | BindRefusal | ChooseCampaign:
        """``/campaign_report``: the whole report, for the campaign's organizers only."""
        found = self.organizing(user_id, campaign_id)
        if not isinstance(found, Campaign):
            return found
        report = await self.report(found.id, now)
        return report if report is not None else BindRefusal.UNKNOWN_CAMPAIGN

    def organizer_links(
        self, user_id: int, campaign_id: str | None, bot_username: str
    ) -> CampaignLinks | BindRefusal | ChooseCampaign:
        """``/campaign_links``: every unit's deep link (the handler draws the posters)."""
        found = self.organizing(user_id, campaign_id)
        if not isinstance(found, Campaign):
            return found
        return CampaignLinks(found, unit_links(found, bot_username))

    # --- links and group chats -----------------------------------------------------------------

    def links(self, campaign_id: str, bot_username: str) -> list[UnitLink] | None:
        campaign = self.campaign(campaign_id)
        return unit_links(campaign, bot_username) if campaign else None

    async def bind_group(
        self, user_id: int, chat_id: int, campaign_id: str, unit_id: str, now: datetime
    ) -> Bound | BindRefusal:
        """An organizer binds a group chat to a unit: its event players count as reach."""
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return BindRefusal.UNKNOWN_CAMPAIGN
        if not self.is_organizer(user_id, campaign):
            return BindRefusal.NOT_ORGANIZER
        unit = campaign.unit(unit_id)
        if unit is None:
            return BindRefusal.UNKNOWN_UNIT
        await self.repo.campaign_reports.bind_group(campaign.id, chat_id, unit.id, now)
        return Bound(campaign, unit)

    async def unbind_group(
        self, user_id: int, chat_id: int, campaign_id: str
    ) -> bool | BindRefusal:
        campaign = self.campaign(campaign_id)
        if campaign is None:
            return BindRefusal.UNKNOWN_CAMPAIGN
        if not self.is_organizer(user_id, campaign):
            return BindRefusal.NOT_ORGANIZER
        return await self.repo.campaign_reports.unbind_group(campaign.id, chat_id)


def unit_links(campaign: Campaign, bot_username: str) -> list[UnitLink]:
    """Each unit's ``/start`` payload and deep link (needs no database and no token)."""
    return [
        UnitLink(u, p, deep_link(bot_username, p))
        for u in campaign.units
        for p in [join_payload(campaign.id, u.id)]
    ]


def attempt_time_left(attempt: Attempt, now: datetime) -> timedelta:
    return max(attempt.deadline - now, timedelta(0))
