"""Campaigns: a 3·15 contest across units (branches, communities, schools, companies).

Pure rules, no I/O and no clock: ``now`` and time zones are parameters, randomness comes from
an injected ``random.Random``. Statistics over many people (learning gain, the organizers'
report) live in ``bot.domain.campaign_stats``.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

from bot.domain.content import Bank, Question, Text

# --- the campaign -----------------------------------------------------------------------------


class UnitKind(StrEnum):
    BRANCH = "branch"
    COMMUNITY = "community"
    SCHOOL = "school"
    COMPANY = "company"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: Text
    kind: UnitKind
    target: int  # the headcount the unit aims to reach (participation rate = people / target)

    @property
    def anonymous(self) -> bool:
        """School units mean minors: never a name, anywhere."""
        return self.kind is UnitKind.SCHOOL


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    title: Text
    first_day: date
    last_day: date
    timezone: str  # IANA name, checked by the loader; callers turn it into a tzinfo
    banks: tuple[str, ...]  # the question pool: these banks (a mixed bank brings its sources)
    topics: tuple[str, ...]  # ... and every bank of these topics
    questions_per_attempt: int
    time_limit: timedelta
    attempts_per_day: int
    pass_mark: int  # correct answers needed for a certificate
    units: tuple[Unit, ...]
    organizers: frozenset[int] = frozenset()
    lessons: tuple[str, ...] = ()

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def phase(self, day: date) -> Phase:
        if day < self.first_day:
            return Phase.NOT_STARTED
        if day > self.last_day:
            return Phase.ENDED
        return Phase.OPEN

    def opens_at(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.first_day, time(0), tz)

    def ends_at(self, tz: tzinfo) -> datetime:
        """The first instant after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tz)


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    ENDED = "ended"


def local_day(now: datetime, tz: tzinfo) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


# --- deep links -------------------------------------------------------------------------------

PAYLOAD_MAX = 64  # Telegram: /start payloads of 1-64 characters of A-Z a-z 0-9 _ -
PAYLOAD_PREFIX = "C-"
UNIT_SEPARATOR = "-U-"
# Bank ids (and so `/start <bank-id>`) are lower-case slugs; campaign and unit ids too. A
# payload that starts with an upper-case "C-" and splits at the upper-case "-U-" can be
# neither a bank id nor ambiguous, whatever dashes the ids themselves contain.
_PAYLOAD = re.compile(r"C-([a-z0-9][a-z0-9_-]*)-U-([a-z0-9][a-z0-9_-]*)")
_PAYLOAD_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")


def join_payload(campaign_id: str, unit_id: str) -> str:
    """``C-<campaign>-U-<unit>``: the ``/start`` payload of a unit's deep link."""
    return f"{PAYLOAD_PREFIX}{campaign_id}{UNIT_SEPARATOR}{unit_id}"


def payload_fits(payload: str) -> bool:
    return bool(_PAYLOAD_CHARS.fullmatch(payload))


def parse_payload(payload: str) -> tuple[str, str] | None:
    """(campaign id, unit id) of a join payload, or None when it is not one."""
    match = _PAYLOAD.fullmatch(payload)
    return (match[1], match[2]) if match else None


def is_join_payload(payload: str) -> bool:
    """Whether ``/start <payload>`` belongs to campaigns (even a malformed one)."""
    return payload.startswith(PAYLOAD_PREFIX)


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


SESSION_PREFIX = "campaign:"
"""An attempt's quiz session names its campaign in ``bank_id``: ``campaign:<id>``."""


def session_bank(campaign_id: str) -> str:
    return f"{SESSION_PREFIX}{campaign_id}"


def session_campaign(bank_id: str) -> str | None:
    """The campaign of an attempt's session, from its ``bank_id``; None for a bank's quiz."""
    return bank_id.removeprefix(SESSION_PREFIX) if bank_id.startswith(SESSION_PREFIX) else None


# --- certificate codes -------------------------------------------------------------------------

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_LENGTH = 8  # 8 x 5 = 40 random bits
CODE_BITS = 5 * CODE_LENGTH
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def encode_code(value: int) -> str:
    """The 8-character code of a 40-bit number (the service draws it with ``secrets``)."""
    if not 0 <= value < 1 << CODE_BITS:
        raise ValueError("a certificate code is a 40-bit number")
    return "".join(CODE_ALPHABET[(value >> shift) & 31] for shift in range(CODE_BITS - 5, -1, -5))


