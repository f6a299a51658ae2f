import Migrator
import Testing

@Suite("In cluster mode every schema change runs ON CLUSTER and MergeTree tables replicate")
struct LintClusterTests {
    static let onCluster =
        "on cluster main every schema change must run ON CLUSTER, or it changes only the server it is sent to; add ON CLUSTER main after the object's name [missing-on-cluster]"

    @Test("schema changes without ON CLUSTER are errors; data statements need none")
    func requiresOnCluster() throws {
        let up = """
            CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a;
            ALTER TABLE t ADD COLUMN IF NOT EXISTS b UInt8;
            CREATE OR REPLACE VIEW v AS SELECT a FROM t;
            RENAME TABLE x TO y;
            INSERT INTO t SELECT 1, 2;
            SELECT 1;
            """
        #expect(
            try LintFixture.findings(
                LintFixture.files(up: up, down: "DROP VIEW IF EXISTS v ON CLUSTER main"), cluster: "main") == [
                    "migrations/0001_a.up.sql:1: error: \(Self.onCluster)",
                    "migrations/0001_a.up.sql:2: error: \(Self.onCluster)",
                    "migrations/0001_a.up.sql:3: error: \(Self.onCluster)",
                    "migrations/0001_a.up.sql:4: error: \(Self.onCluster)",
                ])
    }

    @Test("the cluster named must be the environment's")
    func requiresTheRightCluster() throws {
        let up = "CREATE TABLE IF NOT EXISTS t ON CLUSTER '{cluster}' (a UInt8) ENGINE = ReplicatedMergeTree ORDER BY a"
        #expect(
            try LintFixture.findings(LintFixture.files(up: up), cluster: "main") == [
                "migrations/0001_a.up.sql:1: error: this statement runs ON CLUSTER {cluster}, but the environment's cluster is main; write ON CLUSTER main [missing-on-cluster]"
            ])
        #expect(try LintFixture.findings(LintFixture.files(up: up), cluster: "{cluster}") == [])
    }

    @Test("a MergeTree table that does not replicate is warned about; other engines are not")
    func warnsNonReplicatedEngines() throws {
        let up = """
            CREATE TABLE IF NOT EXISTS a ON CLUSTER main (x UInt8) ENGINE = ReplacingMergeTree(x) ORDER BY x;
            CREATE TABLE IF NOT EXISTS b ON CLUSTER main (x UInt8) ENGINE = ReplicatedReplacingMergeTree(x) ORDER BY x;
            CREATE TABLE IF NOT EXISTS c ON CLUSTER main (x UInt8) ENGINE = Distributed(main, default, b, rand());
            CREATE TABLE IF NOT EXISTS d ON CLUSTER main (x UInt8) ENGINE = SharedMergeTree ORDER BY x;
            """
        #expect(
            try LintFixture.findings(LintFixture.files(up: up), cluster: "main") == [
                "migrations/0001_a.up.sql:1: warning: a uses ReplacingMergeTree, which keeps a separate copy of the rows on each replica; on a cluster use ReplicatedReplacingMergeTree so that replicas stay in sync (unless the database's engine is Replicated, which replicates it for you) [non-replicated-engine]"
            ])
    }

    @Test("without a cluster, ON CLUSTER is neither required nor checked")
    func singleServer() throws {
        let up =
            "CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = ReplacingMergeTree(x) ORDER BY x;\nALTER TABLE a ON CLUSTER other ADD COLUMN IF NOT EXISTS y UInt8"
        #expect(try LintFixture.findings(LintFixture.files(up: up)) == [])
    }
}
