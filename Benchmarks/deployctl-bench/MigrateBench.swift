import ClickHouse
import Foundation
import Migrator
import SSH
import Testbed

/// `migrate up` through the SSH tunnel against the same SQL (up statements and verify queries) sent one by one with curl
/// through OpenSSH's `ssh -L`, and `migrate status` over a long history.
struct MigrateBench {
    let testbed: Testbed
    let server: ClickHouseServer
    let sshOptions: [String]
    let target: String

    func run() async throws -> [Figure] {
        let shipped = try MigrationSet(directory: PipelineDatabase.migrationsDirectory).migrations
        let synthetic = try MigrationSet(
            files: Dictionary(
                uniqueKeysWithValues: (1...200).flatMap { index -> [(String, String)] in
                    let name = String(format: "%04d_synthetic_%d", index, index)
                    return [
                        (
                            name + ".up.sql",
                            "CREATE TABLE IF NOT EXISTS synthetic_\(index) (x UInt8) ENGINE = MergeTree ORDER BY x"
                        ),
                        (name + ".down.sql", "DROP TABLE IF EXISTS synthetic_\(index)"),
                    ]
                })
        ).migrations
        var figures: [Figure] = []
        // The same SQL as deployctl runs: each migration's up statements and its verify queries
        // (deployctl sends a file's verify queries in one round trip). The up statements alone are
        // shown too: against them, deployctl's extra time is the server's work on the verify queries.
        // Medians of three runs each: one run of either side varies by a fifth from run to run.
        let shippedTime = median([
            try await timedMigrate(shipped), try await timedMigrate(shipped), try await timedMigrate(shipped),
        ])
        for (label, statements) in [
            (
                "migrate up: shipped schema (up + verify SQL)",
                shipped.flatMap { $0.up.map(\.text) + $0.verify.map(\.text) }
            ),
            ("  the same against its up statements only", shipped.flatMap { $0.up.map(\.text) }),
        ] {
            let theirs = try median((0..<3).map { _ in try curlStatements(statements) })
            figures.append(
                Figure(
                    name: label, deployctl: shippedTime * 1000, openssh: theirs * 1000, unit: "ms",
                    slowdown: shippedTime / theirs))
        }
        let syntheticTime = median([
            try await timedMigrate(synthetic), try await timedMigrate(synthetic), try await timedMigrate(synthetic),
        ])
        let syntheticCurl = try median((0..<3).map { _ in try curlStatements(synthetic.flatMap { $0.up.map(\.text) }) })
        figures.append(
            Figure(
                name: "migrate up: 200 small migrations (no verify)", deployctl: syntheticTime * 1000,
                openssh: syntheticCurl * 1000, unit: "ms",
                slowdown: syntheticTime / syntheticCurl))
        figures.append(try await statusOverLongHistory())
        return figures
    }

    private func scratch() -> (ClickHouseClient, String) {
        (ClickHouseClient(endpoint: server.admin), "deployctl_bench_\(UInt32.random(in: 0..<UInt32.max))")
    }

    private func timedMigrate(_ migrations: [Migration]) async throws -> Double {
        let (admin, database) = scratch()
        let migrator = Migrator(
            client: admin, migrations: migrations, tables: TrackingTables(database: database),
            options: .init(actor: "bench@deployctl"))
        // The curl baseline's tunnel is up and has carried a request before its clock starts; so is ours.
        guard await admin.ping() else {
            throw TestbedUnavailable("ClickHouse on \(testbed.host("museshow").name) does not answer /ping")
        }
        let started = ContinuousClock.now
        try await migrator.up()
        let elapsed = started.duration(to: .now)
        try await admin.execute("DROP DATABASE \(database)")
        return elapsed.secondsValue
    }

    /// The baseline a shell script would be: one `curl` per statement through an `ssh -L` tunnel.
    private func curlStatements(_ statements: [String]) throws -> Double {
        let port = 20_000 + Int.random(in: 0..<5000)
        let control = NSTemporaryDirectory() + "deployctl-bench-fwd-\(getpid()).sock"
        let master = try shell(
            ["ssh"] + sshOptions + [
                "-M", "-N", "-o", "ControlPath=\(control)", "-L", "127.0.0.1:\(port):127.0.0.1:8123", target,
            ], wait: false)
        defer {
            _ = try? shell(["ssh"] + sshOptions + ["-o", "ControlPath=\(control)", "-O", "exit", target])
            var status: Int32 = 0
            waitpid(master, &status, 0)
        }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: control) { usleep(50_000) }
        let database = "deployctl_curl_\(UInt32.random(in: 0..<UInt32.max))"
        let credentials = [
            "-H", "X-ClickHouse-User: \(server.admin.user)", "-H", "X-ClickHouse-Key: \(server.admin.password)",
        ]
        let url = "http://127.0.0.1:\(port)/"
        try shell(["curl", "-sf"] + credentials + ["--data-binary", "CREATE DATABASE \(database)", url])
        let started = ContinuousClock.now
        for statement in statements {
            try shell(["curl", "-sf"] + credentials + ["--data-binary", statement, url + "?database=\(database)"])
        }
        let elapsed = started.duration(to: .now)
        try shell(["curl", "-sf"] + credentials + ["--data-binary", "DROP DATABASE \(database)", url])
        return elapsed.secondsValue
    }

    /// `status` with 1,000 applied migrations in the history (rows written directly, as a long-lived database would have them).
    private func statusOverLongHistory() async throws -> Figure {
        let (admin, database) = scratch()
        let migrations = try MigrationSet(
            files: Dictionary(
                uniqueKeysWithValues: (1...1000).flatMap { index -> [(String, String)] in
                    let name = String(format: "%04d_m_%d", index, index)
                    return [(name + ".up.sql", "SELECT \(index)"), (name + ".down.sql", "SELECT \(index)")]
                })
        ).migrations
        let tables = TrackingTables(database: database)
        let migrator = Migrator(client: admin, migrations: [], tables: tables, options: .init(actor: "bench@deployctl"))
        try await migrator.up()
        let rows = migrations.enumerated().map { index, migration in
            Data(
                "{\"version\":\(migration.version.value),\"slug\":\"\(migration.slug)\",\"kind\":\"applied\",\"statement\":0,\"statement_hash\":\"\",\"checksum\":\"\(migration.checksum)\",\"release\":\"bench\",\"actor\":\"bench\",\"detail\":\"\",\"duration_ms\":1,\"at\":\(1_700_000_000_000 + index)}"
                    .utf8)
        }
        try await admin.using(database: database).insert(
            into: "deployctl_migrations",
            columns: [
                "version", "slug", "kind", "statement", "statement_hash", "checksum", "release", "actor", "detail",
                "duration_ms", "at",
            ],
            rows: rows)
        let reader = Migrator(
            client: admin, migrations: migrations, tables: tables, options: .init(actor: "bench@deployctl"))
        var samples: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            let status = try await reader.status()
            precondition(status.count == 1000 && status.allSatisfy { $0.condition == .applied })
            let elapsed = started.duration(to: .now)
            samples.append(elapsed.secondsValue)
        }
        try await admin.execute("DROP DATABASE \(database)")
        let value = median(samples) * 1000
        return Figure(
            name: "migrate status, 1,000 applied (vs 1 s)", deployctl: value, openssh: 1000, unit: "ms",
            slowdown: value / 1000)
    }
}