def canonical_code(text: str) -> str | None:
    """The stored form of a typed code, or None if it cannot be one.

    Crockford's rules: case does not matter, O reads as 0 and I/L as 1, hyphens and spaces
    (``ABCD-EFGH``) are ignored. No checksum: 40 random bits make a guess hopeless anyway.
    """
    cleaned = re.sub(r"[\s\-]", "", text).upper().translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def display_code(code: str) -> str:
    """``ABCD-EFGH``: easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:]}"


# --- attempts ---------------------------------------------------------------------------------


class StartRefusal(StrEnum):
    NOT_STARTED = "not_started"
    ENDED = "ended"
    LIMIT = "limit"  # today's attempts are used up


@dataclass(frozen=True, slots=True)
class StartCheck:
    allowed: bool
    refusal: StartRefusal | None = None
    opens_at: datetime | None = None  # when the next attempt can start (None: never again)
    left_today: int = 0  # attempts left today, this one included


def next_day_start(now: datetime, tz: tzinfo) -> datetime:
    """Midnight at the start of tomorrow, in ``tz`` (aware)."""
    return datetime.combine(local_day(now, tz) + timedelta(days=1), time(0), tz)


def check_start(campaign: Campaign, now: datetime, tz: tzinfo, started_today: int) -> StartCheck:
    """May a person start an attempt now? Attempts per day count in the campaign's time zone.

    An attempt counts once started, finished or not, so ``started_today`` includes open and
    expired ones.
    """
    day = local_day(now, tz)
    phase = campaign.phase(day)
    if phase is Phase.NOT_STARTED:
        return StartCheck(False, StartRefusal.NOT_STARTED, campaign.opens_at(tz))
    if phase is Phase.ENDED:
        return StartCheck(False, StartRefusal.ENDED)
    left = max(campaign.attempts_per_day - started_today, 0)
    if left == 0:
        tomorrow = next_day_start(now, tz)
        opens = tomorrow if tomorrow < campaign.ends_at(tz) else None
        return StartCheck(False, StartRefusal.LIMIT, opens)
    return StartCheck(True, left_today=left)


def attempts_left(campaign: Campaign, now: datetime, tz: tzinfo, started_today: int) -> int:
    check = check_start(campaign, now, tz, started_today)
    return check.left_today if check.allowed else 0


class Mark(NamedTuple):
    """One question of a finished attempt: right, or wrong (unanswered counts as wrong).

    A named tuple: a report builds one per question of every attempt (300,000 for 10,000
    people), and tuples are several times cheaper to make than frozen dataclasses."""

    question_id: str
    correct: bool
    answered: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    correct: int
    total: int
    duration: timedelta
    finished_at: datetime
    expired: bool  # time ran out before every question was answered
    marks: tuple[Mark, ...]


def close_attempt(
    question_ids: Sequence[str],
    answers: Mapping[str, tuple[bool, datetime]],
    started_at: datetime,
    deadline: datetime,
    now: datetime,
) -> Outcome | None:
    """The outcome of an attempt, or None while it is still running.

    It ends when every question is answered (at the last answer) or when its time is up (at
    the deadline). Answers after the deadline do not count; unanswered questions are wrong.
    """
    in_time = {qid: a for qid, a in answers.items() if a[1] <= deadline}
    complete = all(qid in in_time for qid in question_ids)
    if not complete and now < deadline:
        return None
    end = max((at for _, at in in_time.values()), default=started_at) if complete else deadline
    end = min(max(end, started_at), deadline)
    marks = tuple(
        Mark(qid, in_time[qid][0], True) if qid in in_time else Mark(qid, False, False)
        for qid in question_ids
    )
    return Outcome(
        correct=sum(m.correct for m in marks),
        total=len(question_ids),
        duration=end - started_at,
        finished_at=end,
        expired=not complete,
        marks=marks,
    )


@dataclass(frozen=True, slots=True)
class Membership:
    campaign_id: str
    user_id: int
    unit_id: str
    joined_at: datetime
    changed_at: datetime | None = None  # the one change of unit a person may make

    @property
    def can_change(self) -> bool:
        return self.changed_at is None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as stored; its questions and answers live in its private quiz session."""

    id: int
    campaign_id: str
    user_id: int
    number: int  # 1, 2, 3 ... per person in the campaign
    local_day: date
    session_id: int | None
    started_at: datetime
    deadline: datetime
    total: int
    closed_at: datetime | None = None
    expired: bool = False
    correct: int | None = None
    duration: timedelta | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def result(self) -> Result | None:
        if self.correct is None or self.duration is None:
            return None
        return Result(
            self.id, self.user_id, self.correct, self.total, self.duration, self.started_at
        )


