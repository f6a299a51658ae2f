-- Guards: no loaded instant lies in the future by more than 10 minutes: order creation, update and
-- payment, ticket updates, and the end of loader runs.
-- Why: the original stored naive Moscow wall-clock time where UTC was meant, putting every instant
-- 3 hours off (failure 32). Times in the future are the visible half of that mistake; they also make
-- freshness checks pass on stale data. Ten minutes of slack cover clock drift between hosts.
-- Contract: one row, violations UInt64 (0 = pass), sample String (up to 5 offenders).
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(offender), '; ') AS sample
FROM
(
    SELECT concat('order ', toString(order_id), ': ', column, ' ', toString(at), ' UTC') AS offender
    FROM
    (
        SELECT order_id, greatest(created_at, updated_at, ifNull(paid_at, created_at)) AS at,
               multiIf(at = created_at, 'created_at', at = updated_at, 'updated_at', 'paid_at') AS column
        FROM stg_qtickets_orders FINAL
    )
    WHERE at > now64(3) + INTERVAL 10 MINUTE
    UNION ALL
    SELECT concat('ticket ', toString(ticket_id), ': updated_at ', toString(updated_at), ' UTC') AS offender
    FROM stg_qtickets_tickets FINAL
    WHERE updated_at > now64(3) + INTERVAL 10 MINUTE
    UNION ALL
    SELECT concat('run ', toString(run_id), ' of ', job, ': finished_at ', toString(finished_at), ' UTC') AS offender
    FROM meta_job_runs FINAL
    WHERE finished_at > now64(3) + INTERVAL 10 MINUTE
)
