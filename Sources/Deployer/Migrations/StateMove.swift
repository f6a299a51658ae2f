import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import Migrator
import SSH
import Verify

/// deployctl's bookkeeping in ClickHouse (migration history and lock, audit copy, verification
/// records) lives in `state_database`. Versions before it kept these tables in the pipeline's
/// database, where the pipeline's account can write them; `migrate move-state` moves them.
public enum StateMove {
    /// The bookkeeping tables of the deployer's own, beside the migrator's history and lock.
    static let deployerTables = [AuditLog.table, Verification.table]

    /// Every bookkeeping table deployctl keeps.
    static func tables(_ clickhouse: Environment.ClickHouse) -> [String] {
        let tracking = clickhouse.trackingTables
        return [tracking.history, tracking.lock] + deployerTables
    }

    /// The bookkeeping tables still in the pipeline's database.
    static func leftBehind(_ clickhouse: Environment.ClickHouse, client: ClickHouseClient) async throws(ClickHouseError)
        -> [String]
    {
        try await client.tables(tables(clickhouse), in: clickhouse.database)
    }

    /// Why a command refuses to work while bookkeeping is left in the pipeline's database: it would
    /// start a second, empty history beside the real one.
    static func refusal(_ environment: Environment, tables: [String]) -> String {
        "deployctl's bookkeeping is still in the pipeline's database \(environment.clickhouse.database) "
            + "(\(tables.joined(separator: ", "))), where \(environment.clickhouse.writer.user) can write it; "
            + "move it into \(environment.clickhouse.stateDatabase) with `deployctl migrate move-state \(environment.name)`"
    }

    /// What `migrate move-state` did or would do.
    public struct Report: CommandOutput {
        public let environment: String
        public let from: String
        public let to: String
        public let tables: [String]
        public let dryRun: Bool

        public func render(_ terminal: Terminal) -> String {
            guard !tables.isEmpty else {
                return "\(environment): nothing to move: no deployctl table is left in \(from)"
            }
            let verb = dryRun ? "would move" : "moved"
            return "\(environment): \(verb) \(tables.joined(separator: ", ")) from \(from) into \(to)"
                + (dryRun ? " (dry run: nothing changed)" : "")
        }
    }

    /// Moves the bookkeeping left in the pipeline's database into `state_database`, under the
    /// migration lock, and records the move in the audit log of the ClickHouse host.
    public static func run(
        in session: EnvironmentSession, options: Migrator<ClickHouseClient>.Options, dryRun: Bool
    ) async throws(CommandFailure) -> Report {
        let environment = session.environment
        let clickhouse = environment.clickhouse
        let client: ClickHouseClient
        do throws(ClickHouseAccessError) {
            client = try await session.clickhouse(as: .admin, checkingState: false)
        } catch {
            throw error.failure
        }
        let found: [String]
        do throws(ClickHouseError) {
            found = try await leftBehind(clickhouse, client: client)
        } catch {
            throw CommandFailure(
                .unreachable, "clickhouse", "cannot list the tables of \(clickhouse.database): \(error)")
        }
        func report(_ tables: [String]) -> Report {
            Report(
                environment: environment.name, from: clickhouse.database, to: clickhouse.stateDatabase, tables: tables,
                dryRun: dryRun)
        }
        if found.isEmpty || dryRun { return report(found) }
        let started = ContinuousClock.now
        let legacy = TrackingTables(
            database: clickhouse.database, target: clickhouse.database, cluster: clickhouse.cluster)
        let moved: [String]
        do throws(MigratorError) {
            moved = try await Migrator(client: client, migrations: [], tables: legacy, options: options)
                .moveTracking(to: clickhouse.stateDatabase, alongside: deployerTables)
        } catch {
            throw error.failure
        }
        let host = environment.clickhouseHost
        let connection: any RemoteHost
        switch session.connection(to: host.name) {
        case .success(let open): connection = open
        case .failure(let failure):
            throw CommandFailure(
                .unreachable, "ssh",
                "moved \(moved.joined(separator: ", ")) into \(clickhouse.stateDatabase), but the audit entry could not be written: \(failure)"
            )
        }
        try await AuditLog(layout: HostLayout(environment), database: clickhouse.stateDatabase).append(
            AuditRecord(
                command: "migrate move-state", environment: environment.name, host: host.name, actor: options.actor,
                release: nil, result: "ok", seconds: started.duration(to: .now).secondsValue,
                changes: moved.map { "\(clickhouse.database).\($0) → \(clickhouse.stateDatabase).\($0)" }),
            on: connection, clickhouse: client)
        return report(moved)
    }
}