@dataclass(frozen=True, slots=True)
class Certificate:
    code: str  # canonical: 8 Crockford base-32 characters
    campaign_id: str
    unit_id: str
    user_id: int | None  # None once the person used /forget: the certificate stays verifiable
    correct: int
    total: int
    issued_on: date
    name: str | None  # only if the person chose to show it; else shown as anonymous


# --- best score and ranks ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    """A closed attempt, as the rankings see it."""

    attempt_id: int
    user_id: int
    correct: int
    total: int
    duration: timedelta
    started_at: datetime

    def key(self) -> tuple[int, timedelta, datetime, int]:
        """Smaller is better: more correct, then shorter time, then the earlier attempt."""
        return (-self.correct, self.duration, self.started_at, self.attempt_id)


def best_result(results: Iterable[Result]) -> Result | None:
    return min(results, key=Result.key, default=None)


def best_per_person(results: Iterable[Result]) -> dict[int, Result]:
    best: dict[int, Result] = {}
    for result in results:
        held = best.get(result.user_id)
        if held is None or result.key() < held.key():
            best[result.user_id] = result
    return best


def ranking(best: Mapping[int, Result]) -> list[tuple[int, Result]]:
    """(rank, best result) in order: ties are broken by time, then by the earlier attempt, so
    every rank is distinct."""
    ordered = sorted(best.values(), key=Result.key)
    return [(index, result) for index, result in enumerate(ordered, start=1)]


def passed(result: Result | None, campaign: Campaign) -> bool:
    return result is not None and result.correct >= campaign.pass_mark


@dataclass(frozen=True, slots=True)
class UnitStanding:
    unit: Unit
    participants: int
    rate: float  # participants / target
    average_best: float | None  # mean best score (correct answers) of its participants
    rank: int


def unit_board(
    campaign: Campaign, members: Mapping[int, str], best: Mapping[int, Result]
) -> list[UnitStanding]:
    """Units by participation rate, then headcount, then average best score, then id.

    ``members`` maps each person to their unit. Rates rank units of different sizes fairly,
    as the national contests do.
    """
    people: dict[str, list[int]] = defaultdict(list)
    for user_id, unit_id in members.items():
        people[unit_id].append(user_id)
    rows = []
    for unit in campaign.units:
        ids = people.get(unit.id, [])
        scores = [best[u].correct for u in ids if u in best]
        average = sum(scores) / len(scores) if scores else None
        rows.append((unit, len(ids), len(ids) / unit.target, average))
    rows.sort(key=lambda r: (-r[2], -r[1], -(r[3] if r[3] is not None else -1.0), r[0].id))
    return [
        UnitStanding(unit, count, rate, average, rank)
        for rank, (unit, count, rate, average) in enumerate(rows, start=1)
    ]


# --- drawing the questions of an attempt ------------------------------------------------------

Cell = tuple[str, int]  # (topic, difficulty)


def pool_questions(campaign: Campaign, banks: Mapping[str, Bank]) -> tuple[Question, ...]:
    """The campaign's question pool: its banks (with a mixed bank's sources) and topics."""
    found: dict[str, Question] = {}
    chosen = [banks[b] for b in campaign.banks if b in banks]
    chosen += [b for b in banks.values() if b.topic in campaign.topics and b not in chosen]
    for bank in chosen:
        for source in (bank.id, *bank.draw_from):
            if source in banks:
                for q in banks[source].questions:
                    found.setdefault(q.id, q)
    return tuple(found.values())


def question_group(question: Question) -> str | None:
    """The near-duplicate group of a question, if the content has one (issue 12 adds it)."""
    group = question.group
    return group if isinstance(group, str) and group else None


def cell_of(question: Question) -> Cell:
    return (question.topic, question.difficulty)


