-- Undo 0008: the view as 0007 created it.
CREATE OR REPLACE VIEW v_job_runs_latest
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT
    job,
    argMax(run_id, started_at) AS last_run_id,
    max(started_at) AS last_started_at,
    argMax(status, started_at) AS last_status,
    argMax(finished_at, started_at) AS last_finished_at,
    argMax(error, started_at) AS last_error,
    maxIf(finished_at, status = 'ok') AS last_ok_finished_at,
    countIf(status = 'ok') AS ok_runs,
    countIf(status = 'error') AS error_runs,
    countIf(status = 'running') AS running_runs
FROM meta_job_runs FINAL
GROUP BY job
