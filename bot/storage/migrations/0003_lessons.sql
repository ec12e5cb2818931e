-- Daily lessons: who gets a lesson when, and one row per lesson pushed.
-- A private chat's id is the user's id; a group's id is negative. No foreign key to users:
-- a group is not a user. Repository.delete_user removes a person's rows explicitly.

CREATE TABLE lesson_subscribers (
    chat_id         INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,                -- private | group
    language        TEXT NOT NULL,                -- groups read this; private chats follow users.language
    tz              TEXT,                         -- IANA name; NULL: the bot's TIMEZONE
    send_at         TEXT NOT NULL,                -- local 'HH:MM', zero-padded so text order is time order
    active          INTEGER NOT NULL DEFAULT 1,   -- 1: receives the daily push
    inactive_reason TEXT,                         -- not_subscribed | unsubscribed | blocked | ...
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX lesson_subscribers_due ON lesson_subscribers (active, tz, send_at);

CREATE TABLE lesson_deliveries (                  -- claimed (pending) before sending: exactly once
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    local_day    TEXT NOT NULL,                   -- ISO date in the chat's time zone
    kind         TEXT NOT NULL,                   -- lesson | review | done
    lesson_id    TEXT,                            -- NULL for a review, 'done', or an expired claim
    check_id     TEXT,                            -- the question asked at the end
    recap_ids    TEXT NOT NULL DEFAULT '[]',      -- JSON: mistakes recapped in a review
    status       TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed | skipped
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,                            -- why it failed (or was skipped), for operators
    message_id   INTEGER,
    claimed_at   TEXT NOT NULL,                   -- refreshed by every retry of a stale claim
    sent_at      TEXT,
    UNIQUE (chat_id, local_day)
);
CREATE UNIQUE INDEX lesson_deliveries_once ON lesson_deliveries (chat_id, lesson_id)
    WHERE lesson_id IS NOT NULL;
CREATE INDEX lesson_deliveries_pending ON lesson_deliveries (status, claimed_at);
CREATE INDEX lesson_deliveries_sent ON lesson_deliveries (sent_at);

CREATE TABLE lesson_answers (                     -- the check question: one answer per person
    delivery_id INTEGER NOT NULL REFERENCES lesson_deliveries (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    chosen      TEXT NOT NULL,                    -- JSON list of bank option indices
    correct     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (delivery_id, user_id)
) WITHOUT ROWID;
CREATE INDEX lesson_answers_by_user ON lesson_answers (user_id);
