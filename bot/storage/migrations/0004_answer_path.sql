-- STAND-IN for the lead's 0004_answer_path.sql (issue 11), which adds this column and more.
-- It exists only so the campaigns branch has migrations 1..5 without gaps; at merge, take the
-- lead's file and drop this one.
ALTER TABLE quiz_sessions ADD COLUMN deadline TEXT;   -- timed attempts: answers after it are refused
