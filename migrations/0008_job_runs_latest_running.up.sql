-- 0008 v_job_runs_latest: last_finished_at is NULL while the newest run is still running.
--
-- argMax skips NULL values, so 0007's argMax(finished_at, started_at) answered the previous run's
-- finish time while the newest run was still running (finished_at NULL): a stuck run looked
-- finished. Wrapping the value in a tuple keeps the NULL (a tuple is never NULL), and .1 takes it
-- back out. Nothing else changes: the same columns, the same definer rights.
CREATE OR REPLACE VIEW v_job_runs_latest
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    job,
    argMax(run_id, started_at) AS last_run_id,
    max(started_at) AS last_started_at,
    argMax(status, started_at) AS last_status,
    argMax(tuple(finished_at), started_at).1 AS last_finished_at,
    argMax(error, started_at) AS last_error,
    maxIf(finished_at, status = 'ok') AS last_ok_finished_at,
    countIf(status = 'ok') AS ok_runs,
    countIf(status = 'error') AS error_runs,
    countIf(status = 'running') AS running_runs
FROM meta_job_runs FINAL
GROUP BY job
