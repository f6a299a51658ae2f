-- Guards: no negative money or ticket counts in the current (FINAL) staging rows nor in the daily fact,
-- and no order or basket refunded for more than it was paid.
-- Why: a sign error in the loader (a refund written as a negative price, a refund counted twice)
-- silently lowers revenue on the dashboard; the original smoke SQL printed such numbers and asserted
-- nothing. Counts are UInt32, so a negative count the loader computed arrives wrapped around as a
-- number above 2^31, which is what this check looks for there.
-- Contract: one row, violations UInt64 (0 = pass), sample String (up to 5 offenders).
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(offender), '; ') AS sample
FROM
(
    SELECT concat('order ', toString(order_id), ': gross ', toString(gross_amount), ', refunded ', toString(refunded_amount),
                  ', tickets ', toString(tickets_count)) AS offender
    FROM stg_qtickets_orders FINAL
    WHERE gross_amount < 0 OR refunded_amount < 0 OR refunded_amount > gross_amount OR tickets_count >= 2147483648
    UNION ALL
    SELECT concat('ticket ', toString(ticket_id), ' of order ', toString(order_id), ': price ', toString(price),
                  ', original ', toString(original_price), ', refunded ', toString(refunded_amount),
                  ', quantity ', toString(quantity)) AS offender
    FROM stg_qtickets_tickets FINAL
    WHERE price < 0 OR original_price < 0 OR refunded_amount < 0 OR refunded_amount > price OR quantity >= 2147483648
    UNION ALL
    SELECT concat('fact ', toString(sales_date), ' event ', toString(event_id), ' show ', toString(show_id),
                  ': tickets ', toString(tickets_sold), ', revenue ', toString(revenue), ', refunds ', toString(refunds),
                  ', net ', toString(net_revenue)) AS offender
    FROM fact_sales_daily
    WHERE revenue < 0 OR refunds < 0 OR net_revenue < 0 OR tickets_sold >= 2147483648 OR tickets_refunded > tickets_sold
)
