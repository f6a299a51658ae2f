import Migrator
import Testing

/// A statement and what the classifier must say about it.
struct ClassifierCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var kind: StatementKind
    var onCluster: String?

    init(_ sql: String, _ kind: StatementKind, onCluster: String? = nil) {
        self.sql = sql
        self.kind = kind
        self.onCluster = onCluster
    }

    var testDescription: String { sql }
}

@Suite("The classifier tells a statement's kind from its keywords")
struct SplitterClassifierTests {
    static func name(_ name: String, in database: String? = nil) -> ObjectName {
        ObjectName(database: database, name: name)
    }

    static let cases: [ClassifierCase] = [
        ClassifierCase(
            "CREATE TABLE IF NOT EXISTS stg_orders (id String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY id",
            .createTable(
                CreateTable(
                    name: name("stg_orders"), ifNotExists: true, orReplace: false, isTemporary: false,
                    engine: "ReplacingMergeTree"))
        ),
        ClassifierCase(
            "create or replace table `zakaz`.\"dim events\" engine=Memory",
            .createTable(
                CreateTable(
                    name: name("dim events", in: "zakaz"), ifNotExists: false, orReplace: true, isTemporary: false,
                    engine: "Memory"))
        ),
        ClassifierCase(
            "REPLACE TABLE t ENGINE = MergeTree ORDER BY tuple() AS SELECT 1 AS engine",
            .createTable(
                CreateTable(
                    name: name("t"), ifNotExists: false, orReplace: true, isTemporary: false, engine: "MergeTree"))
        ),
        ClassifierCase(
            "CREATE TEMPORARY TABLE tmp (a UInt8)",
            .createTable(
                CreateTable(name: name("tmp"), ifNotExists: false, orReplace: false, isTemporary: true, engine: nil))
        ),
        ClassifierCase(
            "CREATE TABLE t ON CLUSTER main (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a",
            .createTable(
                CreateTable(
                    name: name("t"), ifNotExists: false, orReplace: false, isTemporary: false,
                    engine: "ReplicatedMergeTree")),
            onCluster: "main"
        ),
        ClassifierCase(
            "CREATE OR REPLACE VIEW v_sales AS SELECT 1 AS x COMMENT 'daily sales'",
            .createView(
                CreateView(
                    name: name("v_sales"), isMaterialized: false, orReplace: true, ifNotExists: false, target: nil,
                    select: "SELECT 1 AS x", selectLine: 1))
        ),
        ClassifierCase(
            "CREATE VIEW IF NOT EXISTS v (x UInt8) AS\n  (SELECT 1 AS x)",
            .createView(
                CreateView(
                    name: name("v"), isMaterialized: false, orReplace: false, ifNotExists: true, target: nil,
                    select: "(SELECT 1 AS x)", selectLine: 2))
        ),
        ClassifierCase(
            "CREATE MATERIALIZED VIEW mv ON CLUSTER '{cluster}' TO fact AS WITH x AS (SELECT 1) SELECT * FROM x",
            .createView(
                CreateView(
                    name: name("mv"), isMaterialized: true, orReplace: false, ifNotExists: false, target: name("fact"),
                    select: "WITH x AS (SELECT 1) SELECT * FROM x", selectLine: 1)),
            onCluster: "{cluster}"
        ),
        ClassifierCase(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS mv ENGINE = SummingMergeTree ORDER BY k AS SELECT k, sum(v) AS v FROM t GROUP BY k",
            .createView(
                CreateView(
                    name: name("mv"), isMaterialized: true, orReplace: false, ifNotExists: true, target: nil,
                    select: "SELECT k, sum(v) AS v FROM t GROUP BY k", selectLine: 1))
        ),
        ClassifierCase(
            "CREATE DATABASE IF NOT EXISTS meta ENGINE = Atomic", .createDatabase(name: name("meta"), ifNotExists: true)
        ),
        ClassifierCase(
            "DROP TABLE IF EXISTS a, meta.b ON CLUSTER main SYNC",
            .dropTable(DropObjects(names: [name("a"), name("b", in: "meta")], ifExists: true, ifEmpty: false)),
            onCluster: "main"
        ),
        ClassifierCase(
            "DROP TABLE IF EMPTY t", .dropTable(DropObjects(names: [name("t")], ifExists: false, ifEmpty: true))),
        ClassifierCase(
            "DROP TEMPORARY TABLE t", .dropTable(DropObjects(names: [name("t")], ifExists: false, ifEmpty: false))),
        ClassifierCase(
            "drop view v_sales", .dropView(DropObjects(names: [name("v_sales")], ifExists: false, ifEmpty: false))),
        ClassifierCase(
            "DROP DATABASE IF EXISTS zakaz_test",
            .dropDatabase(DropObjects(names: [name("zakaz_test")], ifExists: true, ifEmpty: false))),
        ClassifierCase("DROP DICTIONARY d", .other("DROP")),
        ClassifierCase("TRUNCATE TABLE IF EXISTS t", .truncate(name("t"))),
        ClassifierCase("TRUNCATE t", .truncate(name("t"))),
        ClassifierCase("TRUNCATE DATABASE zakaz", .truncate(nil)),
        ClassifierCase(
            "ALTER TABLE t ON CLUSTER c ADD COLUMN IF NOT EXISTS x UInt8 DEFAULT 0, DROP COLUMN y, MODIFY COLUMN z Tuple(a UInt8, b String), RENAME COLUMN p TO q, CLEAR COLUMN w IN PARTITION 2024",
            .alterTable(
                AlterTable(
                    table: name("t"),
                    actions: [
                        .add(.column, name: "x"), .drop(.column, name: "y"), .modifyColumn("z"),
                        .renameColumn(from: "p", to: "q"), .clearColumn("w"),
                    ])),
            onCluster: "c"
        ),
        ClassifierCase(
            "ALTER TABLE t UPDATE a = 1, b = [1, 2] WHERE c IN (1, 2)",
            .alterTable(AlterTable(table: name("t"), actions: [.update]))
        ),
        ClassifierCase(
            "ALTER TABLE t DELETE WHERE x = 1", .alterTable(AlterTable(table: name("t"), actions: [.delete]))),
        ClassifierCase(
            "ALTER TABLE t DROP PARTITION 202401, DROP DETACHED PART 'all_1_1_0', REPLACE PARTITION 1 FROM t2, MODIFY TTL d + INTERVAL 1 DAY",
            .alterTable(
                AlterTable(
                    table: name("t"),
                    actions: [.dropPartition, .dropDetachedPartition, .replacePartition, .other("MODIFY TTL")]))
        ),
        ClassifierCase(
            "ALTER TABLE t DROP INDEX IF EXISTS idx, ADD PROJECTION p (SELECT a ORDER BY b), DETACH PARTITION 1",
            .alterTable(
                AlterTable(
                    table: name("t"),
                    actions: [.drop(.index, name: "idx"), .add(.projection, name: "p"), .other("DETACH PARTITION")]))
        ),
        ClassifierCase("ALTER USER etl_writer DEFAULT ROLE ALL", .other("ALTER")),
        ClassifierCase("DELETE FROM t ON CLUSTER c WHERE x = 1", .delete(name("t")), onCluster: "c"),
        ClassifierCase("INSERT INTO TABLE t (a) VALUES (1)", .insert(name("t"))),
        ClassifierCase("INSERT INTO FUNCTION file('x.csv') SELECT 1", .insert(nil)),
        ClassifierCase("WITH 1 AS x SELECT x", .select),
        ClassifierCase("(SELECT 1) UNION ALL (SELECT 2)", .select),
        ClassifierCase("SELECT * FROM a JOIN b AS cluster ON cluster.id = a.id", .select),
        ClassifierCase(
            "RENAME TABLE a TO b, c TO d ON CLUSTER main",
            .rename([TableRename(from: name("a"), to: name("b")), TableRename(from: name("c"), to: name("d"))]),
            onCluster: "main"
        ),
        ClassifierCase(
            "CREATE DICTIONARY d (id UInt64) PRIMARY KEY id SOURCE(NULL()) LAYOUT(FLAT()) LIFETIME(0)", .other("CREATE")
        ),
        ClassifierCase("system reload dictionaries", .other("SYSTEM")),
        ClassifierCase("EXISTS TABLE t", .other("EXISTS")),
    ]

