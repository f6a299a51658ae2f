-- Verify 0006_dashboard_views: every statement returns one row with 1 when the migration is in place.

-- v_sales_latest: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_sales_latest'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_sales_latest: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_sales_latest LIMIT 0);

-- v_sales_latest: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'event_id',
    'event_name',
    'city',
    'first_sales_date',
    'last_sales_date',
    'tickets_sold',
    'tickets_refunded',
    'revenue',
    'refunds',
    'net_revenue',
    'orders',
    'tickets_sold_today',
    'net_revenue_today'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_sales_latest';

-- v_sales_14d: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_sales_14d'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_sales_14d: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_sales_14d LIMIT 0);

-- v_sales_14d: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'sales_date',
    'event_id',
    'event_name',
    'city',
    'tickets_sold',
    'tickets_refunded',
    'revenue',
    'refunds',
    'net_revenue',
    'orders'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_sales_14d';

-- v_inventory: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_inventory'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_inventory: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_inventory LIMIT 0);

-- v_inventory: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'show_id',
    'event_id',
    'event_name',
    'city',
    'show_start_at',
    'show_date',
    'snapshot_at',
    'seats_total',
    'seats_sold',
    'seats_reserved',
    'seats_free',
    'sell_through'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_inventory';

-- v_freshness: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_freshness'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_freshness: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_freshness LIMIT 0);

-- v_freshness: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'entity',
    'stored_rows',
    'last_loaded_at',
    'last_source_at',
    'seconds_since_load'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_freshness'
