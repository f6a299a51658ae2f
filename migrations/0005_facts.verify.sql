-- Verify 0005_facts: every statement returns one row with 1 when the migration is in place.

-- fact_sales_daily: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'fact_sales_daily'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- fact_sales_daily: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM fact_sales_daily LIMIT 0);

-- fact_sales_daily: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'sales_date',
    'event_id',
    'show_id',
    'city',
    'currency',
    'tickets_sold',
    'tickets_refunded',
    'revenue',
    'refunds',
    'net_revenue',
    'orders'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'fact_sales_daily';

-- fact_inventory_latest: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'fact_inventory_latest'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- fact_inventory_latest: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM fact_inventory_latest LIMIT 0);

-- fact_inventory_latest: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'show_id',
    'event_id',
    'snapshot_at',
    'seats_total',
    'seats_sold',
    'seats_reserved',
    'seats_free'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'fact_inventory_latest';

-- v_check_sales_reconciliation: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_check_sales_reconciliation'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_check_sales_reconciliation: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_check_sales_reconciliation LIMIT 0);

-- v_check_sales_reconciliation: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'sales_date',
    'event_id',
    'staging_tickets',
    'fact_tickets',
    'staging_revenue',
    'fact_revenue',
    'staging_refunds',
    'fact_refunds'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_check_sales_reconciliation'
