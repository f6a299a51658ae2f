import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing

/// A statement that runs longer than the lock's TTL. The testbed's chDB front serves one request
/// at a time, so a renewal could not reach it while the statement runs; these run on the real
/// `clickhouse-server` (`testbed/clickhouse-legacy.sh`, or the server of
/// `DEPLOYCTL_TEST_CLICKHOUSE_URL`), which serves requests concurrently as production does.
@Suite("the migration lock during a statement longer than its TTL, on a real clickhouse-server")
struct LockRenewalTests {
    /// A statement of about `seconds` (ClickHouse's `sleep` is per block; one row per block).
    static func slowStatement(_ table: String, seconds: Int) -> String {
        "CREATE TABLE IF NOT EXISTS \(table) ENGINE = Memory AS SELECT number FROM numbers(\(seconds / 2)) "
            + "WHERE sleep(2) = 0 SETTINGS max_block_size = 1"
    }

    static let ttl: Duration = .seconds(4)

    @Test("a run whose statement outlasts the lock's TTL keeps the lock: another run is refused the whole time")
    func statementLongerThanTTLKeepsTheLock() async throws {
        let database = try ScratchDatabase(ClickHouseServer.legacy())
        try await database.migrator([]).up()
        let migrations = try MigrationFixture.build([
            MigrationFixture(1, "slow", up: Self.slowStatement("slow", seconds: 8), down: "DROP TABLE IF EXISTS slow")
        ])
        let long = database.migrator(migrations, options: .init(actor: "long@run", lockTTL: Self.ttl))
        let run = Task { try await long.up() }
        let pastTTL = try await eventually {
            try await database.count(
                "SELECT count() FROM deployctl_migration_lock WHERE owner = 'long@run' AND event = 'acquire' "
                    + "AND now() >= acquired_at + \(Self.ttl.components.seconds + 1)") > 0
        }
        #expect(pastTTL)
        let refused = await #expect(throws: MigratorError.self) {
            try await database.migrator(migrations, options: .init(actor: "other@run", lockWait: .zero)).up()
        }
        #expect(refused?.code == .locked && refused?.message.contains("long@run") == true)
        #expect(try await run.value.map(\.version) == [1])
        #expect(
            try await database.count(
                "SELECT count() FROM deployctl_migration_lock WHERE owner = 'long@run' AND event = 'renew'") >= 2,
            "renewed in the background while the statement ran")
        #expect(try await database.count("SELECT count() FROM deployctl_migrations WHERE kind = 'applied'") == 1)
    }

    @Test("a lock broken while a statement runs stops the run before its next statement; the next run resumes there")
    func lockBrokenDuringStatement() async throws {
        let database = try ScratchDatabase(ClickHouseServer.legacy())
        try await database.migrator([]).up()
        let migrations = try MigrationFixture.build([
            MigrationFixture(
                1, "two_steps",
                up: Self.slowStatement("slow", seconds: 6)
                    + ";\nCREATE TABLE IF NOT EXISTS after (id UInt64) ENGINE = Memory",
                down: "DROP TABLE IF EXISTS after;\nDROP TABLE IF EXISTS slow")
        ])
        let progress = LineLog()
        let long = database.migrator(
            migrations, options: .init(actor: "long@run", lockTTL: Self.ttl, progress: { progress.add($0) }))
        let run = Task { try await long.up() }
        #expect(try await eventually { progress.all.contains { $0.contains("statement 1/2") } })
        let broken = try await database.migrator(migrations).breakLock(reason: "test: taken over mid-statement")
        #expect(broken.map(\.owner) == ["long@run"])

        let lost = await #expect(throws: MigratorError.self) { try await run.value }
        #expect(lost?.code == .lockLost)
        #expect(lost?.message.contains("before its next statement") == true)
        #expect(try await database.exists("slow"), "statement 1 ran to its end")
        #expect(try await !database.exists("after"), "statement 2 did not run without the lock")
        #expect(
            try await database.count(
                "SELECT count() FROM deployctl_migrations WHERE kind = 'statement_applied' AND statement = 1") == 1,
            "statement 1 is on record, so nothing runs twice")

        let resumed = LineLog()
        try await database.migrator(migrations, options: .init(actor: "next@run", progress: { resumed.add($0) })).up()
        #expect(resumed.all.contains { $0.contains("resuming at statement 2") })
        #expect(try await database.exists("after"))
    }
}
