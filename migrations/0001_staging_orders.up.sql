-- 0001 staging orders: one row per version of a QTickets order (GET /orders, JSON body filters).
--
-- Why this shape (see shared reference: original-pipeline.md section 8, qtickets-api.md section 3.1):
-- * Deduplication key is the order id alone. The original keyed on md5(order_id, event_id, sale_ts,
--   revenue), so every changed order (refund, cancellation) became a second row and was counted twice.
--   The API re-sends changed orders and the loader may run overlapping windows, so rows are
--   re-delivered: ReplacingMergeTree(_version) keeps the newest version per order, and every reader
--   (the fact views) reads with FINAL.
-- * _version is the Unix time in milliseconds at which the loader received the API response that
--   carried the row (fetch time, not run start). A slow run that fetched earlier but inserts later
--   therefore never overwrites newer data. Rows with equal _version resolve to the last insert.
-- * No PII. The original copied the whole order into payload_json, including client email, phone and
--   names. Only the opaque client_id is kept (repeat-buyer counts), nothing that names a person, no
--   masked card number, no payload blob. Barcodes are not stored either: they admit to the venue.
-- * All instants are DateTime64(3, UTC). The API sends ISO-8601 with an explicit offset (usually
--   +03:00, never assume it). The loader parses the offset and sends UTC (or the ISO string with
--   date_time_input_format = best_effort). Naive Moscow wall-clock values caused the original +3 h
--   errors. Business dates are derived later, in the views, in Europe/Moscow.
-- * state is derived by the loader, because the API has no status field. Rule, first match wins:
--     refunded            every paid basket has refunded_at set
--     partially_refunded  at least one basket has refunded_at set
--     cancelled           order deleted_at is set (the API calls it the cancellation date)
--     paid                payed = true and payed_at is set
--     pending             otherwise (unpaid reservation, reserved_to not yet passed)
--   The CHECK constraint rejects any other word, so a loader bug fails loudly at insert time.
-- * Amounts are Decimal(18, 2) in the order currency. The loader computes them from the baskets with
--   the same rule the fact view uses, so staging and facts can be reconciled per day and event
--   (view v_check_sales_reconciliation, migration 0005). A paid basket is one that is not deleted,
--   or that is refunded:
--     tickets_count    sum of quantity over paid baskets
--     gross_amount     sum of price over paid baskets (order.price equals the sum of baskets price, and
--                      cancelled orders keep their price, so order.price is never summed blindly)
--     refunded_amount  sum of refunded_amount over all baskets (0 on merely cancelled ones)
-- * show_id: orders carry no show at order level, baskets do. The loader sets the show shared by all
--   baskets (the usual case) or 0 when they span several shows. Per-show figures always come from
--   stg_qtickets_tickets.
-- * utm fields are empty strings when the API sends utm as an empty array.
-- * No partitioning: about 130 thousand orders in total, and a partition key on any mutable column
--   would split versions of one order across partitions, where FINAL can no longer collapse them.
CREATE TABLE IF NOT EXISTS stg_qtickets_orders
(
    order_id         UInt64,
    event_id         UInt64,
    show_id          UInt64,
    client_id        UInt64,
    site_host        LowCardinality(String),
    promo_code_id    Nullable(UInt64),
    created_at       DateTime64(3, 'UTC'),
    updated_at       DateTime64(3, 'UTC'),
    paid_at          Nullable(DateTime64(3, 'UTC')),
    refunded_at      Nullable(DateTime64(3, 'UTC')),
    deleted_at       Nullable(DateTime64(3, 'UTC')),
    reserved_to      Nullable(DateTime64(3, 'UTC')),
    is_paid          Bool,
    state            LowCardinality(String),
    currency         LowCardinality(String),
    tickets_count    UInt32,
    gross_amount     Decimal(18, 2),
    refunded_amount  Decimal(18, 2),
    utm_source       LowCardinality(String),
    utm_medium       LowCardinality(String),
    utm_campaign     String,
    utm_content      String,
    utm_term         String,
    _version         UInt64,
    _loaded_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    _run_id          UUID,
    CONSTRAINT state_vocabulary CHECK state IN ('paid', 'pending', 'cancelled', 'refunded', 'partially_refunded'),
    CONSTRAINT run_id_set CHECK NOT empty(_run_id)
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY order_id
