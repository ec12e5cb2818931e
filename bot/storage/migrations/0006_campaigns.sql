-- Campaigns (content/campaigns/*.yaml): who joined which unit, their attempts, certificates,
-- group chats bound to units, and what the organizers' report needs.
--
-- Nothing here has a foreign key to users: joining needs no quiz yet, and a certificate must
-- stay verifiable after /forget. CampaignStore.forget removes a person's rows explicitly.
-- Members keep no name (school units are anonymous): reports take names from users.show_name.

CREATE TABLE campaign_members (
    campaign_id TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    unit_id     TEXT NOT NULL,
    joined_at   TEXT NOT NULL,
    changed_at  TEXT,                             -- the one change of unit, once confirmed
    PRIMARY KEY (campaign_id, user_id)            -- one unit per person and campaign
) WITHOUT ROWID;
CREATE INDEX campaign_members_by_user ON campaign_members (user_id);

-- An attempt is a private quiz session of kind 'campaign' (its question order, answers and
-- deadline live in quiz_sessions / answers); this row adds what the contest needs.
CREATE TABLE campaign_attempts (
    id          INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    number      INTEGER NOT NULL,                 -- 1, 2, 3 ... per person and campaign
    local_day   TEXT NOT NULL,                    -- the campaign's day when it started
    session_id  INTEGER UNIQUE REFERENCES quiz_sessions (id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    total       INTEGER NOT NULL,
    closed_at   TEXT,                             -- NULL while it runs
    expired     INTEGER,                          -- 1: its time ran out before every answer
    correct     INTEGER,                          -- unanswered questions count as wrong
    duration_ms INTEGER,
    marks       TEXT,                             -- '1'/'0' per question, in the session's order
    UNIQUE (campaign_id, user_id, number),        -- a duplicate start cannot count twice
    FOREIGN KEY (campaign_id, user_id)
        REFERENCES campaign_members (campaign_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX campaign_attempts_one_open ON campaign_attempts (campaign_id, user_id)
    WHERE closed_at IS NULL;
CREATE INDEX campaign_attempts_due ON campaign_attempts (deadline) WHERE closed_at IS NULL;
CREATE INDEX campaign_attempts_by_day ON campaign_attempts (campaign_id, user_id, local_day);

CREATE TABLE campaign_certificates (
    code        TEXT PRIMARY KEY,                 -- 8 Crockford base-32 characters (40 random bits)
    campaign_id TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    user_id     INTEGER,                          -- NULL after /forget: still verifiable
    correct     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    issued_on   TEXT NOT NULL,                    -- the campaign's local day
    name        TEXT,                             -- only if the person chose to show it
    UNIQUE (campaign_id, user_id)
);

CREATE TABLE campaign_groups (                    -- a group chat's event players count as reach
    campaign_id TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    unit_id     TEXT NOT NULL,
    bound_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, chat_id)
) WITHOUT ROWID;

CREATE TABLE campaign_verify_checks (             -- /verify rate limit, per person; pruned
    user_id    INTEGER NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX campaign_verify_checks_by_user ON campaign_verify_checks (user_id, checked_at);

CREATE TABLE campaign_closings (                  -- the "campaign ended" message, claimed once
    campaign_id TEXT PRIMARY KEY,
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT
);
