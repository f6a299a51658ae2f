-- Guards: once paid orders are loaded, the DataLens views show them: v_sales_latest has rows, and
-- v_sales_14d has rows when some order was paid in the last 14 Moscow days.
-- Why: the original's reports said "READY" while the facts were empty, and its views joined on a city
-- that never matched, so the dashboard stayed blank while every load "succeeded" (failures 31, 35).
-- Contract: one row, violations UInt64 (empty views that should not be, 0 = pass), sample String.
SELECT
    toUInt64(latest_empty) + toUInt64(recent_empty) AS violations,
    arrayStringConcat(arrayFilter(x -> x != '', [
        if(latest_empty, concat('v_sales_latest is empty although ', toString(paid_orders), ' paid orders are loaded'), ''),
        if(recent_empty, concat('v_sales_14d is empty although ', toString(recent_paid_orders),
                                ' orders were paid in the last 14 days'), '')]), '; ') AS sample
FROM
(
    SELECT
        ifNull((SELECT count() FROM stg_qtickets_orders FINAL WHERE paid_at IS NOT NULL), 0) AS paid_orders,
        ifNull((SELECT count() FROM stg_qtickets_orders FINAL
                WHERE paid_at IS NOT NULL AND toDate(assumeNotNull(paid_at), 'Europe/Moscow') >= toDate(now(), 'Europe/Moscow') - 13), 0)
            AS recent_paid_orders,
        paid_orders > 0 AND ifNull((SELECT count() FROM v_sales_latest), 0) = 0 AS latest_empty,
        recent_paid_orders > 0 AND ifNull((SELECT count() FROM v_sales_14d), 0) = 0 AS recent_empty
)
