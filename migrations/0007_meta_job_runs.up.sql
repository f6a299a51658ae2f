-- 0007 meta_job_runs: one row per run of a pipeline job, and a per-job summary view.
--
-- Status vocabulary, the only three words (the CHECK rejects anything else, the healthcheck and the
-- E2E verification read the same words, no success or failed):
--   running  written when the run starts, finished_at NULL
--   ok       the run finished and every insert succeeded
--   error    the run stopped on an error, text in error, counts hold what was written before it
-- The loader writes the running row first and the final row (ok or error) with the same run_id,
-- job and started_at and a larger _version (write time in Unix milliseconds). ReplacingMergeTree
-- keeps the final row, readers use FINAL or v_job_runs_latest. A run killed before it could write
-- its final row stays running. A running row older than the unit timeout therefore means a crash.
--
-- ORDER BY (job, started_at) as the access pattern asks, with run_id appended so that two runs that
-- start in the same millisecond are never collapsed into one.
--
-- The backfill guard (first run loads a long history) must count finished runs only:
--   SELECT count() FROM meta_job_runs FINAL WHERE job = {job} AND status = 'ok'
-- The original counted error rows too, and etl_writer could not SELECT this table, so the backfill
-- could silently never happen. etl_writer now has SELECT on the database (docs/clickhouse-access.md).
--
-- Row counts per entity are the rows inserted by the run (not distinct after deduplication).
-- api_requests counts HTTP requests sent, retries counts the repeated ones among them. release_id is
-- the deployctl release that ran the job, so a bad release can be traced to its runs.
CREATE TABLE IF NOT EXISTS meta_job_runs
(
    run_id          UUID,
    job             LowCardinality(String),
    started_at      DateTime64(3, 'UTC'),
    finished_at     Nullable(DateTime64(3, 'UTC')),
    status          LowCardinality(String),
    window_start    Nullable(DateTime64(3, 'UTC')),
    window_end      Nullable(DateTime64(3, 'UTC')),
    rows_orders     UInt64 DEFAULT 0,
    rows_tickets    UInt64 DEFAULT 0,
    rows_events     UInt64 DEFAULT 0,
    rows_shows      UInt64 DEFAULT 0,
    rows_inventory  UInt64 DEFAULT 0,
    api_requests    UInt32 DEFAULT 0,
    retries         UInt32 DEFAULT 0,
    error           String DEFAULT '',
    release_id      LowCardinality(String) DEFAULT '',
    _version        UInt64,
    CONSTRAINT status_vocabulary CHECK status IN ('running', 'ok', 'error'),
    CONSTRAINT finished_unless_running CHECK (status = 'running') = isNull(finished_at)
)
ENGINE = ReplacingMergeTree(_version)
PARTITION BY toYYYYMM(started_at)
ORDER BY (job, started_at, run_id);

-- One row per job: the newest run (by start time) and its status, the end of the newest ok run and
-- counts per status. last_ok_finished_at is NULL while no run has succeeded.
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
