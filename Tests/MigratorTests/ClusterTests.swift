import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing

@Suite("cluster mode on a real two-replica ClickHouse cluster (Debian's 18.16 + ZooKeeper)", .serialized)
struct ClusterTests {
    static func legacyScript(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Testbed.repository.appendingPathComponent("testbed/clickhouse-legacy.sh").path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestbedUnavailable("clickhouse-legacy.sh \(arguments) failed")
        }
    }

    @Test(
        "history is replicated; a DDL that times out on a stopped replica (159) is reported running and completes once it is back",
        .enabled(if: Testbed.isLocalRun, "stops and starts a replica: runs only on the local testbed"))
    func distributedDDL() async throws {
        let (cluster, replicas) = try ClickHouseServer.legacyCluster()
        let database = "deployctl_c_\(UInt32.random(in: 0..<UInt32.max))"
        let first = ClickHouseClient(endpoint: replicas[0].admin)
        let second = ClickHouseClient(endpoint: replicas[1].admin)
        defer { Task { try? await first.execute("DROP DATABASE IF EXISTS \(database) ON CLUSTER \(cluster)") } }
        let create = MigrationFixture(
            1, "replicated_runs",
            up: "CREATE TABLE IF NOT EXISTS runs ON CLUSTER \(cluster) (id UInt64, status String) "
                + "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/\(database)/runs', '{replica}') ORDER BY id",
            down: "DROP TABLE IF EXISTS runs ON CLUSTER \(cluster)")
        let alter = MigrationFixture(
            2, "run_errors",
            up: "CREATE TABLE IF NOT EXISTS run_errors ON CLUSTER \(cluster) (id UInt64, message String) "
                + "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/\(database)/run_errors', '{replica}') ORDER BY id",
            down: "DROP TABLE IF EXISTS run_errors ON CLUSTER \(cluster)")
        let tables = TrackingTables(database: database, cluster: cluster)
        let messages = LineLog()
        let options = Migrator<ClickHouseClient>.Options(
            actor: "cluster@test", distributedDDLTimeout: 3, progress: { messages.add($0) })

        try await Migrator(
            client: first, migrations: try MigrationFixture.build([create]), tables: tables, options: options
        ).up()
        #expect(
            try await eventually {
                try await second.value("SELECT count() FROM \(database).deployctl_migrations WHERE kind = 'applied'")
                    == "1"
            })
        #expect(try await second.value("EXISTS TABLE \(database).runs") == "1")

        try Self.legacyScript("stop-replica", "2")
        // The replica comes back once the migrator has said the DDL is still running (its 3 s timeout passed).
        let restart = Task {
            let reported = try await eventually { messages.all.contains { $0.contains("still running") } }
            try Self.legacyScript("start-replica", "2")
            return reported
        }
        let steps = try await Migrator(
            client: first, migrations: try MigrationFixture.build([create, alter]), tables: tables, options: options
        ).up()
        #expect(try await restart.value, "the migrator said the DDL is still running before the replica came back")
        #expect(steps.map(\.version) == [2])
        let columns = try await second.rows(
            "SELECT name FROM system.columns WHERE database = '\(database)' AND table = 'run_errors' ORDER BY name")
        #expect(columns.compactMap(\.first) == ["id", "message"])
        #expect(
            try await eventually {
                try await second.value("SELECT count() FROM \(database).deployctl_migrations WHERE kind = 'applied'")
                    == "2"
            })
    }
}
