-- Groups (issue 18): a group's own language, the /event_new set-up in progress, and the move of
-- every row keyed by a chat when a group becomes a supergroup (bot/storage/groups.py).
-- Numbered 0008 on its branch; renumber freely when merging.

CREATE TABLE group_settings (                     -- a group that chose its language
    chat_id    INTEGER PRIMARY KEY,
    language   TEXT NOT NULL,                     -- zh | en: events and lessons in this group
    updated_at TEXT NOT NULL
);

CREATE TABLE event_setups (                       -- /event_new without arguments: its buttons
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,                  -- the one message showing it; presses elsewhere change nothing
    host_id    INTEGER NOT NULL,                  -- only they may press (removed by /forget)
    step       TEXT NOT NULL,                     -- bank | questions | seconds
    bank_id    TEXT,
    questions  INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX event_setups_by_host ON event_setups (host_id);
