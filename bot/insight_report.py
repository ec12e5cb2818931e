"""The editors' reports on paper: a terminal table and an .xlsx workbook (``quizbot report``).

Operator-facing like the rest of the CLI: bilingual labels (中文 English) in Python, not in the
bot's templates. Text typed by people (feedback notes) is cleaned when stored, never evaluated
as a formula (``bot.spreadsheet``), and cut to one line in the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.content import Question
from bot.domain.insight import (
    FeedbackGroup,
    Flag,
    ItemStats,
    Origin,
    QuestionSummary,
    Reason,
    VersionCounts,
)
from bot.spreadsheet import Cell, Sheet, display_width, workbook_bytes

LETTERS = "ABCDEFGHIJKL"
FLAG_LABELS = {
    Flag.CHECK_KEY: "核对答案 check the key",
    Flag.TOO_HARD: "偏难 too hard",
    Flag.TOO_EASY: "偏易 too easy",
    Flag.RARE_DISTRACTOR: "冷门选项 rare option",
}
REASON_LABELS = {
    Reason.WRONG_ANSWER: "答案有误 wrong answer",
    Reason.OUT_OF_DATE: "内容过时 out of date",
    Reason.UNCLEAR: "表述不清 unclear",
    Reason.TYPO: "错别字 typo",
    Reason.OTHER: "其他 other",
}
ORIGIN_LABELS = {
    Origin.QUIZ: "测验 quiz",
    Origin.EVENT: "群活动 event",
    Origin.LESSON: "课后 lesson",
}
LEGEND = (
    "n: 作答人数 people (first answers) · acc: 正确率 accuracy · r: 区分度 discrimination "
    "(people in the sample) · s: 中位用时 median seconds · fb: 纠错 reports · options: share "
    "choosing each option in the current version (✓ key).\n"
    "What to do about each figure: docs/content-guide.md, “Reading the numbers”."
)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def flag_text(stats: ItemStats) -> str:
    parts = []
    for flag in stats.flags:
        label = FLAG_LABELS[flag]
        if flag is Flag.RARE_DISTRACTOR:
            label += " " + ",".join(LETTERS[i] for i in stats.rare_options)
        parts.append(label)
    return "; ".join(parts)


def options_text(stats: ItemStats) -> str:
    current = stats.current
    keys = stats.question.correct_indices
    shown = "—"
    if current is not None:
        shown = " ".join(
            f"{LETTERS[i]} {current.share(i):.0%}{'✓' if i in keys else ''}"
            for i in range(len(current.chosen))
        )
    older = sum(v.respondents for v in stats.versions if not v.current)
    return f"{shown} (+{older} older)" if older else shown


def _discrimination(stats: ItemStats) -> str:
    if stats.discrimination is None:
        return f"— ({stats.discrimination_n})"
    return f"{stats.discrimination:+.2f} ({stats.discrimination_n})"


def _clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` display columns (a Chinese character is two)."""
    line = " ".join(text.split())
    if display_width(line) <= width:
        return line
    out = ""
    for ch in line:
        if display_width(out + ch + "…") > width:
            break
        out += ch
    return out + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> str:
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))

    def line(values: Sequence[str]) -> str:
        cells = []
        for i, value in enumerate(values):
            pad = " " * (widths[i] - display_width(value))
            cells.append(pad + value if i in right else value + pad)
        return "  ".join(cells).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def questions_table(stats: Sequence[ItemStats], bank_titles: Mapping[str, str]) -> str:
    """One section per bank (in the given order), then the legend."""
    if not stats:
        return "No questions to report. 没有可统计的题目。"
    sections: dict[str, list[ItemStats]] = {}
    for item in stats:
        sections.setdefault(item.question.bank_id, []).append(item)
    headers = ("id", "n", "acc", "r (n)", "s", "fb", "options", "flags", "题目 question")
    out = []
    for bank_id, items in sections.items():
        answered = sum(1 for s in items if s.answers)
        flagged = sum(1 for s in items if s.flags)
        out.append(
            f"== {bank_id} · {bank_titles.get(bank_id, bank_id)}: {len(items)} questions, "
            f"{answered} answered, {flagged} flagged · {len(items)} 题，{flagged} 题有标记"
        )
        rows = [
            (
                s.question.id,
                str(s.answers),
                percent(s.accuracy),
                _discrimination(s),
                "—" if s.median_seconds is None else f"{s.median_seconds:.1f}",
                str(s.reports),
                options_text(s),
                flag_text(s),
                _clip(s.question.text.zh, 30),
            )
            for s in items
        ]
        out.append(_table(headers, rows, frozenset({1, 2, 4, 5})))
        out.append("")
    out.append(LEGEND)
    return "\n".join(out)


def _version_label(version: VersionCounts) -> str:
    if version.current:
        return f"{version.version} 当前 current"
    return "未知 unknown" if version.version is None else f"{version.version} 旧 older"


