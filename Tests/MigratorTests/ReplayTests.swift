import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing

@Suite("replay: up, down, up on a scratch database of the real engine")
struct ReplayTests {
    @Test("a sound set replays to the same schema")
    func soundSetReplays() async throws {
        let database = try ScratchDatabase()
        let report = try await database.migrator(try MigrationFixture.build(EngineTests.base)).replay()
        #expect(report.migrations == 3)
        #expect(report.objects.count == 4)
        #expect(
            try await database.admin.value("SELECT count() FROM system.databases WHERE name = '\(report.database)'")
                == "0", "the scratch database is dropped before replay returns")
    }

    @Test("a view over a missing column is caught before any real database sees it")
    func viewOverMissingColumn() async throws {
        let database = try ScratchDatabase()
        var broken = EngineTests.base
        broken[1].up = broken[1].up.replacingOccurrences(of: "sum(amount)", with: "sum(price)")
        let error = await #expect(throws: MigratorError.self) {
            try await database.migrator(try MigrationFixture.build(broken)).replay()
        }
        #expect(error?.code == .replay)
        #expect(error?.message.contains("first round of ups") == true)
        #expect(error?.message.contains("0002_orders failed at statement 2") == true)
        #expect(error?.cause?.code == 47)
        #expect(
            try await database.admin.value("SELECT count() FROM system.databases WHERE name = '\(database.name)'")
                == "0", "the target database was never touched")
    }

    @Test("a down file that forgets an object is caught")
    func brokenDownFile() async throws {
        let database = try ScratchDatabase()
        var broken = EngineTests.base
        broken[1].down = "DROP VIEW IF EXISTS v_orders"
        let error = await #expect(throws: MigratorError.self) {
            try await database.migrator(try MigrationFixture.build(broken)).replay()
        }
        #expect(error?.code == .replay)
        #expect(error?.message.contains("orders") == true)
        #expect(error?.message.contains("a down file misses them") == true)
    }
}
