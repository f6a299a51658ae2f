-- Undo 0001: drops the staging orders table and every order version in it.
DROP TABLE IF EXISTS stg_qtickets_orders