def questions_workbook(stats: Sequence[ItemStats], groups: Sequence[FeedbackGroup]) -> bytes:
    """Sheets: questions (one row each), options (per version), feedback."""
    question_rows: list[list[Cell]] = []
    option_rows: list[list[Cell]] = []
    for s in stats:
        q = s.question
        question_rows.append(
            [
                q.bank_id,
                q.id,
                q.text.zh,
                q.difficulty,
                s.answers,
                s.accuracy,
                s.lesson_answers,
                None if s.discrimination is None else round(s.discrimination, 3),
                s.discrimination_n,
                None if s.median_seconds is None else round(s.median_seconds, 1),
                s.reports,
                flag_text(s),
                s.version,
            ]
        )
        for version in s.versions:
            for i, count in enumerate(version.chosen):
                text = q.options[i].text.zh if version.current and i < len(q.options) else None
                key = version.current and i < len(q.options) and q.options[i].correct
                option_rows.append(
                    [
                        q.id,
                        _version_label(version),
                        LETTERS[i] if i < len(LETTERS) else str(i + 1),
                        text,
                        "✓" if key else "",
                        count,
                        version.share(i),
                        version.respondents,
                    ]
                )
    return workbook_bytes(
        [
            Sheet(
                "题目 Questions",
                [
                    "题库 bank",
                    "题号 id",
                    "题目 question",
                    "难度 difficulty",
                    "作答 answers",
                    "正确率 accuracy",
                    "课后检测 lesson checks",
                    "区分度 discrimination",
                    "样本 sample",
                    "中位用时(秒) median s",
                    "纠错 reports",
                    "标记 flags",
                    "版本 version",
                ],
                question_rows,
                frozenset({5}),
            ),
            Sheet(
                "选项 Options",
                [
                    "题号 id",
                    "版本 version",
                    "选项 option",
                    "内容 text",
                    "答案 key",
                    "选择人数 chosen",
                    "占比 share",
                    "作答人数 respondents",
                ],
                option_rows,
                frozenset({6}),
            ),
            feedback_sheet(groups),
        ]
    )


def feedback_sheet(groups: Sequence[FeedbackGroup]) -> Sheet:
    rows: list[list[Cell]] = [
        [
            group.question_id,
            group.question.text.zh if group.question else "(已删除 removed)",
            report.day,
            REASON_LABELS[report.reason],
            report.note,
            ORIGIN_LABELS[report.origin],
            report.version,
        ]
        for group in groups
        for report in group.reports
    ]
    return Sheet(
        "纠错 Feedback",
        ["题号 id", "题目 question", "日期 day", "原因 reason", "说明 note", "来源 origin",
         "版本 version"],
        rows,
    )  # fmt: skip


def feedback_text(groups: Sequence[FeedbackGroup]) -> str:
    """Newest first, grouped by question; one line per report."""
    if not groups:
        return "No reports yet. 还没有纠错反馈。"
    total = sum(len(g.reports) for g in groups)
    out = [f"{total} reports on {len(groups)} questions · {len(groups)} 题共 {total} 条纠错"]
    for group in groups:
        reasons = ", ".join(f"{REASON_LABELS[r]} ×{n}" for r, n in group.reasons)
        title = _clip(group.question.text.zh, 40) if group.question else "(已删除 removed)"
        edited = f" · {group.outdated} on an older version" if group.outdated else ""
        out.append("")
        out.append(f"{group.question_id} · {len(group.reports)} · {reasons}{edited} — {title}")
        for report in group.reports:
            note = f"  “{_clip(report.note, 80)}”" if report.note else ""
            out.append(
                f"  {report.day}  {REASON_LABELS[report.reason]}  "
                f"[{ORIGIN_LABELS[report.origin]}]{note}"
            )
    return "\n".join(out)


def questions_sheet(
    title: str,
    headers: Sequence[str],
    summaries: Mapping[str, QuestionSummary],
    questions: Mapping[str, Question],
    lang: str,
) -> Sheet:
    """The campaign report's questions sheet, in the organizer's language.

    ``headers`` (six, from the caller's templates): id, question, answers, accuracy, the most
    chosen wrong option, how many chose it. Rows follow ``summaries``' order.
    """
    rows: list[list[Cell]] = []
    for qid, summary in summaries.items():
        question = questions.get(qid)
        wrong = None
        if question is not None and summary.top_wrong is not None:
            option = question.options[summary.top_wrong]
            wrong = f"{LETTERS[summary.top_wrong]}. {option.text.get(lang)}"
        rows.append(
            [
                qid,
                question.text.get(lang) if question else None,
                summary.answers,
                summary.accuracy,
                wrong,
                summary.top_wrong_count or None,
            ]
        )
    return Sheet(title, list(headers), rows, frozenset({3}))
