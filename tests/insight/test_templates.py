"""The phase 2 templates render in both languages, and a person's note is shown escaped."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.domain.insight import (
    NOTE_LIMIT,
    Feedback,
    FirstAnswer,
    Origin,
    Reason,
    analyse,
    group_feedback,
    question_version,
)
from bot.render import Renderer
from tests.domain.factories import question

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "content" / "templates"
HOSTILE = '<b>bold</b> & <a href="tg://x">link</a>'


@pytest.fixture(scope="module")
def render() -> Renderer:
    return Renderer(TEMPLATES)


def test_every_feedback_template_exists_in_both_languages() -> None:
    zh = {p.name for p in (TEMPLATES / "zh").glob("feedback_*.j2")}
    en = {p.name for p in (TEMPLATES / "en").glob("feedback_*.j2")}
    assert zh == en
    assert len(zh) >= 7
    for lang in ("zh", "en"):
        for name in (*zh, "question_stats.j2"):
            head = (TEMPLATES / lang / name).read_text(encoding="utf-8").lstrip()
            assert head.startswith("{#"), f"{lang}/{name} documents its variables at the top"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_feedback_list_escapes_notes(render: Renderer, lang: str) -> None:
    q = question("q1", n_options=3)
    reports = [
        Feedback("q1", "old", Reason.WRONG_ANSWER, HOSTILE, Origin.QUIZ, date(2026, 3, 15)),
        Feedback("q1", None, Reason.TYPO, None, Origin.LESSON, date(2026, 3, 14)),
        Feedback("gone", None, Reason.OTHER, "x" * NOTE_LIMIT, Origin.EVENT, date(2026, 3, 1)),
    ]
    text = render(
        lang,
        "feedback_list",
        groups=group_feedback(reports, {"q1": q}),
        total=3,
        questions=2,
        more=4,
    )
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=&#34;tg://x&#34;&gt;" in text
    assert "<a " not in text
    assert "2026-03-15" in text
    assert render.label(lang, "feedback_reason_wrong_answer") in text
    assert "4" in text.splitlines()[-1]  # "…and 4 more questions"
    assert "x" * 201 not in text  # long notes are cut in chat; the file has them whole
    assert set(re.findall(r"</?(\w+)", text)) <= {"b", "i"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_question_stats_shows_figures_and_flags(render: Renderer, lang: str) -> None:
    q = question("q1", n_options=3)
    answers = [
        FirstAnswer(p, "q1", Origin.QUIZ, frozenset({p % 2}), p % 2 == 0, 6.0, question_version(q))
        for p in range(40)
    ]
    stats = analyse([q], answers, {"q1": 3})[0]
    text = render(lang, "question_stats", stats=stats, question_id="q1")
    assert "<b>40</b>" in text
    assert "50%" in text
    assert "6.0" in text
    assert re.search(r"C\. 0%", text)
    assert ("冷门选项" if lang == "zh" else "Rarely chosen option") in text
    missing = render(lang, "question_stats", stats=None, question_id="<q>")
    assert "&lt;q&gt;" in missing


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("feedback_reasons", {"question_id": "q1", "question_text": "<i>" + "题" * 300}),
        ("feedback_recorded", {"reason": Reason.OUT_OF_DATE, "question_id": "q1", "asking": True}),
        ("feedback_ask", {"question_id": "q1", "limit": 500}),
        ("feedback_unavailable", {"question_id": "q1"}),
        ("feedback_note_saved", {"question_id": "q1"}),
        ("feedback_note_too_long", {"length": 612, "limit": 500}),
        ("feedback_note_empty", {}),
    ],
)
def test_short_feedback_messages(render: Renderer, lang: str, name: str, context: dict) -> None:
    text = render(lang, name, **context)
    assert text
    assert "<i>题" not in text  # the question text is escaped
    if name == "feedback_recorded":
        assert render.label(lang, "feedback_reason_out_of_date") in text
    if name == "feedback_ask":
        assert "500" in text
    if name == "feedback_note_too_long":
        assert "612" in text
        assert "500" in text
    if name == "feedback_reasons":
        assert len(text) < 400
