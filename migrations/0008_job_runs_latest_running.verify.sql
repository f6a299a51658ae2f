-- Verify 0008_job_runs_latest_running: every statement returns one row with 1 when the migration is in place.

-- v_job_runs_latest takes the newest run's finish time even when it is NULL (the tuple form).
SELECT count() = 1
FROM system.tables
WHERE database = currentDatabase() AND name = 'v_job_runs_latest'
  AND engine = 'View'
  AND position(create_table_query, 'SQL SECURITY DEFINER') > 0
  AND position(create_table_query, 'argMax(tuple(finished_at), started_at)') > 0;

-- v_job_runs_latest: selectable, with the columns 0007 promised.
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
