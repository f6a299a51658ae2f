-- Guards: the loader job {job:String} (the env file's JOB_NAME, qtickets_api by default) finished a
-- successful run within the last {max_lag_minutes:UInt32} minutes (query parameters: send param_job
-- and param_max_lag_minutes, e.g. 45 for the 15-minute timer). A job that never succeeded is a violation.
-- Why: a timer that fires every 15 hours instead of 15 minutes (the original's */15:00:00), a unit
-- that fails every run, or a loader that never got its first run all look fine from the tables'
-- point of view. Only successful runs count: the original counted error rows as activity. The age
-- is computed by the server (now64), never against a workstation clock.
-- Contract: one row, violations UInt64 (0 = pass), sample String.
SELECT
    toUInt64(age_seconds IS NULL OR assumeNotNull(age_seconds) > {max_lag_minutes:UInt32} * 60) AS violations,
    multiIf(
        age_seconds IS NULL, concat({job:String}, ': no successful run recorded'),
        violations = 1, concat({job:String}, ': last successful run finished ', toString(assumeNotNull(last_ok_finished_at)), ' UTC, ',
                               toString(intDiv(assumeNotNull(age_seconds), 60)), ' min ago (limit ', toString({max_lag_minutes:UInt32}), ' min)'),
        '') AS sample
FROM
(
    SELECT
        maxIf(finished_at, status = 'ok') AS last_ok_finished_at,
        dateDiff('second', last_ok_finished_at, now64(3)) AS age_seconds
    FROM meta_job_runs FINAL
    WHERE job = {job:String}
)
