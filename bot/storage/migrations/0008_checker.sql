-- The scam checker and reply prompts. No table here holds the text of any message.
-- (Numbered 0007 on its branch; renumber freely when merging.)

-- What editors may count: which signals fired, per local day. No person, no text.
CREATE TABLE checker_signal_days (
    day       TEXT NOT NULL,                      -- YYYY-MM-DD in the bot's TIMEZONE
    signal_id TEXT NOT NULL,
    hits      INTEGER NOT NULL,
    PRIMARY KEY (day, signal_id)
) WITHOUT ROWID;

-- Messages checked per day (also those where nothing fired), for the rates beside the counts.
CREATE TABLE checker_days (
    day     TEXT PRIMARY KEY,
    checks  INTEGER NOT NULL,
    flagged INTEGER NOT NULL                      -- risk high or medium
) WITHOUT ROWID;

-- One row per private chat: the newest message answered (a redelivered update is older, so a
-- restart never answers twice) and the one reply of the current burst (an album, or messages
-- a second or two apart), which later messages of the burst edit instead of replying again.
-- Pruned after a day (Telegram keeps undelivered updates for 24 hours); /forget deletes it.
CREATE TABLE checker_replies (
    chat_id          INTEGER PRIMARY KEY,
    last_message_id  INTEGER NOT NULL,
    burst            TEXT NOT NULL,               -- 'g:<media_group_id>', or 'w' (a window)
    burst_date       INTEGER NOT NULL,            -- Telegram's date of the burst's last message
    reply_message_id INTEGER,                     -- NULL until the reply was sent
    updated_at       TEXT NOT NULL
);
CREATE INDEX checker_replies_by_age ON checker_replies (updated_at);

-- A feature that needs a line of text asks for it with a reply prompt; only a reply to that
-- very message, by that person, before it expires, goes to the feature (bot/handlers/prompts).
CREATE TABLE reply_prompts (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,                  -- the prompt the bot sent
    user_id    INTEGER NOT NULL,
    kind       TEXT NOT NULL,                     -- which feature answers it
    payload    TEXT NOT NULL DEFAULT '',          -- a small id for the feature, never text
    expires_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX reply_prompts_by_user ON reply_prompts (user_id);
CREATE INDEX reply_prompts_by_expiry ON reply_prompts (expires_at);
