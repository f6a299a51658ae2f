import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing

@Suite("the migrator's bookkeeping in a database of its own, and its move out of the schema's database")
struct TrackingMoveTests {
    @Test("history and lock live in their own database while the migrations run in the target")
    func bookkeepingApart() async throws {
        let schema = try ScratchDatabase()
        let state = try ScratchDatabase()
        let tables = TrackingTables(database: state.name, target: schema.name)
        let migrator = Migrator(
            client: schema.admin, migrations: try MigrationFixture.build(EngineTests.base), tables: tables,
            options: .init(actor: "test@deployctl"))
        #expect(try await migrator.up().map(\.version) == [1, 2, 3])
        for table in ["events", "orders", "v_orders", "runs"] { #expect(try await schema.exists(table)) }
        #expect(try await !schema.exists("deployctl_migrations"))
        #expect(try await !schema.exists("deployctl_migration_lock"))
        #expect(try await state.count("SELECT count() FROM deployctl_migrations WHERE kind = 'applied'") == 3)
        #expect(try await state.exists("deployctl_migration_lock"))
        #expect(try await migrator.status().map(\.condition) == [.applied, .applied, .applied])
    }

    @Test(
        "a history kept beside the schema moves with its lock and a table alongside, under the lock; a held lock or a clash moves nothing"
    )
    func moveTracking() async throws {
        let schema = try ScratchDatabase()
        let state = try ScratchDatabase()
        let migrations = try MigrationFixture.build(EngineTests.base)
        let legacy = Migrator(
            client: schema.admin, migrations: migrations, tables: schema.tables,
            options: .init(actor: "test@deployctl", lockWait: .zero))
        _ = try await legacy.up()
        try await schema.admin.execute(
            "CREATE TABLE \(schema.name).deployctl_audit (seq UInt64) ENGINE = MergeTree ORDER BY seq")

        try await schema.leaveLockClaim(owner: "alice@laptop", ttlSeconds: 600)
        await #expect {
            _ = try await legacy.moveTracking(
                to: state.name, alongside: ["deployctl_audit", "deployctl_verifications"])
        } throws: {
            ($0 as? MigratorError)?.code == .locked
        }
        #expect(try await schema.exists("deployctl_migrations"), "a held lock moves nothing")
        _ = try await legacy.breakLock(reason: "test: alice's laptop died")

        try await state.admin.execute("CREATE DATABASE IF NOT EXISTS \(state.name)")
        try await state.admin.execute(
            "CREATE TABLE \(state.name).deployctl_audit (seq UInt64) ENGINE = MergeTree ORDER BY seq")
        await #expect {
            _ = try await legacy.moveTracking(to: state.name, alongside: ["deployctl_audit"])
        } throws: {
            "\($0)".contains("\(state.name) already holds deployctl_audit: nothing was moved")
        }
        #expect(try await schema.exists("deployctl_migrations"))
        try await state.admin.execute("DROP TABLE \(state.name).deployctl_audit")

        let moved = try await legacy.moveTracking(
            to: state.name, alongside: ["deployctl_audit", "deployctl_verifications"])
        #expect(moved == ["deployctl_migrations", "deployctl_migration_lock", "deployctl_audit"])
        for table in moved {
            #expect(try await !schema.exists(table), "\(table) left")
            #expect(try await state.exists(table), "\(table) arrived")
        }
        let apart = Migrator(
            client: schema.admin, migrations: migrations,
            tables: TrackingTables(database: state.name, target: schema.name),
            options: .init(actor: "test@deployctl", lockWait: .zero))
        #expect(try await apart.status().map(\.condition) == [.applied, .applied, .applied], "the history came along")
        #expect(try await apart.lockClaims().isEmpty, "the move's own claim was released where the lock now is")
        #expect(try await apart.up().isEmpty)
    }
}
