import ClickHouse
import Foundation
import Migrator
import Testbed

/// A scratch database on the testbed's modern ClickHouse, dropped when the value goes away.
final class ScratchDatabase: @unchecked Sendable {
    let server: ClickHouseServer
    let name: String
    let admin: ClickHouseClient

    init(_ server: ClickHouseServer? = nil) throws {
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

    var tables: TrackingTables { TrackingTables(database: name) }

    func migrator(_ migrations: [Migration], options: Migrator<ClickHouseClient>.Options = .init(actor: "test@deployctl")) -> Migrator<ClickHouseClient> {
        Migrator(client: admin, migrations: migrations, tables: tables, options: options)
    }

    func count(_ sql: String) async throws -> Int {
        Int(try await admin.using(database: name).value(sql) ?? "") ?? -1
    }

    /// The row a run that crashed while holding the lock leaves behind.
    func leaveLockClaim(owner: String, ttlSeconds: Int) async throws {
        try await admin.execute(
            "INSERT INTO \(name).deployctl_migration_lock (lock_id, owner, event, acquired_at, expires_at, reason) "
                + "SELECT '\(UUID().uuidString)', '\(owner)', 'acquire', now() - 2, now() + \(ttlSeconds), ''")
    }

    func exists(_ table: String) async throws -> Bool {
        try await admin.value("EXISTS TABLE \(name).\(table)") == "1"
    }
}

/// A migration written inline in a test, built through the same loader as migration files.
struct MigrationFixture {
    var version: UInt64
    var slug: String
    var up: String
    var down: String?
    var verify: String?

    init(_ version: UInt64, _ slug: String, up: String, down: String?, verify: String? = nil) {
        self.version = version
        self.slug = slug
        self.up = up
        self.down = down
        self.verify = verify
    }

    var files: [String: String] {
        let name = String(format: "%04llu_%@", version, slug)
        var files = [name + ".up.sql": down == nil ? "-- deployctl:irreversible test fixture without a down file\n" + up : up]
        if let down { files[name + ".down.sql"] = down }
        if let verify { files[name + ".verify.sql"] = verify }
        return files
    }

    static func build(_ fixtures: [MigrationFixture]) throws -> [Migration] {
        var files: [String: String] = [:]
        for fixture in fixtures { files.merge(fixture.files) { $1 } }
        return try MigrationSet(files: files).migrations
    }
}
