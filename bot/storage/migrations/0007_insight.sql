-- Editors' insight (issue 15): reports of a problem with a question ("纠错").
-- One report per person and question. No foreign key to users: people who play in a group
-- may never have started the bot; PrivacyStore deletes a person's reports explicitly.
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    qversion    TEXT,                             -- content version the person saw (NULL: unknown)
    reason      TEXT NOT NULL
        CHECK (reason IN ('wrong_answer', 'out_of_date', 'unclear', 'typo', 'other')),
    note        TEXT CHECK (note IS NULL OR length(note) <= 500),   -- plain text, optional
    origin      TEXT NOT NULL DEFAULT 'quiz',     -- quiz | event | lesson: where it was answered
    day         TEXT NOT NULL,                    -- ISO date of the report; no time is kept
    UNIQUE (user_id, question_id)
);
CREATE INDEX feedback_by_question ON feedback (question_id, day);