    @Test("classifies", arguments: cases)
    func classifies(_ example: ClassifierCase) throws {
        let statements = try StatementSplitter.split(example.sql)
        try #require(statements.count == 1)
        #expect(statements[0].kind == example.kind)
        #expect(statements[0].onCluster == example.onCluster)
    }

    @Test("reads keywords after leading comments")
    func readsKeywordsAfterComments() throws {
        let statements = try StatementSplitter.split("-- why\n/* more */ DROP /* inline */ TABLE t")
        #expect(
            statements.map(\.kind) == [
                .dropTable(DropObjects(names: [Self.name("t")], ifExists: false, ifEmpty: false))
            ])
        #expect(statements.map(\.line) == [2])
    }

    @Test("tells schema changes and read-only statements apart")
    func schemaChangesAndReadOnly() throws {
        let kinds = try StatementSplitter.split(
            "CREATE TABLE t (a UInt8); SELECT 1; EXISTS TABLE t; INSERT INTO t VALUES (1); CREATE FUNCTION f AS x -> x"
        ).map(\.kind)
        #expect(kinds.map(\.isSchemaChange) == [true, false, false, false, true])
        #expect(kinds.map(\.isReadOnly) == [false, true, true, false, false])
    }

    @Test("marks the actions that delete or overwrite data")
    func destructiveActions() {
        let destructive: [AlterAction] = [
            .drop(.column, name: "a"), .clearColumn("a"), .dropPartition, .dropDetachedPartition, .replacePartition,
            .delete, .update,
        ]
        let harmless: [AlterAction] = [
            .add(.column, name: "a"), .drop(.index, name: "i"), .drop(.projection, name: "p"), .modifyColumn("a"),
            .renameColumn(from: "a", to: "b"), .other("DETACH PARTITION"),
        ]
        #expect(destructive.map(\.isDestructive) == Array(repeating: true, count: destructive.count))
        #expect(harmless.map(\.isDestructive) == Array(repeating: false, count: harmless.count))
    }
}
