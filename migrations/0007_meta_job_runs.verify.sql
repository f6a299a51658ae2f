-- Verify 0007_meta_job_runs: every statement returns one row with 1 when the migration is in place.

-- meta_job_runs: exists, engine with its version column, sorting (dedup) key, partitioning and constraints.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'meta_job_runs'
  AND engine = 'ReplacingMergeTree'
  AND startsWith(engine_full, 'ReplacingMergeTree(_version) ')
  AND sorting_key = 'job, started_at, run_id'
  AND partition_key = 'toYYYYMM(started_at)'
  AND position(create_table_query, 'CONSTRAINT status_vocabulary CHECK') > 0
  AND position(create_table_query, 'CONSTRAINT finished_unless_running CHECK') > 0;

-- meta_job_runs: exactly these columns and types, nothing missing, nothing extra.
SELECT arraySort(groupArray((name, type))) = arraySort([
    ('run_id', 'UUID'),
    ('job', 'LowCardinality(String)'),
    ('started_at', 'DateTime64(3, ''UTC'')'),
    ('finished_at', 'Nullable(DateTime64(3, ''UTC''))'),
    ('status', 'LowCardinality(String)'),
    ('window_start', 'Nullable(DateTime64(3, ''UTC''))'),
    ('window_end', 'Nullable(DateTime64(3, ''UTC''))'),
    ('rows_orders', 'UInt64'),
    ('rows_tickets', 'UInt64'),
    ('rows_events', 'UInt64'),
    ('rows_shows', 'UInt64'),
    ('rows_inventory', 'UInt64'),
    ('api_requests', 'UInt32'),
    ('retries', 'UInt32'),
    ('error', 'String'),
    ('release_id', 'LowCardinality(String)'),
    ('_version', 'UInt64')
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'meta_job_runs';

-- v_job_runs_latest: exists as a view that runs with the definer rights.
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_job_runs_latest'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0;

-- v_job_runs_latest: selectable (every table and column it names exists).
SELECT count() >= 0 FROM (SELECT * FROM v_job_runs_latest LIMIT 0);

-- v_job_runs_latest: exactly these column names (what dashboards and checks select). Types are not pinned for
-- views: they are inferred from the query and may differ slightly between server versions.
SELECT arraySort(groupArray(name)) = arraySort([
    'job',
    'last_run_id',
    'last_started_at',
    'last_status',
    'last_finished_at',
    'last_error',
    'last_ok_finished_at',
    'ok_runs',
    'error_runs',
    'running_runs'
])
FROM system.columns
WHERE database = currentDatabase() AND table = 'v_job_runs_latest'
