-- Undo 0002: drops the staging tickets table.
DROP TABLE IF EXISTS stg_qtickets_tickets
