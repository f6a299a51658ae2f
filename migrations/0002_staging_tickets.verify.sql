-- Verify 0002_staging_tickets: every statement returns one row with 1 when the migration is in place.

-- stg_qtickets_tickets: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'stg_qtickets_tickets'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree(_version) ')
  AND sorting_key = 'order_id, ticket_id'
  AND partition_key = ''
  AND position(create_table_query, 'CONSTRAINT refunded_flag_matches CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT deleted_flag_matches CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT run_id_set CHECK') > 0;

-- stg_qtickets_tickets: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('ticket_id', 'UInt64'),
    ('order_id', 'UInt64'),
    ('show_id', 'UInt64'),
    ('seat_id', 'String'),
    ('zone_id', 'LowCardinality(String)'),
    ('seat_name', 'String'),
    ('multiprice_code', 'LowCardinality(String)'),
    ('quantity', 'UInt32'),
    ('original_price', 'Decimal(18, 2)'),
    ('price', 'Decimal(18, 2)'),
    ('refunded_amount', 'Decimal(18, 2)'),
    ('is_refunded', 'Bool'),
    ('refunded_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('is_deleted', 'Bool'),
    ('deleted_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('checked_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('created_at', 'DateTime64(3, ''UTC'')'),
    ('updated_at', 'DateTime64(3, ''UTC'')'),
    ('_version', 'UInt64'),
    ('_loaded_at', 'DateTime64(3, ''UTC'')'),
    ('_run_id', 'UUID')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'stg_qtickets_tickets'
