import Migrator
import Testing

/// An up file statement and what it loses.
struct DestructiveCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var effect: String

    var testDescription: String { sql }
}

@Suite("The linter stops destructive statements nobody signed off")
struct LintTests {
    static let allow =
        "'-- deployctl:allow-destructive <why the data may go>' on the line before the statement [destructive-statement]"

    static let destructive: [DestructiveCase] = [
        DestructiveCase(
            sql: "DROP TABLE IF EXISTS stg_orders",
            effect: "DROP TABLE stg_orders deletes the table and every row in it"),
        DestructiveCase(
            sql: "DROP TABLE a, b",
            effect:
                "DROP TABLE a deletes the table and every row in it; DROP TABLE b deletes the table and every row in it"
        ),
        DestructiveCase(
            sql: "DROP DATABASE zakaz_test", effect: "DROP DATABASE zakaz_test deletes every table in it with its rows"),
        DestructiveCase(
            sql: "TRUNCATE TABLE stg_orders", effect: "TRUNCATE stg_orders deletes every row of stg_orders"),
        DestructiveCase(
            sql: "TRUNCATE ALL TABLES FROM zakaz", effect: "TRUNCATE deletes every row of every table in the database"),
        DestructiveCase(
            sql: "ALTER TABLE t DROP COLUMN utm_term",
            effect: "ALTER TABLE t DROP COLUMN utm_term deletes the values of column utm_term"),
        DestructiveCase(
            sql: "ALTER TABLE t CLEAR COLUMN utm_term IN PARTITION 202401",
            effect: "ALTER TABLE t CLEAR COLUMN utm_term resets the values of column utm_term"),
        DestructiveCase(sql: "ALTER TABLE t DELETE WHERE revenue < 0", effect: "ALTER TABLE t DELETE deletes rows"),
        DestructiveCase(
            sql: "ALTER TABLE t UPDATE city = lower(city) WHERE 1", effect: "ALTER TABLE t UPDATE overwrites values"),
        DestructiveCase(
            sql: "ALTER TABLE t DROP PARTITION 202401",
            effect: "ALTER TABLE t DROP PARTITION deletes the partition's rows"),
        DestructiveCase(
            sql: "ALTER TABLE t DROP DETACHED PARTITION 202401 SETTINGS allow_drop_detached = 1",
            effect: "ALTER TABLE t DROP DETACHED PARTITION deletes detached parts from disk for good"),
        DestructiveCase(
            sql: "ALTER TABLE t REPLACE PARTITION 202401 FROM t_fixed",
            effect: "ALTER TABLE t REPLACE PARTITION replaces the partition's rows with another table's"),
        DestructiveCase(
            sql: "ALTER TABLE t ADD COLUMN x UInt8, DROP COLUMN y",
            effect: "ALTER TABLE t DROP COLUMN y deletes the values of column y"),
        DestructiveCase(
            sql: "DELETE FROM stg_orders WHERE sale_ts < '2024-01-01'", effect: "DELETE FROM stg_orders deletes rows"),
        DestructiveCase(
            sql: "CREATE OR REPLACE TABLE dim_events (id String) ENGINE = ReplacingMergeTree ORDER BY id",
            effect:
                "CREATE OR REPLACE TABLE dim_events swaps an existing dim_events for an empty table, deleting its rows"),
        DestructiveCase(
            sql: "REPLACE TABLE dim_events (id String) ENGINE = ReplacingMergeTree ORDER BY id",
            effect:
                "CREATE OR REPLACE TABLE dim_events swaps an existing dim_events for an empty table, deleting its rows"),
    ]

