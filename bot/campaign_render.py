"""Campaign results as files: the organizers' workbook, the dashboard, certificates, posters.

Numbers come from ``CampaignService``; every caption from ``campaign_labels.j2`` in the reader's
language; the .xlsx through ``bot.spreadsheet`` (the one writer), pictures through
``bot.campaign_pictures``. No Telegram here: handlers and the CLI both use it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.campaign_pictures import (
    CertificateCard,
    Dashboard,
    certificate_png,
    dashboard_png,
    qr_poster_png,
)
from bot.domain.campaign_stats import CampaignReport, Estimate
from bot.domain.campaigns import Certificate, display_code
from bot.domain.content import Catalog, Text
from bot.render import Renderer
from bot.services.campaigns import UnitLink, zone
from bot.spreadsheet import Cell, Sheet, workbook_bytes


class Labels:
    """Short captions from ``campaign_labels.j2``, cached per language and key."""

    def __init__(self, renderer: Renderer, lang: str) -> None:
        self.renderer = renderer
        self.lang = renderer.language(lang)
        self._cache: dict[str, str] = {}

    def __call__(self, key: str, **values: Any) -> str:
        text = self._cache.get(key)
        if text is None:
            text = html.unescape(self.renderer(self.lang, "campaign_labels", key=key))
            self._cache[key] = text
        return text.format(**values) if values else text

    def text(self, value: Text | None) -> str:
        return value.get(self.lang) if value is not None else ""


def topic_titles(catalog: Catalog) -> dict[str, Text]:
    """A topic's name: the title of its first plain bank (mixed banks hold no questions)."""
    titles: dict[str, Text] = {}
    for bank in sorted(catalog.banks.values(), key=lambda b: (b.order, b.id)):
        if not bank.is_mixed:
            titles.setdefault(bank.topic, bank.title)
    return titles


def _gain_cells(estimate: Estimate) -> list[float | int | None]:
    return [estimate.mean, estimate.n, estimate.low, estimate.high]


# --- the workbook ------------------------------------------------------------------------------


def report_sheets(report: CampaignReport, catalog: Catalog, label: Labels) -> list[Sheet]:
    """Summary, units, topics, questions and days: every sheet, zeros when nobody joined."""
    c, s = report.campaign, report.summary
    local = report.generated_at.astimezone(zone(c.timezone))  # Excel has no time zones
    tz_time = local.replace(microsecond=0, tzinfo=None)
    summary = Sheet(
        label("sheet_summary"),
        [label("col_measure"), label("col_value")],
        [
            [label("m_campaign"), label.text(c.title)],
            [label("m_days"), f"{c.first_day} – {c.last_day} ({c.timezone})"],
            [label("m_generated"), tz_time],
            [label("m_reach"), s.reach],
            [label("m_participants"), s.participants],
            [label("m_attempts"), s.attempts],
            [label("m_closed_attempts"), s.closed_attempts],
            [label("m_finishers"), s.finishers],
            [label("m_passed"), s.passed],
            [label("m_pass_rate"), s.pass_rate],
            [label("m_gain"), s.gain.mean],
            [label("m_gain_n"), s.gain.n],
            [label("m_gain_low"), s.gain.low],
            [label("m_gain_high"), s.gain.high],
        ],
    )
    units = Sheet(
        label("sheet_units"),
        [
            label(k)
            for k in (
                "col_rank",
                "col_unit_id",
                "col_unit",
                "col_kind",
                "col_target",
                "col_participants",
                "col_rate",
                "col_average_best",
                "col_group_reach",
                "col_gain",
                "col_gain_n",
                "col_gain_low",
                "col_gain_high",
            )
        ],
        [
            [
                u.standing.rank,
                u.standing.unit.id,
                label.text(u.standing.unit.name),
                label(f"kind_{u.standing.unit.kind.value}"),
                u.standing.unit.target,
                u.standing.participants,
                u.standing.rate,
                u.standing.average_best,
                u.group_reach,
                *_gain_cells(u.gain),
            ]
            for u in report.units
        ],
        percent_columns=frozenset({6, 9, 11, 12}),
    )
    titles = topic_titles(catalog)
    topics = Sheet(
        label("sheet_topics"),
        [
            label(k)
            for k in (
                "col_topic",
                "col_baseline_answers",
                "col_baseline_accuracy",
                "col_later_answers",
                "col_later_accuracy",
                "col_gain",
                "col_gain_n",
                "col_gain_low",
                "col_gain_high",
            )
        ],
        [
            [
                label.text(titles.get(t.topic)) or t.topic,
                t.baseline.total,
                t.baseline.accuracy,
                t.later.total,
                t.later.accuracy,
                *_gain_cells(t.gain),
            ]
            for t in report.topics
        ],
        percent_columns=frozenset({2, 4, 5, 7, 8}),
    )
    question_rows: list[list[Cell]] = []
    for q in report.questions:
        question = catalog.questions.get(q.question_id)
        wrong = ""
        if question is not None and q.top_wrong is not None:
            wrong = label.text(question.options[q.top_wrong].text)
        question_rows.append(
            [
                q.question_id,
                label.text(titles.get(question.topic)) if question else "",
                label.text(question.text) if question else "",
                q.answers,
                q.accuracy,
                wrong,
                q.top_wrong_count / q.answers if q.answers and wrong else None,
            ]
        )
    questions = Sheet(
        label("sheet_questions"),
        [
            label(k)
            for k in (
                "col_question_id",
                "col_topic",
                "col_question",
                "col_answered",
                "col_accuracy",
                "col_top_wrong",
                "col_top_wrong_share",
            )
        ],
        question_rows,
        percent_columns=frozenset({4, 6}),
    )
    days = Sheet(
        label("sheet_days"),
        [label("col_day"), label("col_new_participants"), label("col_day_attempts")],
        [[d.day, d.new_participants, d.attempts] for d in report.days],
    )
    return [summary, units, topics, questions, days]


