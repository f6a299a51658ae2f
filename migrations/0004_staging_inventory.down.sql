-- Undo 0004: drops the inventory snapshot history.
DROP TABLE IF EXISTS stg_qtickets_inventory
