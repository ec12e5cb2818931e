"""Small builders for domain objects, so tests state only what they are about."""

from __future__ import annotations

from datetime import date

from bot.domain.content import Lesson, Option, Question, QuestionType, Text
from bot.domain.quiz import CardState


def question(
    qid: str = "q1",
    *,
    correct: tuple[int, ...] = (0,),
    n_options: int = 4,
    difficulty: int = 1,
    qtype: QuestionType | None = None,
) -> Question:
    if qtype is None:
        qtype = QuestionType.MULTIPLE if len(correct) > 1 else QuestionType.SINGLE
    options = tuple(Option(Text(f"选项{i}"), correct=i in correct) for i in range(n_options))
    return Question(
        id=qid,
        bank_id="bank",
        topic="telecom_fraud",
        type=qtype,
        text=Text("问题"),
        options=options,
        explanation=Text("解释"),
        source=Text("来源"),
        difficulty=difficulty,
    )


def card(
    box: int = 1,
    due: date = date(2026, 3, 15),
    *,
    last_correct: bool | None = True,
    seen: int = 1,
    wrong: int | None = None,
) -> CardState:
    if wrong is None:
        wrong = 1 if last_correct is False else 0
    return CardState(box=box, due=due, seen=seen, wrong=wrong, last_correct=last_correct)


def lesson(lid: str, topic: str = "telecom_fraud", order: int = 1) -> Lesson:
    return Lesson(
        id=lid,
        topic=topic,
        order=order,
        title=Text("标题"),
        body=Text("正文"),
        takeaways=(Text("要点"),),
        action=Text("行动"),
        source=Text("来源"),
    )
