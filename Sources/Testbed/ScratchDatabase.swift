import ClickHouse
import Foundation
import Migrator

/// A scratch database on the testbed's modern ClickHouse, dropped when the value goes away.
public final class ScratchDatabase: @unchecked Sendable {
    public let server: ClickHouseServer
    public let name: String
    public let admin: ClickHouseClient

    public init(_ server: ClickHouseServer? = nil) throws {
        self.server = try server ?? ClickHouseServer.modern()
        name = "deployctl_t_\(UInt32.random(in: 0..<UInt32.max))"
        admin = ClickHouseClient(endpoint: self.server.admin)
    }

    /// Dropped in the background: blocking here would hold one of the few cooperative threads
    /// the drop itself needs.
    deinit {
        let admin = admin
        let name = name
        Task { try? await admin.execute("DROP DATABASE IF EXISTS \(name)") }
    }

    public var tables: TrackingTables { TrackingTables(database: name) }

    public func migrator(
        _ migrations: [Migration], options: Migrator<ClickHouseClient>.Options = .init(actor: "test@deployctl")
    ) -> Migrator<ClickHouseClient> {
        Migrator(client: admin, migrations: migrations, tables: tables, options: options)
    }

    public func count(_ sql: String) async throws -> Int {
        Int(try await admin.using(database: name).value(sql) ?? "") ?? -1
    }

    /// The row a run that crashed while holding the lock leaves behind, claimed
    /// `acquiredSecondsAgo` ago with a TTL of `ttlSeconds` (so a claim older than its TTL has expired).
    public func leaveLockClaim(owner: String, ttlSeconds: Int, acquiredSecondsAgo: Int = 2) async throws {
        try await admin.execute(
            "INSERT INTO \(name).deployctl_migration_lock (lock_id, owner, event, acquired_at, expires_at, reason) "
                + "SELECT '\(UUID().uuidString)', '\(owner)', 'acquire', now() - \(acquiredSecondsAgo), "
                + "now() - \(acquiredSecondsAgo) + \(ttlSeconds), ''")
    }

    public func exists(_ table: String) async throws -> Bool {
        try await admin.value("EXISTS TABLE \(name).\(table)") == "1"
    }
}
