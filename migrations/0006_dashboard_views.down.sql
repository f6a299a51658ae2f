-- Undo 0006: drops the dashboard views in the reverse order of their creation.
DROP VIEW IF EXISTS v_freshness;

DROP VIEW IF EXISTS v_inventory;

DROP VIEW IF EXISTS v_sales_14d;

DROP VIEW IF EXISTS v_sales_latest
