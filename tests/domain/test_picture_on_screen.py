"""When a scene question's picture is still right above where its question will go."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.session import QuizSession, SessionKind


def session(
    *, position: int = 1, message_id: int | None = 10, picture: tuple[int, int] | None = None
) -> QuizSession:
    return QuizSession(
        id=1,
        user_id=42,
        bank_id="b",
        kind=SessionKind.QUIZ,
        question_ids=("q1", "q2", "q3"),
        option_orders=((0, 1), (0, 1), (0, 1)),
        position=position,
        message_id=message_id,
        points=0,
        correct=0,
        started_at=datetime(2026, 3, 15, tzinfo=UTC),
        picture_position=picture[0] if picture else None,
        picture_message_id=picture[1] if picture else None,
    )


@pytest.mark.parametrize(
    ("state", "pressed_on", "on_screen"),
    [
        # "next" again on the answered question (10): the photo (11) came, its question not
        (session(picture=(1, 11)), 10, True),
        (session(picture=(1, 11)), None, False),  # a command or a start: shown anew
        (session(picture=(1, 11)), 12, False),  # pressed below the photo (a resume offer)
        (session(picture=(1, 11), message_id=12), 12, False),  # its question came: anew
        (session(picture=(0, 9)), 10, False),  # the photo of the question before
        (session(), 10, False),  # no photo sent yet
    ],
)
def test_picture_on_screen(state: QuizSession, pressed_on: int | None, on_screen: bool) -> None:
    assert state.picture_on_screen(pressed_on) is on_screen
