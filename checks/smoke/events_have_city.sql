-- Guards: every loaded event that is not deleted has a real city name: not empty, and not a JSON or
-- Python rendering of the API's city object.
-- Why: the original stored str() of the city dict in dim_events and "" in sales, so the dashboards'
-- per-city joins never matched (failure 31). The fact views take city from the event, so an event
-- without one puts its sales under an empty city.
-- Contract: one row, violations UInt64 (events with a bad city, 0 = pass), sample String.
SELECT
    count() AS violations,
    arrayStringConcat(groupArray(5)(concat('event ', toString(event_id), ' "', name, '": city "', city, '"')), '; ') AS sample
FROM stg_qtickets_events FINAL
WHERE NOT is_deleted AND (trimBoth(city) = '' OR match(city, '^\\s*[\\[{]'))
