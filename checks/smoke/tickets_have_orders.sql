-- Guards: every ticket (basket) belongs to an order that is loaded.
-- Why: the loader writes without transactions; a run that inserted baskets and then failed before the
-- orders leaves tickets the daily fact silently drops (it joins on the order), so sales go missing
-- from the dashboard without any error.
-- Contract: one row, violations UInt64 (tickets without their order, 0 = pass), sample String.
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(concat('ticket ', toString(ticket_id), ' -> missing order ', toString(order_id))), '; ') AS sample
FROM stg_qtickets_tickets FINAL
WHERE order_id NOT IN (SELECT order_id FROM stg_qtickets_orders FINAL)
