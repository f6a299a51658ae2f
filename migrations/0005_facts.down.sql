-- Undo 0005: drops the views in the reverse order of their creation. No data is stored in them.
DROP VIEW IF EXISTS v_check_sales_reconciliation;

DROP VIEW IF EXISTS fact_inventory_latest;

DROP VIEW IF EXISTS fact_sales_daily
