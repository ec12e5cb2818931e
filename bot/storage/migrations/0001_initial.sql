-- Citizens, their private quizzes, answers and spaced-repetition cards.
CREATE TABLE users (
    user_id         INTEGER PRIMARY KEY,          -- Telegram user id
    language        TEXT NOT NULL DEFAULT 'zh',
    show_name       INTEGER NOT NULL DEFAULT 0,   -- opted in to the public leaderboard
    display_name    TEXT,                         -- kept only while show_name = 1
    points          INTEGER NOT NULL DEFAULT 0,
    answered        INTEGER NOT NULL DEFAULT 0,
    correct         INTEGER NOT NULL DEFAULT 0,
    streak_current  INTEGER NOT NULL DEFAULT 0,
    streak_best     INTEGER NOT NULL DEFAULT 0,
    streak_last_day TEXT,                         -- ISO date, local to the user
    created_at      TEXT NOT NULL
);
CREATE INDEX users_by_points ON users (points DESC, user_id);

CREATE TABLE quiz_sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    bank_id       TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'quiz',   -- quiz | retry
    question_ids  TEXT NOT NULL,                  -- JSON list
    option_orders TEXT NOT NULL,                  -- JSON list of permutations
    position      INTEGER NOT NULL DEFAULT 0,
    selected      TEXT NOT NULL DEFAULT '[]',     -- toggled positions of a multiple-answer question
    message_id    INTEGER,
    points        INTEGER NOT NULL DEFAULT 0,
    correct       INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    abandoned_at  TEXT
);
CREATE UNIQUE INDEX one_open_quiz ON quiz_sessions (user_id)
    WHERE finished_at IS NULL AND abandoned_at IS NULL;

CREATE TABLE answers (
    session_id  INTEGER NOT NULL REFERENCES quiz_sessions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    chosen      TEXT NOT NULL,                    -- JSON list of bank option indices
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (session_id, position),
    UNIQUE (session_id, question_id)
) WITHOUT ROWID;

CREATE TABLE cards (                              -- Leitner box per user and question
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    question_id  TEXT NOT NULL,
    box          INTEGER NOT NULL,
    due          TEXT NOT NULL,
    seen         INTEGER NOT NULL,
    wrong        INTEGER NOT NULL,
    last_correct INTEGER,
    PRIMARY KEY (user_id, question_id)
) WITHOUT ROWID;

CREATE TABLE topic_stats (                        -- summary kept with each answer, for /stats
    user_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    topic    TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, topic)
) WITHOUT ROWID;