def report_workbook(report: CampaignReport, catalog: Catalog, label: Labels) -> bytes:
    return workbook_bytes(report_sheets(report, catalog, label))


# --- pictures ----------------------------------------------------------------------------------


DAILY_BARS = 62
"""Up to two months of days are drawn a bar a day; a longer campaign a bar a week (the days
sheet of the workbook stays daily)."""


def new_participant_bars(days: Sequence[tuple[date, int]]) -> tuple[list[tuple[str, int]], bool]:
    """Bars for the dashboard's new-participants chart: (label, count), and whether weekly.

    Weeks count from the first day shown; a week's label is its first day (``3-1``)."""
    if len(days) <= DAILY_BARS:
        return [(f"{d.month}-{d.day}", n) for d, n in days], False
    weeks: list[tuple[str, int]] = []
    for start in range(0, len(days), 7):
        first = days[start][0]
        weeks.append((f"{first.month}-{first.day}", sum(n for _, n in days[start : start + 7])))
    return weeks, True


def report_dashboard(report: CampaignReport, catalog: Catalog, label: Labels) -> bytes:
    """One PNG: participation by unit, new participants per day, baseline vs later by topic."""
    s = report.summary
    titles = topic_titles(catalog)
    bars, weekly = new_participant_bars([(d.day, d.new_participants) for d in report.days])
    dash = Dashboard(
        title=label.text(report.campaign.title),
        subtitle=label(
            "dash_subtitle", participants=s.participants, reach=s.reach, attempts=s.attempts
        ),
        participation_heading=label("dash_participation"),
        units=[
            (
                label.text(u.standing.unit.name),
                u.standing.rate,
                f"{u.standing.participants} / {u.standing.unit.target}",
            )
            for u in report.units
        ],
        days_heading=label("dash_per_week" if weekly else "dash_per_day"),
        days=bars,
        topics_heading=label("dash_topics"),
        topics=[
            (label.text(titles.get(t.topic)) or t.topic, t.baseline.accuracy, t.later.accuracy)
            for t in report.topics
        ],
        baseline_label=label("dash_baseline"),
        later_label=label("dash_later"),
        empty=label("dash_none"),
    )
    return dashboard_png(dash)


@dataclass(frozen=True, slots=True)
class CertificateView:
    campaign_title: Text
    unit_name: Text | None


def certificate_picture(cert: Certificate, view: CertificateView, label: Labels) -> bytes:
    """The certificate PNG: campaign, name or 匿名学员, unit, score, date, verification code."""
    code = display_code(cert.code)
    return certificate_png(
        CertificateCard(
            heading=label("cert_heading"),
            campaign_title=label.text(view.campaign_title),
            name=cert.name or label("cert_anonymous"),
            body=label("cert_body"),
            rows=[
                (label("cert_unit"), label.text(view.unit_name) or cert.unit_id),
                (
                    label("cert_score"),
                    label("cert_score_value", correct=cert.correct, total=cert.total),
                ),
                (label("cert_date"), cert.issued_on.isoformat()),
                (label("cert_code"), code),
            ],
            verify_hint=label("cert_verify", code=code),
        )
    )


def poster_picture(link: UnitLink, campaign_title: Text, label: Labels) -> bytes:
    return qr_poster_png(
        link.url, label.text(link.unit.name), label.text(campaign_title), label("poster_scan")
    )


LabelsFactory = Callable[[str], Labels]
