-- 0004 staging inventory: snapshots of seat counts per show, appended on every run.
--
-- * Source: GET /shows/{show_id}/seats with an explicit select of the counters (without select the
--   API returns no counters at all). The routes the original called (/events/{id}/seats) return 404.
--   The loader sums over the seats of the show, skipping disabled ones:
--     seats_total     sum of max_quantity
--     seats_sold      sum of payed_quantity
--     seats_reserved  seats held by unpaid orders and open carts (ordered but not paid, plus
--                     in_basket_quantity), never negative
--     seats_free      sum of free_quantity
--   sold + reserved + free can be below total (seats withheld from sale).
-- * A count of 0 is stored as 0. The original turned 0 into NULL, which hid sold-out shows.
-- * History is kept: one row per (show_id, snapshot_at). snapshot_at is the time the loader received
--   the seats response, in UTC. ReplacingMergeTree without a version collapses only an identical
--   snapshot inserted twice (an insert retried after a timeout). fact_inventory_latest (0005) picks
--   the newest snapshot per show.
-- * Partitioned by month of snapshot_at, which never changes for a row, so duplicates always meet in
--   one partition, and an operator can archive whole old months if the history grows.
CREATE TABLE IF NOT EXISTS stg_qtickets_inventory
(
    show_id         UInt64,
    event_id        UInt64,
    snapshot_at     DateTime64(3, 'UTC'),
    seats_total     UInt32,
    seats_sold      UInt32,
    seats_reserved  UInt32,
    seats_free      UInt32,
    _loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    _run_id         UUID,
    CONSTRAINT run_id_set CHECK NOT empty(_run_id)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (show_id, snapshot_at)
