-- TEMPORARY (branch insight): the lead adds these columns in the real 0004 with the answer
-- path rework (issue 11). Delete this file at merge; the insight SQL relies only on the names.
ALTER TABLE answers ADD COLUMN elapsed REAL;          -- seconds from showing to answering
ALTER TABLE answers ADD COLUMN qversion TEXT;         -- content version of the question
ALTER TABLE event_answers ADD COLUMN qversion TEXT;
ALTER TABLE lesson_answers ADD COLUMN qversion TEXT;
