import ClickHouse
import Environments
import Foundation
import Migrator

/// The migrator for one environment: its ClickHouse (through SSH), its database and cluster,
/// and the migration files of this checkout. Close it when done.
public final class EnvironmentMigrator: Sendable {
    public let migrator: Migrator<ClickHouseClient>
    public let session: ClickHouseSession

    init(migrator: Migrator<ClickHouseClient>, session: ClickHouseSession) {
        self.migrator = migrator
        self.session = session
    }

    public func close() { session.close() }

    /// Opens the environment's ClickHouse as its admin user and prepares the migrator.
    public static func open(
        _ environment: Environment, migrations: [Migration], options: Migrator<ClickHouseClient>.Options
    ) async throws -> EnvironmentMigrator {
        let session = try await ClickHouseSession.open(environment, as: .admin)
        let tables = TrackingTables(database: environment.clickhouse.database, cluster: environment.clickhouse.cluster)
        return EnvironmentMigrator(migrator: Migrator(client: session.client, migrations: migrations, tables: tables, options: options), session: session)
    }
}
