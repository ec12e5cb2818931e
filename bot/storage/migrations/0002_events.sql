-- Group quiz events. No foreign key to users: people who play in a group may never
-- have started the bot, so events keep their own participant rows.

CREATE TABLE volunteers (                         -- may run events in any group; granted by OWNER_IDS
    user_id      INTEGER PRIMARY KEY,
    display_name TEXT,
    granted_by   INTEGER NOT NULL,
    granted_at   TEXT NOT NULL
);

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    chat_id             INTEGER NOT NULL,
    host_id             INTEGER NOT NULL,         -- who opened the lobby; gets the CSV report
    bank_id             TEXT NOT NULL,
    language            TEXT NOT NULL,
    question_count      INTEGER NOT NULL,
    seconds             INTEGER NOT NULL,         -- open_period of every poll
    pause_between       INTEGER NOT NULL,
    speed_bonus         INTEGER NOT NULL DEFAULT 1,
    status              TEXT NOT NULL,            -- lobby | countdown | running | paused | finished | stopped | cancelled
    next_at             TEXT,                     -- when the next question opens (or the countdown ends)
    lobby_message_id    INTEGER,
    lobby_edited_at     TEXT,
    countdown_message_id INTEGER,
    board_message_id    INTEGER,                  -- the live leaderboard, edited after each question
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    ended_at            TEXT
);
CREATE UNIQUE INDEX one_live_event_per_chat ON events (chat_id)
    WHERE status IN ('lobby', 'countdown', 'running', 'paused');
CREATE INDEX events_by_chat ON events (chat_id, id);

CREATE TABLE event_questions (
    event_id            INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    question_id         TEXT NOT NULL,
    option_order        TEXT NOT NULL,            -- JSON: display position -> bank option index
    scenario_message    INTEGER NOT NULL DEFAULT 0,   -- 1: the scenario goes out as its own message
    poll_id             TEXT UNIQUE,
    poll_message_id     INTEGER,
    scenario_message_id INTEGER,
    result_message_id   INTEGER,
    opened_at           TEXT,
    closes_at           TEXT,
    closed_at           TEXT,
    PRIMARY KEY (event_id, position)
) WITHOUT ROWID;

CREATE TABLE event_participants (
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    display_name TEXT NOT NULL,                   -- kept for this event's leaderboard and report only
    joined_at    TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
CREATE INDEX event_participants_by_user ON event_participants (user_id);

CREATE TABLE event_answers (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    chosen      TEXT NOT NULL,                    -- JSON list of bank option indices
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    elapsed     REAL NOT NULL,                    -- seconds from poll open
    late        INTEGER NOT NULL DEFAULT 0,       -- after closes_at: kept, earns nothing
    answered_at TEXT NOT NULL,
    PRIMARY KEY (event_id, position, user_id)     -- only the first answer counts
) WITHOUT ROWID;
CREATE INDEX event_answers_by_user ON event_answers (user_id);
