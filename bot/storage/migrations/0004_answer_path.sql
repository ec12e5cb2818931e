-- The answer path in one statement, and what editors' statistics need from each answer.
--
-- An answer (private quiz or lesson check) is written by ONE INSERT into a view whose
-- INSTEAD OF trigger checks the guard and applies every change: the answer row, the session's
-- position and score, and (through the `learned` view) the card, topic totals, points and
-- streak. One statement is one implicit transaction and one trip to the database; a failed
-- guard aborts it with a message starting 'quizbot:' and changes nothing.

ALTER TABLE quiz_sessions DROP COLUMN selected;   -- a multiple-answer selection lives in its buttons
ALTER TABLE quiz_sessions ADD COLUMN shown_at TEXT;   -- when the current question was sent
ALTER TABLE quiz_sessions ADD COLUMN deadline TEXT;   -- timed attempts: answers after it are refused
ALTER TABLE answers ADD COLUMN elapsed REAL;           -- seconds from shown to answered; NULL before 0004
ALTER TABLE answers ADD COLUMN qversion TEXT;          -- the question's version (options and key)
ALTER TABLE event_answers ADD COLUMN qversion TEXT;
ALTER TABLE lesson_answers ADD COLUMN qversion TEXT;
ALTER TABLE users ADD COLUMN forget_prompt INTEGER;    -- message id of a pending /forget confirmation

-- What any answered question changes for a person, computed by the domain (bot.domain.quiz.learn).
CREATE VIEW learned AS SELECT
    NULL AS user_id, NULL AS question_id, NULL AS topic, NULL AS correct, NULL AS points,
    NULL AS box, NULL AS due, NULL AS seen, NULL AS wrong, NULL AS last_correct,
    NULL AS streak_current, NULL AS streak_best, NULL AS streak_day;

CREATE TRIGGER learned_apply INSTEAD OF INSERT ON learned
BEGIN
    INSERT INTO cards (user_id, question_id, box, due, seen, wrong, last_correct)
    VALUES (NEW.user_id, NEW.question_id, NEW.box, NEW.due, NEW.seen, NEW.wrong, NEW.last_correct)
    ON CONFLICT (user_id, question_id) DO UPDATE SET
        box = excluded.box, due = excluded.due, seen = excluded.seen,
        wrong = excluded.wrong, last_correct = excluded.last_correct;
    INSERT INTO topic_stats (user_id, topic, answered, correct)
    VALUES (NEW.user_id, NEW.topic, 1, NEW.correct)
    ON CONFLICT (user_id, topic) DO UPDATE SET
        answered = answered + 1, correct = correct + excluded.correct;
    UPDATE users SET
        points = points + NEW.points, answered = answered + 1, correct = correct + NEW.correct,
        streak_current = NEW.streak_current, streak_best = NEW.streak_best,
        streak_last_day = NEW.streak_day
    WHERE user_id = NEW.user_id;
END;

-- One private-quiz answer: the guard, the answer, the session, what was learned.
CREATE VIEW answer_writes AS SELECT
    NULL AS session_id, NULL AS position, NULL AS question_id, NULL AS chosen, NULL AS correct,
    NULL AS points, NULL AS answered_at, NULL AS elapsed, NULL AS qversion,
    NULL AS user_id, NULL AS topic, NULL AS box, NULL AS due, NULL AS seen, NULL AS wrong,
    NULL AS last_correct, NULL AS streak_current, NULL AS streak_best, NULL AS streak_day;

CREATE TRIGGER answer_writes_apply INSTEAD OF INSERT ON answer_writes
BEGIN
    SELECT RAISE(ABORT, 'quizbot:already_answered') WHERE NOT EXISTS (
        SELECT 1 FROM quiz_sessions
        WHERE id = NEW.session_id AND user_id = NEW.user_id AND position = NEW.position
          AND finished_at IS NULL AND abandoned_at IS NULL);
    SELECT RAISE(ABORT, 'quizbot:time_up') WHERE EXISTS (
        SELECT 1 FROM quiz_sessions
        WHERE id = NEW.session_id AND deadline IS NOT NULL AND deadline < NEW.answered_at);
    UPDATE quiz_sessions SET
        position = position + 1, points = points + NEW.points, correct = correct + NEW.correct,
        shown_at = NULL,
        finished_at = CASE WHEN position + 1 >= json_array_length(question_ids)
                           THEN NEW.answered_at END
    WHERE id = NEW.session_id;
    INSERT INTO answers
        (session_id, position, question_id, chosen, correct, points, answered_at, elapsed, qversion)
    VALUES (NEW.session_id, NEW.position, NEW.question_id, NEW.chosen, NEW.correct, NEW.points,
            NEW.answered_at, NEW.elapsed, NEW.qversion);
    INSERT INTO learned VALUES (
        NEW.user_id, NEW.question_id, NEW.topic, NEW.correct, NEW.points, NEW.box, NEW.due,
        NEW.seen, NEW.wrong, NEW.last_correct, NEW.streak_current, NEW.streak_best,
        NEW.streak_day);
END;

-- One answer to a lesson's check question: at most one per person and delivery.
CREATE VIEW lesson_answer_writes AS SELECT
    NULL AS delivery_id, NULL AS user_id, NULL AS question_id, NULL AS chosen, NULL AS correct,
    NULL AS answered_at, NULL AS qversion, NULL AS topic, NULL AS points,
    NULL AS box, NULL AS due, NULL AS seen, NULL AS wrong, NULL AS last_correct,
    NULL AS streak_current, NULL AS streak_best, NULL AS streak_day;

CREATE TRIGGER lesson_answer_writes_apply INSTEAD OF INSERT ON lesson_answer_writes
BEGIN
    SELECT RAISE(ABORT, 'quizbot:already_answered') WHERE EXISTS (
        SELECT 1 FROM lesson_answers WHERE delivery_id = NEW.delivery_id AND user_id = NEW.user_id);
    INSERT INTO lesson_answers
        (delivery_id, user_id, question_id, chosen, correct, answered_at, qversion)
    VALUES (NEW.delivery_id, NEW.user_id, NEW.question_id, NEW.chosen, NEW.correct,
            NEW.answered_at, NEW.qversion);
    INSERT INTO learned VALUES (
        NEW.user_id, NEW.question_id, NEW.topic, NEW.correct, NEW.points, NEW.box, NEW.due,
        NEW.seen, NEW.wrong, NEW.last_correct, NEW.streak_current, NEW.streak_best,
        NEW.streak_day);
END;
