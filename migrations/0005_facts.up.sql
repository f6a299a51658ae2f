-- 0005 facts: daily sales and latest inventory, as views over the deduplicated staging tables.
--
-- Decision: views over FINAL staging, not tables the loader fills.
-- * The original loader built the daily fact from the orders of its own window and replaced whole
--   days with it. With a 2 hour window, today then held only the last 2 hours (failure 29). A table
--   would be right only if the loader re-aggregated every touched day from the complete staging
--   data, including old days whose orders get refunded weeks later. That is exactly what a view does,
--   without a second copy that can drift, without a partial-day window, and without a write the
--   loader can forget.
-- * The volume is small (about 130 thousand orders in total, a few hundred thousand baskets), so
--   aggregating with FINAL on every dashboard query costs milliseconds. If it ever grows by orders of
--   magnitude, a refreshable materialized view can take the name over without changing its columns.
-- * The smoke check "fact totals equal staging totals per day and event" stays meaningful: the fact is
--   computed from the baskets (stg_qtickets_tickets), while the staging totals are the order-level
--   amounts the loader computed (stg_qtickets_orders). v_check_sales_reconciliation lists every
--   (sales_date, event_id) where they disagree, so the check is
--   SELECT count() = 0 FROM v_check_sales_reconciliation
--   A missing basket insert, an order written without its baskets or a version mismatch shows up.
--
-- Business dates: sales_date is the calendar date of payment in Europe/Moscow. The organiser, its
-- reports (REPORT_TZ) and the DataLens users work in Moscow time, and a ticket for a Tomsk show paid
-- at 23:30 Moscow time belongs to that Moscow day for finance. Instants stay UTC in staging.
--
-- Revenue rules (the same as the loader uses for the order-level amounts in 0001):
-- * only orders with paid_at set, dated by paid_at
-- * a basket counts when it was paid: not deleted, or deleted because it was refunded
-- * tickets_sold and revenue are gross (refunded tickets included), tickets_refunded and refunds are
--   what went back, net_revenue = revenue - refunds. Refunds are attributed to the sales date of
--   their order, so a refund changes the day the money came in, and net figures per sale day stay
--   true. The refund instant itself is in the staging tables (refunded_at).
-- * orders counts distinct orders per (day, event, show, city): an order with tickets for two shows
--   counts once per show.
-- * city comes from the event (orders have none), an empty string while the event is not loaded yet.
--
-- Every view in this schema is SQL SECURITY DEFINER with the account that applied the migration as
-- definer (the clause exists since ClickHouse 24.2). A view without the clause runs with the rights of
-- its caller, so a reader granted SELECT on a view alone would get ACCESS_DENIED (Code 497) on the
-- staging tables under it. See docs/clickhouse-access.md.
CREATE OR REPLACE VIEW fact_sales_daily
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    toDate(o.sold_at, 'Europe/Moscow') AS sales_date,
    o.event_id AS event_id,
    t.show_id AS show_id,
    e.city AS city,
    o.currency AS currency,
    sum(t.quantity) AS tickets_sold,
    sumIf(t.quantity, t.is_refunded) AS tickets_refunded,
    sum(t.price) AS revenue,
    sum(t.refunded_amount) AS refunds,
    revenue - refunds AS net_revenue,
    uniqExact(t.order_id) AS orders
FROM
(
    SELECT order_id, show_id, quantity, price, refunded_amount, is_refunded, is_deleted
    FROM stg_qtickets_tickets FINAL
) AS t
INNER JOIN
(
    -- The alias must not be paid_at: ClickHouse resolves WHERE names to SELECT aliases first, and
    -- assumeNotNull(paid_at) IS NOT NULL is always true, which would let unpaid orders in as 1970.
    SELECT order_id, event_id, currency, assumeNotNull(paid_at) AS sold_at
    FROM stg_qtickets_orders FINAL
    WHERE paid_at IS NOT NULL
) AS o ON o.order_id = t.order_id
LEFT JOIN
(
    SELECT event_id, city
    FROM stg_qtickets_events FINAL
) AS e ON e.event_id = o.event_id
WHERE (NOT t.is_deleted) OR t.is_refunded
GROUP BY sales_date, event_id, show_id, city, currency;

-- Newest snapshot per show. A view for the same reason as above: the history table already holds
-- every snapshot, and LIMIT 1 BY over it is always current. A show that was never snapshotted has no
-- row (not a row of zeros).
CREATE OR REPLACE VIEW fact_inventory_latest
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    show_id,
    event_id,
    snapshot_at,
    seats_total,
    seats_sold,
    seats_reserved,
    seats_free
FROM stg_qtickets_inventory
ORDER BY show_id ASC, snapshot_at DESC
LIMIT 1 BY show_id;

-- Reconciliation of order-level staging totals against the basket-level fact, per Moscow sales date
-- and event. Empty when they agree. A side that has no row for a key reads as zeros there, so a
-- day missing on one side is listed as well.
CREATE OR REPLACE VIEW v_check_sales_reconciliation
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    sales_date,
    event_id,
    s.tickets AS staging_tickets,
    f.tickets AS fact_tickets,
    s.revenue AS staging_revenue,
    f.revenue AS fact_revenue,
    s.refunds AS staging_refunds,
    f.refunds AS fact_refunds
FROM
(
    SELECT
        toDate(assumeNotNull(paid_at), 'Europe/Moscow') AS sales_date,
        event_id,
        sum(tickets_count) AS tickets,
        sum(gross_amount) AS revenue,
        sum(refunded_amount) AS refunds
    FROM stg_qtickets_orders FINAL
    WHERE paid_at IS NOT NULL
    GROUP BY sales_date, event_id
) AS s
FULL OUTER JOIN
(
    SELECT
        sales_date,
        event_id,
        sum(tickets_sold) AS tickets,
        sum(revenue) AS revenue,
        sum(refunds) AS refunds
    FROM fact_sales_daily
    GROUP BY sales_date, event_id
) AS f USING (sales_date, event_id)
WHERE s.tickets != f.tickets OR s.revenue != f.revenue OR s.refunds != f.refunds
