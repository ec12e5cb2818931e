-- TEMPORARY (branch insight): keeps the migration numbers contiguous until the lead renumbers
-- 0006_insight.sql at merge (0005 belongs to another branch). Delete this file at merge.
SELECT 1;
