-- 0003 staging events and shows (GET /events, shows are embedded in each event).
--
-- * Both are ReplacingMergeTree(_version) keyed by their id, _version being the fetch time in Unix
--   milliseconds, readers use FINAL. Events are re-read on every run, so the newest name, city and
--   deletion state win.
-- * city is the plain city name (event.city.name). The original stored str() of the city object,
--   lower-cased, in dim_events and an empty string in the sales rows, so every city join missed.
--   Orders carry no city: the fact views take it from here, by event_id.
-- * timezone is event.city.timezone (Asia/Krasnoyarsk for Tomsk and so on). The API renders every
--   instant in +03:00 even for Siberian venues. Instants are stored in UTC, and business dates are
--   Moscow dates (see 0005). The timezone is kept so local wall-clock times can be derived where a
--   report needs them. ClickHouse only converts with a constant zone, so a per-row conversion must be
--   done by the loader or the BI tool, not in these views.
-- * starts_at and ends_at are the first show start and the last show finish of the event, filled by
--   the loader from the embedded shows (events have no dates of their own). NULL when the event has
--   no shows.
-- * Deleted events and shows are kept, flagged: the list endpoints return soft-deleted rows unless
--   filtered, and past sales of a deleted event still count. is_deleted mirrors deleted_at.
CREATE TABLE IF NOT EXISTS stg_qtickets_events
(
    event_id     UInt64,
    name         String,
    city_id      UInt64,
    city         LowCardinality(String),
    timezone     LowCardinality(String),
    place_name   String,
    currency     LowCardinality(String),
    is_active    Bool,
    starts_at    Nullable(DateTime64(3, 'UTC')),
    ends_at      Nullable(DateTime64(3, 'UTC')),
    created_at   DateTime64(3, 'UTC'),
    updated_at   DateTime64(3, 'UTC'),
    is_deleted   Bool,
    deleted_at   Nullable(DateTime64(3, 'UTC')),
    _version     UInt64,
    _loaded_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    _run_id      UUID,
    CONSTRAINT deleted_flag_matches CHECK is_deleted = isNotNull(deleted_at),
    CONSTRAINT run_id_set CHECK NOT empty(_run_id)
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY event_id;

-- A show is one date or session of an event. Its id is the show_id of baskets and of
-- GET /shows/{show_id}/seats. start_at is always set in the real data, the other dates may be NULL.
CREATE TABLE IF NOT EXISTS stg_qtickets_shows
(
    show_id          UInt64,
    event_id         UInt64,
    start_at         DateTime64(3, 'UTC'),
    finish_at        Nullable(DateTime64(3, 'UTC')),
    sale_start_at    Nullable(DateTime64(3, 'UTC')),
    sale_finish_at   Nullable(DateTime64(3, 'UTC')),
    is_active        Bool,
    updated_at       DateTime64(3, 'UTC'),
    is_deleted       Bool,
    deleted_at       Nullable(DateTime64(3, 'UTC')),
    _version         UInt64,
    _loaded_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    _run_id          UUID,
    CONSTRAINT deleted_flag_matches CHECK is_deleted = isNotNull(deleted_at),
    CONSTRAINT run_id_set CHECK NOT empty(_run_id)
)
ENGINE = ReplacingMergeTree(_version)
ORDER BY show_id