def blueprint(pool: Sequence[Question], size: int) -> dict[Cell, int]:
    """How many questions each (topic, difficulty) cell gives to every attempt.

    Proportional to the cell's share of the pool (largest remainder), never more than the
    cell can give with one question per near-duplicate group. The same for every attempt of
    every person, so attempts are equally hard. Empty when the pool cannot fill ``size``.
    """
    capacity: dict[Cell, int] = defaultdict(int)
    groups: dict[Cell, set[str]] = defaultdict(set)
    for q in pool:
        group = question_group(q)
        if group is None:
            capacity[cell_of(q)] += 1
        elif group not in groups[cell_of(q)]:
            groups[cell_of(q)].add(group)
            capacity[cell_of(q)] += 1
    if size <= 0 or sum(capacity.values()) < size:
        return {}
    total = sum(capacity.values())
    cells = sorted(capacity)
    shares = {c: size * capacity[c] / total for c in cells}
    counts = {c: min(int(shares[c]), capacity[c]) for c in cells}
    # Hand out the rest by largest remainder, to cells with room; ties by cell order.
    while sum(counts.values()) < size:
        room = [c for c in cells if counts[c] < capacity[c]]
        pick = max(room, key=lambda c: (shares[c] - counts[c], -cells.index(c)))
        counts[pick] += 1
    return {c: n for c, n in counts.items() if n}


DRAW_TRIES = 20


def draw(
    pool: Sequence[Question],
    plan: Mapping[Cell, int],
    seen: Iterable[str],
    rng: random.Random,
) -> list[Question]:
    """Questions for one attempt: ``plan[cell]`` from each cell, at random within the cell.

    Questions the person has not seen come first, as far as the cell allows; at most one
    question per near-duplicate group. A group can span cells, so a draw that had to repeat
    a group is tried again (a few times, then the draw with the fewest repeats is kept: the
    counts per cell are the promise that never bends). The order is shuffled so cells mix.
    """
    seen_ids = set(seen)
    by_cell: dict[Cell, list[Question]] = defaultdict(list)
    for q in pool:
        by_cell[cell_of(q)].append(q)
    best: tuple[int, list[Question]] | None = None
    for _ in range(DRAW_TRIES):
        repeats, chosen = _draw_once(by_cell, plan, seen_ids, rng)
        if best is None or repeats < best[0]:
            best = (repeats, chosen)
        if repeats == 0:
            break
    assert best is not None
    chosen = best[1]
    rng.shuffle(chosen)
    return chosen


def _draw_once(
    by_cell: Mapping[Cell, list[Question]],
    plan: Mapping[Cell, int],
    seen_ids: set[str],
    rng: random.Random,
) -> tuple[int, list[Question]]:
    used_groups: set[str] = set()
    chosen: list[Question] = []
    repeats = 0
    # Scarce cells first, so a group shared across cells goes where it is needed most.
    for cell in sorted(plan, key=lambda c: (len(by_cell[c]) - plan[c], c)):
        candidates = list(by_cell[cell])
        rng.shuffle(candidates)
        candidates.sort(key=lambda q: q.id in seen_ids)  # stable: unseen first, still random
        picked: dict[str, Question] = {}
        for allow_repeat in (False, True):
            for q in candidates:
                if len(picked) == plan[cell]:
                    break
                group = question_group(q)
                if q.id in picked or (not allow_repeat and group in used_groups):
                    continue
                if group is not None:
                    repeats += group in used_groups
                    used_groups.add(group)
                picked[q.id] = q
        chosen.extend(picked.values())
    return repeats, chosen


# --- verifying certificates: a per-person rate limit -------------------------------------------

VERIFY_LIMIT = 5
VERIFY_WINDOW = timedelta(minutes=10)


def verify_wait(recent: Iterable[datetime], now: datetime) -> datetime | None:
    """None if one more check is allowed now, else when the next one is.

    At most ``VERIFY_LIMIT`` checks in any ``VERIFY_WINDOW``: enough for a person checking a
    few certificates, far too few to guess 40-bit codes.
    """
    window = sorted(t for t in recent if t > now - VERIFY_WINDOW)
    if len(window) < VERIFY_LIMIT:
        return None
    return window[-VERIFY_LIMIT] + VERIFY_WINDOW
