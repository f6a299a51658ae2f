import ClickHouse
import Foundation

extension Migrator {
    /// What a replay found.
    public struct ReplayReport: Sendable, Codable {
        public let database: String
        public let migrations: Int
        /// Objects after the first round of ups, as `name: create query`.
        public let objects: [String]
    }

    /// Proves the migrations on a scratch database of the same server: every up, then every down
    /// in reverse (which must leave nothing behind), then every up again, whose schema must equal
    /// the first round's. A broken down file, a view over a missing column or a migration that
    /// depends on state it does not create fails here, before any real database sees it.
    ///
    /// - Throws: `MigratorError` `.replay` naming the round, the migration and the statement.
    public func replay() async throws(MigratorError) -> ReplayReport {
        let scratch = "deployctl_replay_\(UInt32.random(in: 0..<UInt32.max))"
        let scratchTables = TrackingTables(
            database: scratch, history: tables.history, lock: tables.lock, cluster: tables.cluster)
        let replayer = Migrator(client: client, migrations: migrations, tables: scratchTables, options: options)
        let result: Result<ReplayReport, MigratorError>
        do throws(MigratorError) {
            result = .success(try await Self.replay(with: replayer, scratch: scratch))
        } catch {
            result = .failure(error)
        }
        // Dropped before replay returns or throws: a task left to do it would not run when the process exits first.
        try? await serverClient.execute(
            "DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(scratch))\(scratchTables.onCluster)")
        return try result.get()
    }

    /// The three rounds on the scratch database `replayer` works in.
    private static func replay(with replayer: Migrator, scratch: String) async throws(MigratorError) -> ReplayReport {
        func round(_ name: String, _ body: () async throws(MigratorError) -> Void) async throws(MigratorError) {
            do throws(MigratorError) {
                try await body()
            } catch {
                throw MigratorError(.replay, "replay, \(name): \(error.message)", cause: error.cause)
            }
        }
        try await round("first round of ups") { () throws(MigratorError) in _ = try await replayer.up() }
        let first = try await replayer.schema()
        try await round("downs in reverse") { () throws(MigratorError) in _ = try await replayer.down(to: 0) }
        let leftovers = try await replayer.schema()
        guard leftovers.isEmpty else {
            throw MigratorError(
                .replay,
                "replay: after every down file ran, these objects remain (a down file misses them): \(leftovers.map { $0.split(separator: ":")[0] }.joined(separator: ", "))"
            )
        }
        try await round("second round of ups") { () throws(MigratorError) in _ = try await replayer.up() }
        let second = try await replayer.schema()
        guard first == second else {
            let differences = Set(first).symmetricDifference(second).map { String($0.prefix(160)) }.sorted()
            throw MigratorError(
                .replay,
                "replay: the schema after up, down, up differs from the first up:\n  "
                    + differences.joined(separator: "\n  "))
        }
        return ReplayReport(database: scratch, migrations: replayer.migrations.count, objects: first)
    }

    /// The database's objects other than deployctl's own tables, each as `name: create query`.
    func schema() async throws(MigratorError) -> [String] {
        do throws(ClickHouseError) {
            let rows = try await serverClient.rows(
                """
                SELECT name, create_table_query FROM system.tables
                WHERE database = \(ClickHouseSQL.literal(tables.target)) AND name NOT IN (\(ClickHouseSQL.literal(tables.history)), \(ClickHouseSQL.literal(tables.lock)))
                ORDER BY name
                """)
            return rows.map { "\($0[0] ?? ""): \($0.count > 1 ? $0[1] ?? "" : "")" }
        } catch {
            throw MigratorError(.database, "cannot read the schema of \(tables.target): \(error)", cause: error)
        }
    }
}
