-- Users and grants of the QTickets pipeline for ClickHouse servers with SQL-driven access control
-- (CREATE USER and GRANT stored in the local access directory, the default of the official image and
-- packages). For servers whose users are defined in XML use deploy/clickhouse/users.d/etl_writer.xml
-- instead, never both (docs/clickhouse-access.md explains why mixing them fails).
--
-- Run as an account with access management and the grant option, for example the admin user with
-- access_management = 1, one statement at a time, after the migrations.
--
-- Passwords: the placeholders in double braces are replaced at apply time from the secrets files on
-- the host, they are never committed. For example, with the password in the file
-- /opt/zakaz_dashboard/secrets/ch_writer_password, substitute {{ETL_WRITER_PASSWORD}} in a
-- temporary copy that only the deploy user can read, apply it, and delete the copy. Apply nothing
-- while a placeholder is left: the user would get the placeholder as its password.
-- ClickHouse hides the password in query_log and system tables.
--
-- CREATE USER IF NOT EXISTS never changes an existing user, so running this again is safe, but it
-- also does not rotate a password. To rotate one:
--   ALTER USER etl_writer IDENTIFIED WITH sha256_password BY 'new password'
--
-- Rights are replaced, not appended (WITH REPLACE OPTION), so the users end with exactly these
-- rights even if older scripts granted more.

-- The loader account: writes the staging tables and meta_job_runs, reads meta_job_runs for its
-- backfill guard and the views for its own checks. No DDL, no DROP, and nothing at all on deployctl's
-- own database ([clickhouse] state_database, default deployctl: migration history, locks, audit
-- copy, verification records); `deployctl verify` checks that its inserts there are refused. Reachable from the host itself
-- (the loader unit, the deployctl tunnel) and from Docker bridge networks (a loader container).
CREATE USER IF NOT EXISTS etl_writer
    IDENTIFIED WITH sha256_password BY '{{ETL_WRITER_PASSWORD}}'
    HOST IP '127.0.0.1', IP '::1', IP '172.16.0.0/12';

GRANT INSERT, SELECT ON zakaz.* TO etl_writer WITH REPLACE OPTION;

-- The DataLens account: SELECT on the dashboard views only, never on the staging tables. This works
-- because every view of the schema is SQL SECURITY DEFINER (migrations 0005 to 0007): the view reads
-- its tables with the rights of the account that applied the migration. DataLens connects from the
-- internet, so the host is not restricted here: restrict it to the published DataLens address ranges
-- where the server allows it. Limits as in the original read-only profile: 300 s, about 2 GB.
CREATE USER IF NOT EXISTS datalens_reader
    IDENTIFIED WITH sha256_password BY '{{DATALENS_READER_PASSWORD}}'
    HOST ANY
    SETTINGS max_execution_time = 300, max_memory_usage = 2000000000;

GRANT SELECT ON zakaz.v_sales_latest TO datalens_reader WITH REPLACE OPTION;

GRANT SELECT ON zakaz.v_sales_14d TO datalens_reader;

GRANT SELECT ON zakaz.v_inventory TO datalens_reader;

GRANT SELECT ON zakaz.v_freshness TO datalens_reader;

GRANT SELECT ON zakaz.fact_sales_daily TO datalens_reader;

GRANT SELECT ON zakaz.fact_inventory_latest TO datalens_reader
