-- Guards: every order's event is loaded into stg_qtickets_events.
-- Why: the dashboards take the event's name and city from stg_qtickets_events; an order whose event
-- is missing shows up with an empty name and city, and per-city totals stop adding up. The original
-- read only the first page of events (10 of about 221), which is exactly this failure.
-- Contract: one row, violations UInt64 (orders whose event is missing, 0 = pass), sample String
-- (up to 5 missing events with their order counts).
SELECT
    sum(orders) AS violations,
    arrayStringConcat(groupArray(5)(concat('event ', toString(event_id), ' (', toString(orders), ' orders)')), '; ') AS sample
FROM
(
    SELECT event_id, count() AS orders
    FROM stg_qtickets_orders FINAL
    WHERE event_id NOT IN (SELECT event_id FROM stg_qtickets_events FINAL)
    GROUP BY event_id
    ORDER BY orders DESC, event_id
)
