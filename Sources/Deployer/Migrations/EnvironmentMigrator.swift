import ClickHouse
import Console
import Environments
import Foundation
import Migrator
import Verify

/// The migrator of one environment: its ClickHouse (as admin, over the session's ClickHouse host),
/// its database and cluster, and the migration files of this checkout.
public enum EnvironmentMigrator {
    /// A migrator over `session`'s ClickHouse.
    ///
    /// - Throws: `CommandFailure`: unreachable (3) when the ClickHouse host or its tunnel is not
    ///   there, invalid configuration (2) naming the reference when the admin password cannot be resolved.
    public static func open(
        in session: EnvironmentSession, migrations: [Migration], options: Migrator<ClickHouseClient>.Options
    ) async throws(CommandFailure) -> Migrator<ClickHouseClient> {
        let client: ClickHouseClient
        do throws(ClickHouseAccessError) {
            client = try await session.clickhouse(as: .admin)
        } catch {
            throw error.failure
        }
        let clickhouse = session.environment.clickhouse
        let tables = clickhouse.trackingTables
        var options = options
        if options.progress == nil, let observer = DeployProgress.observer {
            options.progress = { observer(.migration($0)) }
        }
        return Migrator(client: client, migrations: migrations, tables: tables, options: options)
    }
}

extension MigratorError {
    /// The failure a command reports: the lock held or lost (4), invalid files (2), ClickHouse gone (3),
    /// anything else a failed migration or check (1).
    public var failure: CommandFailure {
        switch code {
        case .locked, .lockLost: CommandFailure(.locked, nil, message)
        case .files: CommandFailure(.invalidConfiguration, "migrations", message)
        case .lint: CommandFailure(.checkFailed, "lint", message)
        case .database where cause?.kind == .transport: CommandFailure(.unreachable, "clickhouse", message)
        default: CommandFailure(.checkFailed, code.rawValue, message)
        }
    }
}
