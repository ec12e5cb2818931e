"""Campaign files, ``content/campaigns/<id>.yaml``: their format and their checks.

The file format (pydantic, exported as ``schema/campaign.schema.json``) and the rules that span
fields or files (a pool of known banks, a pass mark within reach, deep links within
Telegram's 64 characters), each reported at its file, line and column like the banks' and
lessons' problems. ``bot.content.loader`` calls in here for files with a ``campaign:`` key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError

from bot.content.schema import Identifier, TextModel
from bot.domain.campaigns import (
    PAYLOAD_MAX,
    Campaign,
    Unit,
    UnitKind,
    blueprint,
    join_payload,
    payload_fits,
    pool_questions,
)

if TYPE_CHECKING:
    from bot.content.loader import _File, _State

FORMAT_VERSION = 1


def _day_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("write the day as text in the form YYYY-MM-DD, e.g. 2026-03-15")
    return value


Day = Annotated[
    date,
    Strict(False),
    BeforeValidator(_day_text),
    Field(description="A calendar day, YYYY-MM-DD, in the campaign's time zone."),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class UnitModel(_Model):
    id: Identifier
    name: TextModel = Field(description="The unit's name, shown to people and under its QR code.")
    kind: Literal["branch", "community", "school", "company", "other"] = Field(
        description="School units mean minors: anonymous, and nothing stored beyond scoring."
    )
    target: Annotated[int, Field(ge=1)] = Field(
        description="Headcount the unit aims to reach; participation rate = people / target."
    )


class PoolModel(_Model):
    banks: list[Identifier] = Field(
        default_factory=list, description="Banks to draw from (a mixed bank brings its sources)."
    )
    topics: list[Identifier] = Field(
        default_factory=list, description="Topics: every bank of each topic joins the pool."
    )


class CampaignInfoModel(_Model):
    id: Identifier
    title: TextModel
    first_day: Day
    last_day: Day
    timezone: str = Field(
        default="Asia/Shanghai", description="IANA time zone: days and daily attempts count here."
    )
    pool: PoolModel = Field(description="Where the questions come from: banks and/or topics.")
    questions_per_attempt: Annotated[int, Field(ge=1, le=50)] = 10
    time_limit_seconds: Annotated[int, Field(ge=30, le=3600)] = Field(
        default=300, description="Time for one attempt; unanswered questions count as wrong."
    )
    attempts_per_day: Annotated[int, Field(ge=1, le=20)] = 3
    pass_mark: Annotated[int, Field(ge=0)] = Field(
        description="Correct answers (of questions_per_attempt) that earn a certificate."
    )
    organizers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, description="Telegram user ids who get the report and the links."
    )
    lessons: list[Identifier] = Field(
        default_factory=list, description="Lesson ids sent in order to participants who subscribe."
    )


class CampaignFileModel(_Model):
    """A campaign: ``content/campaigns/<campaign-id>.yaml``."""

    model_config = ConfigDict(title="Campaign file (format 1)")

    format: Literal[1] = 1
    campaign: CampaignInfoModel
    units: list[UnitModel] = Field(min_length=1)


@dataclass(frozen=True)
class PendingCampaign:
    """A campaign read from its file, waiting for every bank and lesson to be known."""

    campaign: Campaign
    file: _File


def load_campaign(state: _State, file: _File, data: dict[str, Any]) -> None:
    """Check one campaign file; keep the campaign for the checks across files."""
    from bot.content.loader import At, _check_text, _report, _text

    try:
        parsed = CampaignFileModel.model_validate(data)
    except ValidationError as exc:
        _report(state, file, CampaignFileModel, exc)
        return
    info = parsed.campaign
    if file.path.stem != info.id:
        state.warning(
            file,
            At(("campaign", "id")),
            f"campaign id '{info.id}' differs from the file name '{file.path.name}'",
        )
    _check_text(state, file, info.title, ["campaign", "title"], "title", limit=64)
    try:
        ZoneInfo(info.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        state.error(
            file,
            At(("campaign", "timezone")),
            f"'{info.timezone}' is not an IANA time zone name such as Asia/Shanghai",
        )
    if info.last_day < info.first_day:
        state.error(
            file,
            At(("campaign", "last_day")),
            f"last_day {info.last_day} is before first_day {info.first_day}",
        )
    if info.pass_mark > info.questions_per_attempt:
        state.error(
            file,
            At(("campaign", "pass_mark")),
            f"pass_mark {info.pass_mark} is more than questions_per_attempt "
            f"({info.questions_per_attempt}): nobody could pass",
        )
    if not info.pool.banks and not info.pool.topics:
        state.error(file, At(("campaign", "pool")), "the pool names no bank and no topic")
    first_unit: dict[str, int] = {}
    units: list[Unit] = []
    for index, unit in enumerate(parsed.units):
        loc: list[int | str] = ["units", index]
        _check_text(state, file, unit.name, [*loc, "name"], "name", limit=64)
        if unit.id in first_unit:
            first = file.line_of(At(("units", first_unit[unit.id], "id")))
            state.error(
                file, At((*loc, "id")), f"duplicate unit id '{unit.id}' (first defined at {first})"
            )
            continue
        first_unit[unit.id] = index
        units.append(Unit(unit.id, _text(unit.name), UnitKind(unit.kind), unit.target))
        payload = join_payload(info.id, unit.id)
        if not payload_fits(payload):
            state.error(
                file,
                At((*loc, "id")),
                f"the deep link payload '{payload}' is {len(payload)} characters; Telegram "
                f"allows {PAYLOAD_MAX}: shorten the campaign id or the unit id",
            )
    campaign = Campaign(
        id=info.id,
        title=_text(info.title),
        first_day=info.first_day,
        last_day=info.last_day,
        timezone=info.timezone,
        banks=tuple(info.pool.banks),
        topics=tuple(info.pool.topics),
        questions_per_attempt=info.questions_per_attempt,
        time_limit=timedelta(seconds=info.time_limit_seconds),
        attempts_per_day=info.attempts_per_day,
        pass_mark=info.pass_mark,
        units=tuple(units),
        organizers=frozenset(info.organizers),
        lessons=tuple(info.lessons),
    )
    state.campaigns.append(PendingCampaign(campaign, file))


def resolve_campaigns(state: _State) -> dict[str, Campaign]:
    """The checks that need every file: banks, topics and lessons exist; the pool suffices."""
    from bot.content.loader import At

    banks = {bank_id: bank for bank_id, (bank, _, _) in state.banks.items()}
    topics = sorted({bank.topic for bank in banks.values()})
    follow_on = state.failed  # a file failed: its banks and lessons may be what is missing
    found: dict[str, Campaign] = {}
    where: dict[str, str] = {}
    for pending in state.campaigns:
        campaign, file = pending.campaign, pending.file
        id_mark = At(("campaign", "id"))
        if campaign.id in found:
            state.error(
                file,
                id_mark,
                f"duplicate campaign id '{campaign.id}' (first defined at {where[campaign.id]})",
            )
            continue
        found[campaign.id] = campaign
        where[campaign.id] = file.line_of(id_mark)
        unknown = False
        if follow_on:
            continue
        for index, bank_id in enumerate(campaign.banks):
            if bank_id not in banks:
                unknown = True
                state.error(
                    file,
                    At(("campaign", "pool", "banks", index)),
                    f"the pool names an unknown bank '{bank_id}'{_hint(bank_id, banks)}",
                )
        for index, topic in enumerate(campaign.topics):
            if topic not in topics:
                unknown = True
                state.error(
                    file,
                    At(("campaign", "pool", "topics", index)),
                    f"the pool names an unknown topic '{topic}'{_hint(topic, topics)}",
                )
        for index, lesson_id in enumerate(campaign.lessons):
            if lesson_id not in state.lessons:
                state.error(
                    file,
                    At(("campaign", "lessons", index)),
                    f"unknown lesson '{lesson_id}'{_hint(lesson_id, state.lessons)}",
                )
        pool = pool_questions(campaign, banks)
        if not unknown and not blueprint(pool, campaign.questions_per_attempt):
            state.error(
                file,
                At(("campaign", "questions_per_attempt")),
                f"the pool has {len(pool)} questions (one per near-duplicate group), fewer "
                f"than questions_per_attempt ({campaign.questions_per_attempt})",
            )
    return found


def _hint(name: str, known: Any) -> str:
    match = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""
