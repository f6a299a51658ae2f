-- Verify 0003_staging_events_shows: every statement returns one row with 1 when the migration is in place.

-- stg_qtickets_events: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'stg_qtickets_events'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree(_version) ')
  AND sorting_key = 'event_id'
  AND partition_key = ''
  AND position(create_table_query, 'CONSTRAINT deleted_flag_matches CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT run_id_set CHECK') > 0;

-- stg_qtickets_events: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('event_id', 'UInt64'),
    ('name', 'String'),
    ('city_id', 'UInt64'),
    ('city', 'LowCardinality(String)'),
    ('timezone', 'LowCardinality(String)'),
    ('place_name', 'String'),
    ('currency', 'LowCardinality(String)'),
    ('is_active', 'Bool'),
    ('starts_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('ends_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('created_at', 'DateTime64(3, ''UTC'')'),
    ('updated_at', 'DateTime64(3, ''UTC'')'),
    ('is_deleted', 'Bool'),
    ('deleted_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('_version', 'UInt64'),
    ('_loaded_at', 'DateTime64(3, ''UTC'')'),
    ('_run_id', 'UUID')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'stg_qtickets_events';

-- stg_qtickets_shows: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'stg_qtickets_shows'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree(_version) ')
  AND sorting_key = 'show_id'
  AND partition_key = ''
  AND position(create_table_query, 'CONSTRAINT deleted_flag_matches CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT run_id_set CHECK') > 0;

-- stg_qtickets_shows: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('show_id', 'UInt64'),
    ('event_id', 'UInt64'),
    ('start_at', 'DateTime64(3, ''UTC'')'),
    ('finish_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('sale_start_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('sale_finish_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('is_active', 'Bool'),
    ('updated_at', 'DateTime64(3, ''UTC'')'),
    ('is_deleted', 'Bool'),
    ('deleted_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('_version', 'UInt64'),
    ('_loaded_at', 'DateTime64(3, ''UTC'')'),
    ('_run_id', 'UUID')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'stg_qtickets_shows'
