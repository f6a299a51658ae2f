-- Undo 0007: drops the summary view, then the run history table.
DROP VIEW IF EXISTS v_job_runs_latest;

DROP TABLE IF EXISTS meta_job_runs
