-- Guards: after deduplication (FINAL) every order, ticket, event and show id occurs once. A ticket id
-- under two different orders counts as a duplicate too.
-- Why: the original keyed orders on md5(order, event, time, revenue), so every changed order became a
-- second row and was counted twice (failure 31). The staging tables now dedupe on the id alone; this
-- catches a table re-created with another key (DDL drift, failure 16) and a loader that files the same
-- basket under two orders.
-- Contract: one row, violations UInt64 (number of duplicated keys, 0 = pass), sample String.
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(concat(entity, ' ', key, ' x', toString(copies))), '; ') AS sample
FROM
(
    SELECT 'order' AS entity, toString(order_id) AS key, count() AS copies
    FROM stg_qtickets_orders FINAL GROUP BY order_id HAVING copies > 1
    UNION ALL
    SELECT 'ticket' AS entity, toString(ticket_id) AS key, count() AS copies
    FROM stg_qtickets_tickets FINAL GROUP BY ticket_id HAVING copies > 1
    UNION ALL
    SELECT 'event' AS entity, toString(event_id) AS key, count() AS copies
    FROM stg_qtickets_events FINAL GROUP BY event_id HAVING copies > 1
    UNION ALL
    SELECT 'show' AS entity, toString(show_id) AS key, count() AS copies
    FROM stg_qtickets_shows FINAL GROUP BY show_id HAVING copies > 1
)
