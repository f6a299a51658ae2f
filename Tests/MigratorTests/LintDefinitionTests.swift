import Migrator
import Testing

@Suite("The linter keeps definitions re-runnable and single")
struct LintDefinitionTests {
    static let rerun =
        "this CREATE fails with 'already exists' when the migration is run again after a later statement failed (ClickHouse DDL is not transactional);"

    @Test("a CREATE that cannot run twice is warned about, in up and down files")
    func nonIdempotentCreates() throws {
        let up = """
            CREATE DATABASE meta;
            CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a;
            CREATE VIEW v AS SELECT a FROM t;
            CREATE MATERIALIZED VIEW mv TO t2 AS SELECT a FROM t;
            CREATE TEMPORARY TABLE scratch (a UInt8);
            CREATE OR REPLACE VIEW v2 AS SELECT 1;
            CREATE TABLE IF NOT EXISTS t3 (a UInt8) ENGINE = Memory;
            """
        let down = "DROP VIEW IF EXISTS v2;\nCREATE TABLE old (a UInt8) ENGINE = Memory"
        #expect(
            try LintFixture.findings(LintFixture.files(up: up, down: down)) == [
                "migrations/0001_a.up.sql:1: warning: \(Self.rerun) write CREATE DATABASE IF NOT EXISTS meta [non-idempotent-create]",
                "migrations/0001_a.up.sql:2: warning: \(Self.rerun) write CREATE TABLE IF NOT EXISTS t [non-idempotent-create]",
                "migrations/0001_a.up.sql:3: warning: \(Self.rerun) write CREATE OR REPLACE VIEW v, which also installs a changed definition [non-idempotent-create]",
                "migrations/0001_a.up.sql:4: warning: \(Self.rerun) write CREATE MATERIALIZED VIEW IF NOT EXISTS mv [non-idempotent-create]",
                "migrations/0001_a.down.sql:2: warning: \(Self.rerun) write CREATE TABLE IF NOT EXISTS old [non-idempotent-create]",
            ])
    }

    @Test("a view defined in two migrations is warned about, naming both")
    func duplicateView() throws {
        var files = LintFixture.files(2, up: "CREATE VIEW IF NOT EXISTS v_sales_latest AS SELECT * FROM fact_sales")
        files.merge(
            LintFixture.files(
                7, up: "SELECT 1;\nCREATE VIEW IF NOT EXISTS v_sales_latest AS SELECT * FROM stg_sales FINAL")
        ) { $1 }
        #expect(
            try LintFixture.findings(files) == [
                "migrations/0007_a.up.sql:2: warning: v_sales_latest is already created at migrations/0002_a.up.sql:1 and not dropped since; this IF NOT EXISTS definition is silently skipped wherever that one ran, so environments end up with different definitions. Write CREATE OR REPLACE VIEW v_sales_latest to change the view, or drop it first [duplicate-definition]"
            ])
    }

    @Test("a table created twice fails on the second CREATE")
    func duplicateTable() throws {
        var files = LintFixture.files(1, up: "CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory")
        files.merge(
            LintFixture.files(
                2,
                up:
                    "CREATE TABLE IF NOT EXISTS t (a UInt8, b UInt8) ENGINE = Memory;\nCREATE TABLE IF NOT EXISTS u (a UInt8) ENGINE = Memory;\nCREATE TABLE IF NOT EXISTS u (a UInt8) ENGINE = Memory"
            )
        ) { $1 }
        #expect(
            try LintFixture.findings(files) == [
                "migrations/0002_a.up.sql:1: warning: t is already created at migrations/0001_a.up.sql:1 and not dropped since; this IF NOT EXISTS definition is silently skipped wherever that one ran, so environments end up with different definitions. Change t with ALTER, or drop it first [duplicate-definition]"
            ])
    }

    @Test(
        "a deliberate redefinition is not a duplicate",
        arguments: [
            "CREATE OR REPLACE VIEW v AS SELECT 2",
            "DROP VIEW IF EXISTS v;\nCREATE VIEW IF NOT EXISTS v AS SELECT 2",
            "RENAME TABLE v TO v_old;\nCREATE VIEW IF NOT EXISTS v AS SELECT 2",
        ]
    )
    func deliberateRedefinition(_ second: String) throws {
        var files = LintFixture.files(1, up: "CREATE VIEW IF NOT EXISTS v AS SELECT 1")
        files.merge(LintFixture.files(2, up: second)) { $1 }
        #expect(try LintFixture.findings(files) == [])
    }

    @Test("lists every view query with its file, statement and line, for EXPLAIN AST on a server")
    func viewQueries() throws {
        var files = LintFixture.files(
            1,
            up:
                "CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory;\nCREATE MATERIALIZED VIEW IF NOT EXISTS mv TO t2\nAS\nSELECT a FROM t",
            down: "DROP VIEW IF EXISTS mv;\nDROP TABLE IF EXISTS t"
        )
        files.merge(
            LintFixture.files(
                2, up: "CREATE OR REPLACE VIEW v AS SELECT a FROM t WHERE",
                down: "CREATE OR REPLACE VIEW v AS SELECT 1 AS a")
        ) { $1 }
        let queries = MigrationLinter().viewQueries(in: try MigrationSet(files: files).migrations)
        #expect(
            queries == [
                ViewQuery(
                    migration: 1, file: "migrations/0001_a.up.sql", statementIndex: 1, view: ObjectName(name: "mv"),
                    isMaterialized: true, select: "SELECT a FROM t", line: 4),
                ViewQuery(
                    migration: 2, file: "migrations/0002_a.up.sql", statementIndex: 0, view: ObjectName(name: "v"),
                    isMaterialized: false, select: "SELECT a FROM t WHERE", line: 1),
                ViewQuery(
                    migration: 2, file: "migrations/0002_a.down.sql", statementIndex: 0, view: ObjectName(name: "v"),
                    isMaterialized: false, select: "SELECT 1 AS a", line: 1),
            ])
    }
}
