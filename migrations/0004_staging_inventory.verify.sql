-- Verify 0004_staging_inventory: every statement returns one row with 1 when the migration is in place.

-- stg_qtickets_inventory: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'stg_qtickets_inventory'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree PARTITION BY ')
  AND sorting_key = 'show_id, snapshot_at'
  AND partition_key = 'toYYYYMM(snapshot_at)'
  AND position(create_table_query, 'CONSTRAINT run_id_set CHECK') > 0;

-- stg_qtickets_inventory: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('show_id', 'UInt64'),
    ('event_id', 'UInt64'),
    ('snapshot_at', 'DateTime64(3, ''UTC'')'),
    ('seats_total', 'UInt32'),
    ('seats_sold', 'UInt32'),
    ('seats_reserved', 'UInt32'),
    ('seats_free', 'UInt32'),
    ('_loaded_at', 'DateTime64(3, ''UTC'')'),
    ('_run_id', 'UUID')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'stg_qtickets_inventory'