    @Test("catches each destructive statement in an up file", arguments: destructive)
    func catchesDestructive(_ example: DestructiveCase) throws {
        let findings = try LintFixture.findings(LintFixture.files(up: "SELECT 1;\n\n" + example.sql))
        #expect(
            findings == [
                "migrations/0001_a.up.sql:3: error: \(example.effect). If that is intended, write \(Self.allow)"
            ])
    }

    @Test(
        "lets statements that lose no data pass",
        arguments: [
            "DROP VIEW IF EXISTS v_sales_latest",
            "DROP TABLE IF EMPTY stg_unused",
            "ALTER TABLE t DETACH PARTITION 202401",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x UInt8, MODIFY COLUMN y UInt64, DROP INDEX IF EXISTS idx, RENAME COLUMN a TO b",
            "ALTER TABLE t MATERIALIZE PROJECTION p",
            "INSERT INTO t SELECT * FROM s",
            "SELECT 'DROP TABLE t'",
        ]
    )
    func passesHarmless(_ sql: String) throws {
        #expect(try LintFixture.findings(LintFixture.files(up: sql)) == [])
    }

    @Test("a DROP VIEW loses rows only for a materialized view that stores them itself")
    func dropMaterializedView() throws {
        var files = LintFixture.files(
            1,
            up:
                "CREATE MATERIALIZED VIEW IF NOT EXISTS mv_inner ENGINE = SummingMergeTree ORDER BY k AS SELECT k, count() AS c FROM t GROUP BY k;\nCREATE MATERIALIZED VIEW IF NOT EXISTS mv_to TO fact AS SELECT * FROM t"
        )
        files.merge(LintFixture.files(2, up: "DROP VIEW mv_to;\nDROP VIEW mv_inner")) { $1 }
        #expect(
            try LintFixture.findings(files) == [
                "migrations/0002_a.up.sql:2: error: DROP VIEW mv_inner deletes materialized view mv_inner together with the rows of its inner table (it was created without TO at migrations/0001_a.up.sql:1). If that is intended, write \(Self.allow)"
            ])
    }

    @Test("allow-destructive with a reason lets the statement pass")
    func honoursAnnotation() throws {
        let up = """
            -- deployctl:allow-destructive stg_sales was replaced by fact_sales in 0004
            DROP TABLE stg_sales;
            -- the old rows were exported first
            -- deployctl:allow-destructive negative revenue rows are test orders
            ALTER TABLE fact_sales DELETE WHERE revenue < 0;
            """
        #expect(try LintFixture.findings(LintFixture.files(up: up)) == [])
    }

    @Test("allow-destructive without a reason allows nothing")
    func rejectsMissingReason() throws {
        #expect(
            try LintFixture.findings(LintFixture.files(up: "-- deployctl:allow-destructive\nDROP TABLE stg_sales")) == [
                "migrations/0001_a.up.sql:1: error: '-- deployctl:allow-destructive' gives no reason, so it does not allow what the statement on line 2 does: DROP TABLE stg_sales deletes the table and every row in it. Write why the data may go after the directive, on the same line [directive-without-reason]"
            ])
    }

    @Test("allow-destructive before a harmless statement is flagged, so it cannot cover one later")
    func flagsUnneededAnnotation() throws {
        #expect(
            try LintFixture.findings(
                LintFixture.files(up: "-- deployctl:allow-destructive just in case\nALTER TABLE t ADD COLUMN x UInt8"))
                == [
                    "migrations/0001_a.up.sql:1: warning: '-- deployctl:allow-destructive' stands before a statement that deletes no data, so it allows nothing; remove it [unneeded-directive]"
                ])
    }

    @Test("allow-destructive before dropping a view no migration created is left alone, since it may hold rows")
    func keepsAnnotationOnUnknownView() throws {
        #expect(
            try LintFixture.findings(
                LintFixture.files(
                    up: "-- deployctl:allow-destructive mv_daily from bootstrap stored its own rows\nDROP VIEW mv_daily"
                )) == [])
    }

    @Test("dropping a table and creating it again is the seed's disaster, an error")
    func catchesDropAndRecreate() throws {
        let up = """
            DROP TABLE IF EXISTS stg_qtickets_api_orders_raw;
            CREATE TABLE IF NOT EXISTS stg_qtickets_api_orders_raw (order_id String, _ver UInt64)
            ENGINE = ReplacingMergeTree(_ver) ORDER BY order_id;
            """
        #expect(
            try LintFixture.findings(LintFixture.files(up: up)) == [
                "migrations/0001_a.up.sql:1: error: stg_qtickets_api_orders_raw is dropped here and created again on line 2, so every row it held is lost wherever this migration runs. To change its structure use ALTER TABLE; to rebuild it, create stg_qtickets_api_orders_raw_new, copy the rows with INSERT INTO stg_qtickets_api_orders_raw_new SELECT … FROM stg_qtickets_api_orders_raw, then EXCHANGE TABLES stg_qtickets_api_orders_raw AND stg_qtickets_api_orders_raw_new. If the rows really may go, write '-- deployctl:allow-destructive <why>' on the line before the DROP [drop-and-recreate]"
            ])
    }

    @Test("an annotated drop and re-create passes with a warning that the rows are lost")
    func warnsAnnotatedDropAndRecreate() throws {
        let up =
            "-- deployctl:allow-destructive staging only holds a day of rows, reloaded by the next run\nDROP TABLE stg;\nCREATE TABLE IF NOT EXISTS stg (a UInt8) ENGINE = MergeTree ORDER BY a;"
        #expect(
            try LintFixture.findings(LintFixture.files(up: up)) == [
                "migrations/0001_a.up.sql:2: warning: stg is dropped here and created again on line 3; '-- deployctl:allow-destructive' on line 1 allows it (staging only holds a day of rows, reloaded by the next run), but every row stg held is lost wherever this migration runs [drop-and-recreate]"
            ])
    }

    @Test("redefining a plain view by drop and create loses nothing")
    func viewRedefinitionPasses() throws {
        let up = "DROP VIEW IF EXISTS v_sales_latest;\nCREATE VIEW IF NOT EXISTS v_sales_latest AS SELECT 1 AS x;"
        #expect(try LintFixture.findings(LintFixture.files(up: up)) == [])
    }

    @Test("down files may drop what their up file created")
    func downDropsWhatUpCreated() throws {
        let up =
            "CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = MergeTree ORDER BY a;\nALTER TABLE s ADD COLUMN IF NOT EXISTS utm_term String;\nRENAME TABLE old TO new;"
        let down = "ALTER TABLE s DROP COLUMN IF EXISTS utm_term;\nDROP TABLE IF EXISTS t;\nDROP TABLE new;"
        #expect(try LintFixture.findings(LintFixture.files(up: up, down: down)) == [])
    }

    @Test("a down file that drops what its up file never made is warned about")
    func downDropsUncreated() throws {
        let up =
            "CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = MergeTree ORDER BY a;\nALTER TABLE s ADD COLUMN IF NOT EXISTS utm_term String;"
        let down =
            "DROP TABLE IF EXISTS t;\nDROP TABLE IF EXISTS fact_sales;\nALTER TABLE s DROP COLUMN utm_term, DROP COLUMN utm_source;\n-- deployctl:allow-destructive rollback\nDROP VIEW v;"
        #expect(
            try LintFixture.findings(LintFixture.files(up: up, down: down)) == [
                "migrations/0001_a.down.sql:2: warning: this down file drops fact_sales, which migrations/0001_a.up.sql never creates, so rolling back deletes an object the migration did not make; drop only what the up file creates [down-drops-uncreated]",
                "migrations/0001_a.down.sql:3: warning: this down file drops column utm_source of s, which migrations/0001_a.up.sql never adds, so rolling back deletes something the migration did not make; drop only what the up file adds [down-drops-uncreated]",
                "migrations/0001_a.down.sql:4: warning: down files are not checked for destructive statements, since undoing a migration means dropping what it made, so '-- deployctl:allow-destructive' allows nothing here; remove it [unneeded-directive]",
                "migrations/0001_a.down.sql:5: warning: this down file drops v, which migrations/0001_a.up.sql never creates, so rolling back deletes an object the migration did not make; drop only what the up file creates [down-drops-uncreated]",
            ])
    }

    @Test("verify queries must only read")
    func verifyReadsOnly() throws {
        let files = LintFixture.files(
            up: "ALTER TABLE t ADD COLUMN x UInt8",
            verify:
                "SELECT count() > 0 FROM system.columns WHERE name = 'x';\nEXISTS TABLE t;\nINSERT INTO t (x) VALUES (1)"
        )
        #expect(
            try LintFixture.findings(files) == [
                "migrations/0001_a.verify.sql:3: error: verify queries must only read (SELECT, WITH, EXISTS, CHECK …), but this one changes the database each time the migration is verified; move it to the up file and verify its effect with a SELECT that returns 1 [verify-not-read-only]"
            ])
    }

    @Test("objects named with a database are warned about")
    func qualifiedNames() throws {
        #expect(
            try LintFixture.findings(LintFixture.files(up: "INSERT INTO zakaz.dim_events SELECT * FROM meta.etl_runs"))
                == [
                    "migrations/0001_a.up.sql:1: warning: zakaz.dim_events names database zakaz, but migrations name objects without one because the migrator picks the database per environment; write dim_events [qualified-name]"
                ])
    }

    @Test("findings carry severity, rule, file and line, in line order")
    func findingFields() throws {
        let set = try MigrationSet(
            files: LintFixture.files(up: "CREATE TABLE t (a UInt8) ENGINE = Memory;\nTRUNCATE t"))
        let findings = MigrationLinter().lint(set.migrations)
        #expect(findings.map(\.severity) == [.warning, .error])
        #expect(findings.map(\.rule) == [.nonIdempotentCreate, .destructiveStatement])
        #expect(findings.map(\.file) == ["migrations/0001_a.up.sql", "migrations/0001_a.up.sql"])
        #expect(findings.map(\.line) == [1, 2])
    }
}
