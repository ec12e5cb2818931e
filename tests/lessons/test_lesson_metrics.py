"""Daily lessons feed the metrics: sent, failed by reason, and check answers stored once."""

from __future__ import annotations

from bot import metrics
from tests.harness import Harness
from tests.lessons.support import lesson_messages, sender, service, set_local


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_lessons_sent_and_failed_by_reason(lbot: Harness) -> None:
    for user_id in (41, 42, 43):
        await lbot.send(user_id, "/subscribe 20:00")
    lbot.emu.block_bot(42)
    lbot.allow_api_failures = True
    sent = value("quizbot_lessons_sent_total")
    blocked = value("quizbot_lessons_failed_total", reason="blocked")
    set_local(lbot, "2026-03-15 20:00")
    report = await service(lbot).run_due(sender(lbot))
    assert (report.sent, report.failed) == (2, 1)
    assert value("quizbot_lessons_sent_total") == sent + 2
    assert value("quizbot_lessons_failed_total", reason="blocked") == blocked + 1


async def test_a_lesson_check_answer_is_counted_once(lbot: Harness) -> None:
    await lbot.send(42, "/subscribe 20:00")
    set_local(lbot, "2026-03-15 20:00")
    await service(lbot).run_due(sender(lbot))
    message = lesson_messages(lbot, 42)[-1]
    check = next(
        data
        for label, data in lbot.buttons(42, message.message_id)
        if label == "A" and data is not None
    )
    before = value("quizbot_answers_stored_total", kind="lesson_check")
    await lbot.press(42, check, message_id=message.message_id)
    assert value("quizbot_answers_stored_total", kind="lesson_check") == before + 1
    await lbot.forge_press(42, check, message_id=message.message_id)  # the same press again
    assert value("quizbot_answers_stored_total", kind="lesson_check") == before + 1
