-- Guards: per Moscow sales day and event, the daily fact (summed from the baskets in
-- stg_qtickets_tickets) equals the order-level totals the loader computed (stg_qtickets_orders):
-- tickets, revenue and refunds. v_check_sales_reconciliation lists every disagreeing key.
-- Why: the original rebuilt the daily fact from each run's 2-hour window only, so "today" showed the
-- last 2 hours (failure 29). A missing basket insert, an order written without its baskets, or a
-- version mismatch between the two tables shows up here.
-- Contract: one row, violations UInt64 (0 = pass), sample String (up to 5 day/event keys).
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(concat(
        toString(sales_date), ' event ', toString(event_id),
        ': tickets ', toString(staging_tickets), ' staging vs ', toString(fact_tickets), ' fact',
        ', revenue ', toString(staging_revenue), ' vs ', toString(fact_revenue),
        ', refunds ', toString(staging_refunds), ' vs ', toString(fact_refunds))), '; ') AS sample
FROM v_check_sales_reconciliation
