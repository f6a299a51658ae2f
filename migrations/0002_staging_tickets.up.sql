-- 0002 staging tickets: one row per version of a basket (ticket) of an order.
--
-- * Written together with its order, from the same API response and with the same _version (fetch
--   time in Unix milliseconds), so a re-delivered order replaces its baskets too. A basket never
--   disappears from an order: cancelling sets deleted_at, refunding sets refunded_at, so the newest
--   version of every basket is always present.
-- * Dedup key (order_id, ticket_id), ReplacingMergeTree(_version), readers use FINAL.
-- * Flags and timestamps both: is_refunded is refunded_at IS NOT NULL (refunded_amount is 0, not
--   NULL, on merely cancelled tickets, so the amount cannot tell), is_deleted is deleted_at IS NOT
--   NULL. The constraints keep flag and timestamp consistent.
-- * price is the basket price after discount as the API sends it. order.price equals the sum of
--   baskets price in the real data and quantity was always 1, so price is the line amount: revenue is
--   the sum of price, never price times quantity.
-- * seat_id is the API seat id, zone then a dash then row and place separated by a semicolon.
--   zone_id is the part before the last dash (general-admission seats use row 1, place 1).
--   seat_name is the human-readable seat or category label. None of this is personal data. The
--   ticket-holder fields (client_email, client_phone, client_name, inn and so on) and the barcode are
--   deliberately not stored.
-- * The event is not repeated here: it is the order event_id (one event per order).
CREATE TABLE IF NOT EXISTS stg_qtickets_tickets
(
    ticket_id        UInt64,
    order_id         UInt64,
    show_id          UInt64,
    seat_id          String,
    zone_id          LowCardinality(String),
    seat_name        String,
    multiprice_code  LowCardinality(String),
    quantity         UInt32,
    original_price   Decimal(18, 2),
    price            Decimal(18, 2),
    refunded_amount  Decimal(18, 2),
    is_refunded      Bool,
    refunded_at      Nullable(DateTime64(3, 'UTC')),
    is_deleted       Bool,
    deleted_at       Nullable(DateTime64(3, 'UTC')),
    checked_at       Nullable(DateTime64(3, 'UTC')),
    created_at       DateTime64(3, 'UTC'),
    updated_at       DateTime64(3, 'UTC'),
    _version         UInt64,
    _loaded_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    _run_id          UUID,
    CONSTRAINT refunded_flag_matches CHECK is_refunded = isNotNull(refunded_at),
    CONSTRAINT deleted_flag_matches CHECK is_deleted = isNotNull(deleted_at),
    CONSTRAINT run_id_set CHECK NOT empty(_run_id)
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY (order_id, ticket_id)
