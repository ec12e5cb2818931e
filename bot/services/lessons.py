"""Daily lessons: who is due, what each chat gets, and delivery exactly once.

No Telegram types here. Sending is an injected ``send(Outgoing) -> message_id`` that reports
failures as :class:`SendError` subclasses, so tests and the benchmark drive the same code as the
bot.

Exactly once, step by step (see ``run_due``):

1. SQL narrows the candidates (active, time zone, ``send_at`` reached, no row for the local day)
   and the domain (``is_due``: quiet hours) decides.
2. Before sending, a worker claims the day with one INSERT guarded by UNIQUE(chat, local day)
   and UNIQUE(chat, lesson): of two overlapping runs (or processes) exactly one gets the row.
3. After sending, the row is marked ``sent`` (or ``failed`` with its reason).
4. A claim still ``pending`` after ``stale_after`` means the process died between claim and
   mark; the next run takes it over with a compare-and-set and sends it again, at most
   ``max_attempts`` times, on the same local day and outside quiet hours only.

The one window left is a crash after Telegram accepted a message and before the ``sent`` mark
(one UPDATE): then the lesson is sent twice rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import metrics
from bot.config import Settings
from bot.domain.campaigns import Phase
from bot.domain.content import Catalog, Lesson, Question, QuestionType
from bot.domain.quiz import grade_answer, learn, question_version
from bot.domain.schedule import (
    BroadcastStats,
    ChatKind,
    Delivery,
    Subscription,
    allowed_time,
    format_hhmm,
    is_due,
    local_day,
    next_lesson,
    pick_review_questions,
)
from bot.services.common import Origin, guess_language, local_today
from bot.services.content import ContentStore
from bot.services.quiz import Refusal
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

REVIEW_SIZE = 3
"""Wrong questions in a review lesson: the first is asked again, the others recapped."""


# --------------------------------------------------------------------------- the send seam


class SendError(Exception):
    """Sending failed; ``reason`` is a short stable category stored for operators."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Unreachable(SendError):
    """The chat cannot receive anything (blocked the bot, kicked it, gone): stop pushing."""


class Moved(SendError):
    """The group became a supergroup: its rows move to ``new_chat_id``; sent again there."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__("migrated", str(new_chat_id))
        self.new_chat_id = new_chat_id


class RetryLater(SendError):
    """Flood control: wait ``seconds`` and try again."""

    def __init__(self, seconds: float) -> None:
        super().__init__("rate_limited", f"retry after {seconds:g}s")
        self.seconds = seconds


class Transient(SendError):
    """A network problem or timeout: try again after a pause."""


class Rejected(SendError):
    """Telegram refused this message for good (e.g. a malformed text)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everything needed to render and send one lesson message."""

    delivery: Delivery
    chat_kind: ChatKind
    language: str
    lesson: Lesson | None  # None for a review
    check: Question | None
    recap: tuple[Question, ...] = ()
    quiz_bank: str | None = None  # bank for the "full quiz on this topic" button

    @property
    def chat_id(self) -> int:
        return self.delivery.chat_id


class LessonSend(Protocol):
    async def __call__(self, message: Outgoing, /) -> int:
        """Send ``message``; return Telegram's message id or raise a SendError."""
        ...


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class RunReport:
    """What one run of the job did; logged, and read by tests and the benchmark."""

    sent: int = 0
    failed: int = 0
    deactivated: int = 0
    finished_course: int = 0
    retried_stale: int = 0
    expired: int = 0
    lost_race: int = 0
    waits: list[float] = field(default_factory=list)


# --------------------------------------------------------------------------- time zones


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def find_zone(name: str) -> ZoneInfo | None:
    """An IANA zone by name, case-insensitively (``asia/shanghai`` works); None if unknown."""
    canonical = _zone_names().get(name.strip().lower())
    if canonical is None:
        return None
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class SubscribeRefusal(StrEnum):
    QUIET = "quiet"


@dataclass(frozen=True, slots=True)
class ScheduleView:
    subscription: Subscription | None
    zone: ZoneInfo
    send_at: time
    next_push: Literal["today", "tomorrow", "soon", "none"]
    lessons_sent: int
    lessons_total: int


@dataclass(frozen=True, slots=True)
class CheckResult:
    delivery: Delivery
    question: Question
    chosen: frozenset[int]
    correct: bool
    language: str  # the person's in a private chat, the group's in a group
    message: Outgoing  # the lesson message, to show the result in


# --------------------------------------------------------------------------- the service


