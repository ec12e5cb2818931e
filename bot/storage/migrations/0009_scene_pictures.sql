-- Scene pictures (issue 12). Each picture is uploaded to Telegram once: its file id is kept per
-- content hash (everything drawn + language + renderer version: bot.scene_pictures.picture_key),
-- so the next person gets the same photo by file id. Nothing here names a person.
CREATE TABLE scene_pictures (
    key         TEXT PRIMARY KEY,                 -- sha256 hex
    file_id     TEXT NOT NULL,                    -- Telegram's id of the uploaded photo
    uploaded_at TEXT NOT NULL
) WITHOUT ROWID;

-- The photo a private quiz sent for its current scene question: which question, which message.
-- Showing that question again right below it (the question message never arrived) does not
-- send the picture twice; showing it anew does.
ALTER TABLE quiz_sessions ADD COLUMN picture_position INTEGER;
ALTER TABLE quiz_sessions ADD COLUMN picture_message_id INTEGER;
