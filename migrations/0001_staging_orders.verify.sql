-- Verify 0001_staging_orders: every statement returns one row with 1 when the migration is in place.

-- stg_qtickets_orders: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'stg_qtickets_orders'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree(_version) ')
  AND sorting_key = 'order_id'
  AND partition_key = ''
  AND position(create_table_query, 'CONSTRAINT state_vocabulary CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT run_id_set CHECK') > 0;

-- stg_qtickets_orders: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('order_id', 'UInt64'),
    ('event_id', 'UInt64'),
    ('show_id', 'UInt64'),
    ('client_id', 'UInt64'),
    ('site_host', 'LowCardinality(String)'),
    ('promo_code_id', 'Nullable(UInt64)'),
    ('created_at', 'DateTime64(3, ''UTC'')'),
    ('updated_at', 'DateTime64(3, ''UTC'')'),
    ('paid_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('refunded_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('deleted_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('reserved_to', 'Nullable(DateTime64(3, ''UTC''))'),
    ('is_paid', 'Bool'),
    ('state', 'LowCardinality(String)'),
    ('currency', 'LowCardinality(String)'),
    ('tickets_count', 'UInt32'),
    ('gross_amount', 'Decimal(18, 2)'),
    ('refunded_amount', 'Decimal(18, 2)'),
    ('utm_source', 'LowCardinality(String)'),
    ('utm_medium', 'LowCardinality(String)'),
    ('utm_campaign', 'String'),
    ('utm_content', 'String'),
    ('utm_term', 'String'),
    ('_version', 'UInt64'),
    ('_loaded_at', 'DateTime64(3, ''UTC'')'),
    ('_run_id', 'UUID')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'stg_qtickets_orders'