class LessonService:
    def __init__(
        self,
        repo: Repository,
        content: ContentStore,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        sleep: Sleep = asyncio.sleep,
        concurrency: int = 8,
        stale_after: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        backoff: float = 1.0,
    ) -> None:
        self.repo = repo
        self.content = content
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.concurrency = concurrency
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        self.backoff = backoff

    @property
    def catalog(self) -> Catalog:
        return self.content.catalog

    @property
    def default_zone_name(self) -> str:
        return self.settings.timezone.key

    def zone(self, subscription: Subscription | None) -> ZoneInfo:
        if subscription is None or subscription.tz is None:
            return self.settings.timezone
        return find_zone(subscription.tz) or self.settings.timezone

    async def zone_of(self, chat_id: int) -> ZoneInfo:
        return self.zone(await self.repo.lessons.lesson_subscription(chat_id))

    async def send_time(self, chat_id: int) -> time | None:
        """The chat's chosen time, if it ever subscribed (re-subscribing keeps it)."""
        current = await self.repo.lessons.lesson_subscription(chat_id)
        return current.send_at if current else None

    async def run_due_alone(self, send: LessonSend) -> RunReport:
        """The minute job: deliver what is due on a connection of its own.

        Handlers share one connection and open transactions on it; the job's autocommit
        writes must not land inside (and be rolled back with) one of theirs.
        """
        repo = await Repository.open(self.settings.database_path)
        try:
            own = LessonService(repo, self.content, self.settings, clock=self.clock)
            return await own.run_due(send)
        finally:
            await repo.close()

    # --- settings commands ------------------------------------------------------------------

    async def subscribe(
        self, chat_id: int, kind: ChatKind, language: str, send_at: time | None, now: datetime
    ) -> Subscription | SubscribeRefusal:
        """Start the daily push at ``send_at`` (default LESSON_TIME); never inside quiet hours."""
        at = send_at or self.settings.lesson_time
        if not allowed_time(at, self.settings.quiet_hours):
            return SubscribeRefusal.QUIET
        await self.repo.lessons.subscribe_lessons(chat_id, kind, language, format_hhmm(at), now)
        found = await self.repo.lessons.lesson_subscription(chat_id)
        assert found is not None
        return found

    async def unsubscribe(self, chat_id: int, now: datetime) -> bool:
        return await self.repo.lessons.deactivate_lessons(chat_id, "unsubscribed", now)

    async def set_timezone(
        self, chat_id: int, kind: ChatKind, language: str, name: str, now: datetime
    ) -> ZoneInfo | None:
        zone = find_zone(name)
        if zone is None:
            return None
        default_at = format_hhmm(self.settings.lesson_time)
        await self.repo.lessons.set_lesson_timezone(
            chat_id, kind, language, zone.key, default_at, now
        )
        return zone

    async def schedule(self, chat_id: int, now: datetime) -> ScheduleView:
        sub = await self.repo.lessons.lesson_subscription(chat_id)
        zone = self.zone(sub)
        send_at = sub.send_at if sub else self.settings.lesson_time
        history = await self.repo.lessons.lesson_history(chat_id)
        next_push: Literal["today", "tomorrow", "soon", "none"] = "none"
        if sub is not None and sub.active:
            today = local_day(now, zone)
            local = now.astimezone(zone).time().replace(tzinfo=None)
            if await self.repo.lessons.lesson_delivery_on(chat_id, today) is not None:
                next_push = "tomorrow"
            elif local < send_at:
                next_push = "today"
            elif is_due(now, zone, send_at, self.settings.quiet_hours, delivered_today=False):
                next_push = "soon"
            else:
                next_push = "tomorrow"
        return ScheduleView(
            subscription=sub,
            zone=zone,
            send_at=send_at,
            next_push=next_push,
            lessons_sent=len(history.lesson_ids),
            lessons_total=len(self.catalog.lessons),
        )

    async def stats(self, now: datetime) -> BroadcastStats:
        """For operators; "today" is the day in the bot's TIMEZONE."""
        local = now.astimezone(self.settings.timezone)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return await self.repo.lessons.broadcast_stats(start)

    # --- what to send -----------------------------------------------------------------------

    def outgoing(self, delivery: Delivery, kind: ChatKind, language: str) -> Outgoing | None:
        """The message for a claimed row, from today's content; None if it is gone."""
        catalog = self.catalog
        check = catalog.questions.get(delivery.check_id) if delivery.check_id else None
        recap = tuple(catalog.questions[q] for q in delivery.recap_ids if q in catalog.questions)
        if delivery.kind == "lesson":
            lesson = next((x for x in catalog.lessons if x.id == delivery.lesson_id), None)
            if lesson is None:
                return None
            bank = self.catalog.bank_for_topic(lesson.topic)
            return Outgoing(delivery, kind, language, lesson, check, (), bank)
        if delivery.kind == "review" and check is not None:
            bank = check.bank_id if check.bank_id in catalog.banks else None
            return Outgoing(delivery, kind, language, None, check, recap, bank)
        return None

    async def _claim_today(
        self, sub: Subscription, day: date, now: datetime, *, job: bool
    ) -> Delivery | None:
        """Choose and claim this chat's delivery for ``day``; None if it exists already.

        When the course is finished the job claims a 'done' row (status skipped) so the chat
        is not examined again every minute of the day.
        """
        catalog = self.catalog
        history = await self.repo.lessons.lesson_history(sub.chat_id)
        picks: list[str] = []
        if sub.kind == "private":
            cards = await self.repo.learning.cards(sub.chat_id)
            picks = [
                qid
                for qid in pick_review_questions(cards, day, k=REVIEW_SIZE + 2)
                if qid in catalog.questions
            ][:REVIEW_SIZE]
        choice = next_lesson(
            catalog.lessons,
            history.lesson_ids,
            history.sent,
            topics=catalog.topics,
            has_wrong_questions=bool(picks),
            first=await self._campaign_lessons(sub, now),
        )
        if choice.kind == "done":
            if not job:
                return None
            return await self.repo.lessons.claim_lesson(
                sub.chat_id, day, "done", None, None, [], now, status="skipped", error="done"
            )
        if choice.kind == "review":
            return await self.repo.lessons.claim_lesson(
                sub.chat_id, day, "review", None, picks[0], picks[1:], now
            )
        lesson = choice.lesson
        assert lesson is not None
        check = lesson.check if lesson.check in catalog.questions else None
        return await self.repo.lessons.claim_lesson(
            sub.chat_id, day, "lesson", lesson.id, check, [], now
        )

    async def _campaign_lessons(self, sub: Subscription, now: datetime) -> list[str]:
        """The lessons of the running campaigns a person takes part in, each campaign's in its
        own order (the earliest joined first): they come before the rest of the curriculum."""
        campaigns = self.catalog.campaigns
        if sub.kind != "private" or not campaigns:
            return []
        found: list[str] = []
        for member in await self.repo.campaigns.memberships(sub.chat_id):
            campaign = campaigns.get(member.campaign_id)
            if campaign is None or not campaign.lessons:
                continue
            if campaign.phase(local_day(now, ZoneInfo(campaign.timezone))) is Phase.OPEN:
                found += [lesson for lesson in campaign.lessons if lesson not in found]
        return found

    # --- the job ----------------------------------------------------------------------------

    async def run_due(self, send: LessonSend, now: datetime | None = None) -> RunReport:
        """One scheduler tick: retry stale claims, then deliver to everyone due now."""
        now = now or self.clock()
        report = RunReport()
        limit = asyncio.Semaphore(self.concurrency)
        try:
            async with asyncio.TaskGroup() as group:
                for stale in await self.repo.lessons.stale_lesson_claims(now - self.stale_after):
                    group.create_task(self._retry_stale(stale, now, send, report, limit))
                quiet = self.settings.quiet_hours
                for zone_name in await self.repo.lessons.lesson_timezones(self.default_zone_name):
                    zone = find_zone(zone_name) or self.settings.timezone
                    day = local_day(now, zone)
                    hhmm = format_hhmm(now.astimezone(zone).time())
                    candidates = await self.repo.lessons.lesson_candidates(
                        zone_name, self.default_zone_name, hhmm, day
                    )
                    for sub in candidates:
                        if is_due(now, zone, sub.send_at, quiet, delivered_today=False):
                            group.create_task(
                                self._deliver_new(sub, day, now, send, report, limit)
                            )
        except BaseExceptionGroup as errors:  # a crash or cancellation: show the real one
            if len(errors.exceptions) == 1:
                raise errors.exceptions[0] from None
            raise
        if report.sent or report.failed or report.expired:
            log.info(
                "lessons: %d sent, %d failed, %d chats stopped, %d stale retried, %d expired",
                report.sent,
                report.failed,
                report.deactivated,
                report.retried_stale,
                report.expired,
            )
        return report

    async def _deliver_new(
        self,
        sub: Subscription,
        day: date,
        now: datetime,
        send: LessonSend,
        report: RunReport,
        limit: asyncio.Semaphore,
    ) -> None:
        async with limit:
            try:
                delivery = await self._claim_today(sub, day, now, job=True)
                if delivery is None:
                    report.lost_race += 1
                    return
                if delivery.kind == "done":
                    report.finished_course += 1
                    return
                await self._send_claimed(delivery, sub, send, report)
            except Exception:  # one chat's trouble must not stop the others
                log.exception("lesson delivery to chat %d failed", sub.chat_id)

    async def _retry_stale(
        self,
        delivery: Delivery,
        now: datetime,
        send: LessonSend,
        report: RunReport,
        limit: asyncio.Semaphore,
    ) -> None:
        async with limit:
            try:
                sub = await self.repo.lessons.lesson_subscription(delivery.chat_id)
                if sub is None or not sub.active:
                    await self._failed(delivery.id, "inactive", report, release=True)
                    return
                zone = self.zone(sub)
                if local_day(now, zone) != delivery.local_day:
                    # Its day is over: the lesson waits for the chat's next slot.
                    await self.repo.lessons.mark_lesson_failed(
                        delivery.id, "expired", release_lesson=True
                    )
                    report.expired += 1
                    return
                if self.settings.quiet_hours.contains(now.astimezone(zone).time()):
                    return  # later today, once quiet hours are over
                if delivery.attempts >= self.max_attempts:
                    await self._failed(delivery.id, "too_many_attempts", report)
                    return
                if not await self.repo.lessons.reclaim_lesson(delivery, now):
                    report.lost_race += 1
                    return
                report.retried_stale += 1
                claimed = await self.repo.lessons.lesson_delivery(delivery.id)
                assert claimed is not None
                await self._send_claimed(claimed, sub, send, report)
            except Exception:
                log.exception("retrying lesson delivery %d failed", delivery.id)

    async def _failed(
        self,
        delivery_id: int,
        reason: str,
        report: RunReport,
        *,
        release: bool = False,
        counted_as: str | None = None,
    ) -> None:
        """Record a delivery that will not be retried; ``release`` frees its lesson."""
        await self.repo.lessons.mark_lesson_failed(delivery_id, reason, release_lesson=release)
        metrics.lesson_failed(counted_as or reason)
        report.failed += 1

    async def _send_claimed(
        self, delivery: Delivery, sub: Subscription, send: LessonSend, report: RunReport
    ) -> int | None:
        """Send a row this run holds and record the outcome. Exceptions other than
        SendError (and cancellation) leave the row pending for a later retry."""
        message = self.outgoing(delivery, sub.kind, sub.language)
        if message is None:
            await self._failed(delivery.id, "content_removed", report, release=True)
            return None
        attempts = delivery.attempts
        while True:
            try:
                message_id = await send(message)
            except Moved as exc:
                if attempts >= self.max_attempts:
                    await self._failed(delivery.id, exc.reason, report, release=True)
                    return None
                await self.repo.groups.move_chat(sub.chat_id, exc.new_chat_id)
                log.info("lessons: chat %d became %d", sub.chat_id, exc.new_chat_id)
                sub = replace(sub, chat_id=exc.new_chat_id)
                moved = replace(message.delivery, chat_id=exc.new_chat_id)
                message = replace(message, delivery=moved)
                attempts += 1
                continue
            except Unreachable as exc:
                await self._failed(delivery.id, exc.reason, report, release=True)
                await self.repo.lessons.deactivate_lessons(sub.chat_id, exc.reason, self.clock())
                report.deactivated += 1
                return None
            except Rejected as exc:
                reason = f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
                await self._failed(delivery.id, reason, report, counted_as=exc.reason)
                return None
            except (RetryLater, Transient) as exc:
                if attempts >= self.max_attempts:
                    await self._failed(delivery.id, exc.reason, report, release=True)
                    return None
                if isinstance(exc, RetryLater):
                    wait = max(exc.seconds, 0.0)
                else:
                    wait = min(self.backoff * 2 ** (attempts - 1), 60.0)
                report.waits.append(wait)
                log.info("lesson to chat %d: %s; retrying in %.1fs", sub.chat_id, exc, wait)
                await self.sleep(wait)
                attempts += 1
                await self.repo.lessons.count_lesson_attempt(delivery.id, self.clock())
                continue
            await self.repo.lessons.mark_lesson_sent(delivery.id, message_id, self.clock())
            metrics.lesson_sent()
            report.sent += 1
            return message_id

    # --- /lesson ----------------------------------------------------------------------------

    async def deliver_now(
        self, chat_id: int, kind: ChatKind, language: str, send: LessonSend
    ) -> Outgoing | None:
        """Today's lesson at once (/lesson); None when the course is finished.

        It becomes today's delivery, so the scheduled push does not send a second one; asked
        again the same day, the same lesson is shown again.
        """
        now = self.clock()
        sub = await self.repo.lessons.lesson_subscription(chat_id)
        if sub is None:
            default_at = self.settings.lesson_time
            sub = Subscription(chat_id, kind, language, None, default_at, active=False)
        sub = Subscription(
            sub.chat_id, kind, language, sub.tz, sub.send_at, sub.active, sub.inactive_reason
        )
        day = local_day(now, self.zone(sub))
        delivery = await self.repo.lessons.lesson_delivery_on(chat_id, day)
        if delivery is None:
            delivery = await self._claim_today(sub, day, now, job=False)
            if delivery is None:
                delivery = await self.repo.lessons.lesson_delivery_on(chat_id, day)
            if delivery is None:
                return None
        message = self.outgoing(delivery, kind, language)
        if message is None:
            return None
        if delivery.status == "pending":
            await self._send_claimed(delivery, sub, send, RunReport())
        else:
            await send(message)
        return message

    # --- the check question -----------------------------------------------------------------

    async def check_on_screen(
        self, origin: Origin, delivery_id: int, selected: int
    ) -> Outgoing | Refusal:
        """The lesson message whose multiple-answer check shows the options of ``selected``
        ticked (nothing is stored: the selection lives in the buttons)."""
        delivery = await self._shown_here(origin, delivery_id)
        if isinstance(delivery, Refusal):
            return delivery
        kind: ChatKind = "private" if origin.private else "group"
        language = await self._language(origin, kind)
        out = self.outgoing(delivery, kind, language)
        if out is None or out.check is None:
            return Refusal.STALE
        if out.check.type is not QuestionType.MULTIPLE or selected >> len(out.check.options):
            return Refusal.INVALID
        return out

    async def _shown_here(self, origin: Origin, delivery_id: int) -> Delivery | Refusal:
        """The delivery a check button belongs to, if the press came from the message that
        shows it (in its owner's private chat, or in the group it was sent to)."""
        delivery = await self.repo.lessons.lesson_delivery(delivery_id)
        if delivery is None or delivery.chat_id != origin.chat_id:
            return Refusal.INVALID
        if origin.private and not origin.own_private_chat:
            return Refusal.NOT_YOURS
        if delivery.message_id != origin.message_id:
            return Refusal.STALE
        return delivery

    async def _language(self, origin: Origin, kind: ChatKind) -> str:
        if kind == "group":
            sub = await self.repo.lessons.lesson_subscription(origin.chat_id)
            return sub.language if sub else self.settings.default_language
        user = await self.repo.people.get_user(origin.user_id)
        return user.language if user else self.settings.default_language

    async def answer_check(
        self, origin: Origin, delivery_id: int, chosen: frozenset[int], *, submitted: bool
    ) -> CheckResult | Refusal:
        """Grade and store one person's answer to a lesson's check, at most once.

        Pressed on the lesson message itself (in a private chat, by its owner; in a group, by
        any member who has started the bot). It counts like a quiz answer: the day joins the
        streak and the question's card moves (``bot.domain.quiz.learn``).
        """
        delivery = await self._shown_here(origin, delivery_id)
        if isinstance(delivery, Refusal):
            return delivery
        question = self.catalog.questions.get(delivery.check_id or "")
        if question is None:
            return Refusal.STALE
        if submitted != (question.type is QuestionType.MULTIPLE):
            return Refusal.INVALID
        if not chosen:
            return Refusal.NOTHING_SELECTED
        if any(not 0 <= i < len(question.options) for i in chosen):
            return Refusal.INVALID
        now = self.clock()
        user = await self.repo.people.get_user(origin.user_id)
        if user is None and origin.private:
            return Refusal.UNKNOWN_PERSON
        if user is None:  # a group member's first answer: a deliberate act, like a command
            language = guess_language(origin.language_code, self.settings.default_language)
            user = await self.repo.people.ensure_user(origin.user_id, language, now)
        correct = grade_answer(question, chosen)
        today = local_today(now, user.timezone, self.settings.timezone)
        card = await self.repo.learning.card(user.user_id, question.id)
        # Lesson checks teach; they earn no points.
        learned = learn(user.user_id, question, correct, 0, card, user.streak, today)
        stored = await self.repo.lessons.record_lesson_answer(
            delivery_id, chosen, now, question_version(question), learned
        )
        if not stored:
            return Refusal.ALREADY_ANSWERED
        metrics.answer_stored("lesson_check")
        kind: ChatKind = "private" if origin.private else "group"
        language = await self._language(origin, kind)
        out = self.outgoing(delivery, kind, language)
        if out is None:
            return Refusal.STALE
        return CheckResult(delivery, question, chosen, correct, language, out)
