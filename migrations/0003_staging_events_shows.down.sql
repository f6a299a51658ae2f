-- Undo 0003: drops the two tables in the reverse order of their creation.
DROP TABLE IF EXISTS stg_qtickets_shows;

DROP TABLE IF EXISTS stg_qtickets_events
