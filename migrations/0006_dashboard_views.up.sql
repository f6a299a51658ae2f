-- 0006 dashboard views for DataLens and the healthcheck.
--
-- * Each view is defined once, here, and selects only columns created by 0001 to 0005 (the original
--   had the same view in two files and views naming columns that did not exist, Code 47
--   UNKNOWN_IDENTIFIER). The verify file compares every view column list with system.columns.
-- * "Today" and the 14-day window are Moscow calendar days, like sales_date (see 0005).
-- * SQL SECURITY DEFINER, so datalens_reader needs SELECT on these views only (see 0005 and
--   docs/clickhouse-access.md).

-- One row per event and city: totals since the first sale plus the current Moscow day. The dashboard
-- table of "where do we stand now". Events whose details are not loaded yet show an empty name.
CREATE OR REPLACE VIEW v_sales_latest
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    f.event_id AS event_id,
    e.event_name AS event_name,
    f.city AS city,
    min(f.sales_date) AS first_sales_date,
    max(f.sales_date) AS last_sales_date,
    sum(f.tickets_sold) AS tickets_sold,
    sum(f.tickets_refunded) AS tickets_refunded,
    sum(f.revenue) AS revenue,
    sum(f.refunds) AS refunds,
    sum(f.net_revenue) AS net_revenue,
    sum(f.orders) AS orders,
    sumIf(f.tickets_sold, f.sales_date = toDate(now(), 'Europe/Moscow')) AS tickets_sold_today,
    sumIf(f.net_revenue, f.sales_date = toDate(now(), 'Europe/Moscow')) AS net_revenue_today
FROM fact_sales_daily AS f
LEFT JOIN
(
    SELECT event_id, name AS event_name
    FROM stg_qtickets_events FINAL
) AS e ON e.event_id = f.event_id
GROUP BY event_id, event_name, city;

-- One row per Moscow sales day, event and city over the last 14 days including today (shows of an
-- event are summed). Days without sales have no row.
CREATE OR REPLACE VIEW v_sales_14d
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    f.sales_date AS sales_date,
    f.event_id AS event_id,
    e.event_name AS event_name,
    f.city AS city,
    sum(f.tickets_sold) AS tickets_sold,
    sum(f.tickets_refunded) AS tickets_refunded,
    sum(f.revenue) AS revenue,
    sum(f.refunds) AS refunds,
    sum(f.net_revenue) AS net_revenue,
    sum(f.orders) AS orders
FROM fact_sales_daily AS f
LEFT JOIN
(
    SELECT event_id, name AS event_name
    FROM stg_qtickets_events FINAL
) AS e ON e.event_id = f.event_id
WHERE f.sales_date >= toDate(now(), 'Europe/Moscow') - 13
GROUP BY sales_date, event_id, event_name, city;

-- Latest inventory per show with event details and sell-through (sold divided by capacity, NULL when
-- the capacity is 0 or unknown). Deleted shows are left out. show_start_at is NULL when the show is
-- not loaded yet. show_date is the Moscow date of the start, like every business date here.
CREATE OR REPLACE VIEW v_inventory
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    i.show_id AS show_id,
    i.event_id AS event_id,
    e.event_name AS event_name,
    e.city AS city,
    s.show_start_at AS show_start_at,
    toDate(s.show_start_at, 'Europe/Moscow') AS show_date,
    i.snapshot_at AS snapshot_at,
    i.seats_total AS seats_total,
    i.seats_sold AS seats_sold,
    i.seats_reserved AS seats_reserved,
    i.seats_free AS seats_free,
    if(i.seats_total = 0, NULL, round(i.seats_sold / i.seats_total, 4)) AS sell_through
FROM fact_inventory_latest AS i
LEFT JOIN
(
    SELECT show_id, toNullable(start_at) AS show_start_at, is_deleted
    FROM stg_qtickets_shows FINAL
) AS s ON s.show_id = i.show_id
LEFT JOIN
(
    SELECT event_id, name AS event_name, city
    FROM stg_qtickets_events FINAL
) AS e ON e.event_id = i.event_id
WHERE NOT s.is_deleted;

-- Freshness: one row per staging entity with the newest load time, the newest source time and the
-- age of the last load in seconds, computed by the server so no client compares naive and aware
-- timestamps. last_loaded_at, last_source_at and seconds_since_load are NULL while the table is empty
-- (never 1970). The source time is updated_at for orders, tickets, events and shows, and snapshot_at
-- for inventory. Run status (ok or error) is in v_job_runs_latest (0007).
CREATE OR REPLACE VIEW v_freshness
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    entity,
    stored_rows,
    last_loaded_at,
    last_source_at,
    dateDiff('second', last_loaded_at, now64(3)) AS seconds_since_load
FROM
(
    SELECT 'orders' AS entity, count() AS stored_rows,
           maxOrNull(_loaded_at) AS last_loaded_at, maxOrNull(updated_at) AS last_source_at
    FROM stg_qtickets_orders
    UNION ALL
    SELECT 'tickets' AS entity, count() AS stored_rows,
           maxOrNull(_loaded_at) AS last_loaded_at, maxOrNull(updated_at) AS last_source_at
    FROM stg_qtickets_tickets
    UNION ALL
    SELECT 'events' AS entity, count() AS stored_rows,
           maxOrNull(_loaded_at) AS last_loaded_at, maxOrNull(updated_at) AS last_source_at
    FROM stg_qtickets_events
    UNION ALL
    SELECT 'shows' AS entity, count() AS stored_rows,
           maxOrNull(_loaded_at) AS last_loaded_at, maxOrNull(updated_at) AS last_source_at
    FROM stg_qtickets_shows
    UNION ALL
    SELECT 'inventory' AS entity, count() AS stored_rows,
           maxOrNull(_loaded_at) AS last_loaded_at, maxOrNull(snapshot_at) AS last_source_at
    FROM stg_qtickets_inventory
)
