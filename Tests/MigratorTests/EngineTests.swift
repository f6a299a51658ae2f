import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing

@Suite("the migrator against the real ClickHouse engine on a testbed host")
struct EngineTests {
    static let base: [MigrationFixture] = [
        MigrationFixture(
            1, "events",
            up: "CREATE TABLE IF NOT EXISTS events (id UInt64, name String) ENGINE = MergeTree ORDER BY id",
            down: "DROP TABLE IF EXISTS events",
            verify: "SELECT count() = 1 FROM system.tables WHERE database = currentDatabase() AND name = 'events'"),
        MigrationFixture(
            2, "orders",
            up: """
                CREATE TABLE IF NOT EXISTS orders (id UInt64, event_id UInt64, amount Decimal(18, 2)) ENGINE = ReplacingMergeTree ORDER BY id;
                CREATE OR REPLACE VIEW v_orders AS SELECT event_id, sum(amount) AS revenue FROM orders GROUP BY event_id
                """, down: "DROP VIEW IF EXISTS v_orders;\nDROP TABLE IF EXISTS orders"),
        MigrationFixture(
            3, "runs", up: "CREATE TABLE IF NOT EXISTS runs (id UUID, status String) ENGINE = MergeTree ORDER BY id",
            down: "DROP TABLE IF EXISTS runs"),
    ]

    @Test("apply all, then a second run is a no-op; the history records every statement")
    func applyAllThenNoOp() async throws {
        let database = try ScratchDatabase()
        let migrator = database.migrator(try MigrationFixture.build(Self.base))
        let steps = try await migrator.up()
        #expect(steps.map(\.version) == [1, 2, 3])
        for table in ["events", "orders", "v_orders", "runs"] { #expect(try await database.exists(table)) }
        #expect(try await migrator.up().isEmpty)
        let status = try await migrator.status()
        #expect(status.map(\.condition) == [.applied, .applied, .applied])
        #expect(status.allSatisfy { $0.actor == "test@deployctl" })
        #expect(
            try await database.count("SELECT count() FROM deployctl_migrations WHERE kind = 'statement_applied'") == 4)
        #expect(try await database.count("SELECT count() FROM deployctl_migrations WHERE kind = 'applied'") == 3)
    }

    @Test(
        "a view whose query does not parse stops the plan before anything runs, naming file, line and the server's error"
    )
    func viewSyntaxChecked() async throws {
        let database = try ScratchDatabase()
        var fixtures = Self.base
        fixtures[1].up = """
            CREATE TABLE IF NOT EXISTS orders (id UInt64, event_id UInt64, amount Decimal(18, 2)) ENGINE = ReplacingMergeTree ORDER BY id;
            CREATE OR REPLACE VIEW v_orders AS
            SELECT event_id, sum(amount) AS revenue FROM orders GROUP BY event_id HAVING
            """
        let refused = await #expect(throws: MigratorError.self) {
            try await database.migrator(try MigrationFixture.build(fixtures)).up()
        }
        #expect(refused?.code == .lint)
        #expect(refused?.message.contains("0002_orders.up.sql:3: view v_orders") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("SYNTAX_ERROR") == true || refused?.message.contains("Code 62") == true)
        #expect(try await database.exists("events") == false, "nothing was applied, not even migration 1")
    }

    @Test("planning against a database that does not exist yet works: the view check needs no database")
    func planOnFreshServer() async throws {
        let database = try ScratchDatabase()
        let steps = try await database.migrator(try MigrationFixture.build(Self.base)).planUp()
        #expect(steps.map(\.version) == [1, 2, 3])
    }

    @Test("a failure at statement k is recorded; after the fix the run resumes at k without repeating 1…k-1")
    func failThenResume() async throws {
        let database = try ScratchDatabase()
        let broken = MigrationFixture(
            1, "three_steps",
            up: """
                CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;
                INSERT INTO a VALUES (1);
                CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = MergeTree ORDER BY tuple(y);
                CREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = MergeTree ORDER BY x
                """, down: "DROP TABLE IF EXISTS c;\nDROP TABLE IF EXISTS b;\nDROP TABLE IF EXISTS a")
        let failing = database.migrator(try MigrationFixture.build([broken]))
        let error = await #expect(throws: MigratorError.self) { try await failing.up() }
        #expect(error?.code == .statementFailed)
        #expect(error?.message.contains("statement 3 of 4") == true)
        #expect(error?.message.contains("resumes at statement 3") == true)
        #expect(error?.cause?.code == 47)
        let status = try await failing.status()
        #expect(status.first?.condition == .failed && status.first?.detail.hasPrefix("statement 3 failed") == true)

        var fixed = broken
        fixed.up = fixed.up.replacingOccurrences(of: "ORDER BY tuple(y)", with: "ORDER BY x")
        let resumed = try await database.migrator(try MigrationFixture.build([fixed])).up()
        #expect(resumed.first?.firstStatement == 3)
        #expect(try await database.count("SELECT count() FROM a") == 1, "the INSERT of statement 2 ran once")
        #expect(try await database.exists("c"))

        var rewritten = broken
        rewritten.up = rewritten.up.replacingOccurrences(of: "VALUES (1)", with: "VALUES (2)")
        let otherDatabase = try ScratchDatabase()
        _ = await #expect(throws: MigratorError.self) {
            try await otherDatabase.migrator(try MigrationFixture.build([broken])).up()
        }
        let refused = await #expect(throws: MigratorError.self) {
            try await otherDatabase.migrator(try MigrationFixture.build([rewritten])).up()
        }
        #expect(refused?.code == .cannotResume)
        #expect(refused?.message.contains("repair") == true)
    }

    @Test("an applied migration whose file changed, or vanished, blocks every apply with both checksums named")
    func driftRefused() async throws {
        let database = try ScratchDatabase()
        let original = try MigrationFixture.build(Self.base)
        try await database.migrator(original).up()
        var edited = Self.base
        edited[1].up += ";\nCREATE TABLE IF NOT EXISTS extra (x UInt8) ENGINE = Memory"
        let changed = try MigrationFixture.build(edited)
        let error = await #expect(throws: MigratorError.self) { try await database.migrator(changed).up() }
        #expect(error?.code == .drift)
        #expect(error?.message.contains(original[1].checksum) == true)
        #expect(error?.message.contains(changed[1].checksum) == true)
        #expect(error?.message.contains("0002_orders") == true)

        let missing = try MigrationFixture.build([Self.base[0], Self.base[2]])
        let gone = await #expect(throws: MigratorError.self) { try await database.migrator(missing).up() }
        #expect(gone?.code == .drift)
        #expect(gone?.message.contains("file is gone") == true)
        #expect(
            try await database.migrator(missing).status().contains { $0.version == 2 && $0.condition == .missingFile })
    }

    @Test("down to a version undoes the newer migrations in reverse; irreversible ones stop it")
    func downToVersion() async throws {
        let database = try ScratchDatabase()
        let migrator = database.migrator(try MigrationFixture.build(Self.base))
        try await migrator.up()
        let undone = try await migrator.down(to: 1)
        #expect(undone.map(\.version) == [3, 2])
        #expect(try await !database.exists("orders"))
        #expect(try await !database.exists("v_orders"))
        #expect(try await database.exists("events"))
        #expect(try await migrator.status().map(\.condition) == [.applied, .pending, .pending])
        #expect(try await migrator.up().map(\.version) == [2, 3], "rolled back migrations apply again")

        var irreversible = Self.base
        irreversible[2].down = nil
        let another = try ScratchDatabase()
        try await another.migrator(try MigrationFixture.build(irreversible)).up()
        let blocked = await #expect(throws: MigratorError.self) {
            try await another.migrator(try MigrationFixture.build(irreversible)).down(steps: 1)
        }
        #expect(blocked?.message.contains("irreversible") == true)
        #expect(blocked?.code == .invalidRequest)
    }

    @Test("a verify query that is not true fails the migration")
    func verifyFails() async throws {
        let database = try ScratchDatabase()
        var lying = Self.base[0]
        lying.verify = "SELECT count() = 2 FROM system.tables WHERE database = currentDatabase() AND name = 'events'"
        let error = await #expect(throws: MigratorError.self) {
            try await database.migrator(try MigrationFixture.build([lying])).up()
        }
        #expect(error?.code == .verifyFailed)
        #expect(try await database.migrator(try MigrationFixture.build([lying])).status().first?.condition == .failed)
    }

    @Test("a new migration older than the newest applied one is refused unless allowed")
    func outOfOrder() async throws {
        let database = try ScratchDatabase()
        try await database.migrator(try MigrationFixture.build([Self.base[0], Self.base[2]])).up()
        let late = try MigrationFixture.build(Self.base)
        let error = await #expect(throws: MigratorError.self) { try await database.migrator(late).up() }
        #expect(error?.code == .outOfOrder)
        let allowed = database.migrator(late, options: .init(actor: "test@deployctl", allowOutOfOrder: true))
        #expect(try await allowed.up().map(\.version) == [2])
    }

    @Test("two concurrent runs never interleave: one applies, the other waits, nothing runs twice")
    func concurrentRuns() async throws {
        let database = try ScratchDatabase()
        let migrations = try MigrationFixture.build(Self.base)
        let first = database.migrator(migrations, options: .init(actor: "alice@one", lockWait: .seconds(60)))
        let second = database.migrator(migrations, options: .init(actor: "bob@two", lockWait: .seconds(60)))
        async let a = first.up()
        async let b = second.up()
        let (stepsA, stepsB) = try await (a, b)
        #expect(stepsA.count + stepsB.count == 3)
        #expect(stepsA.isEmpty || stepsB.isEmpty)
        #expect(try await database.count("SELECT count() FROM deployctl_migrations WHERE kind = 'started'") == 3)
        #expect(try await database.count("SELECT count() FROM deployctl_migrations WHERE kind = 'applied'") == 3)
    }

    @Test("a lock left by a crashed run blocks others until its TTL has passed; break clears it with a reason")
    func staleLock() async throws {
        let database = try ScratchDatabase()
        let migrations = try MigrationFixture.build(Self.base)
        try await database.migrator([]).up()
        try await database.leaveLockClaim(owner: "crashed@laptop", ttlSeconds: 600)
        let blocked = await #expect(throws: MigratorError.self) {
            try await database.migrator(migrations, options: .init(actor: "next@ci")).up()
        }
        #expect(blocked?.code == .locked)
        #expect(blocked?.message.contains("crashed@laptop") == true)

        _ = try await database.migrator(migrations).breakLock(reason: "making room for an expired claim")
        try await database.leaveLockClaim(owner: "crashed@laptop", ttlSeconds: 600, acquiredSecondsAgo: 601)
        #expect(
            try await database.migrator(migrations, options: .init(actor: "next@ci")).up().count == 3,
            "a claim past its TTL is no lock")

        try await database.leaveLockClaim(owner: "crashed@laptop", ttlSeconds: 600)
        let broken = try await database.migrator(migrations).breakLock(reason: "laptop died")
        #expect(broken.map(\.owner) == ["crashed@laptop"])
        #expect(try await database.migrator(migrations).lockClaims().isEmpty)
        #expect(
            try await database.count(
                "SELECT count() FROM deployctl_migrations WHERE kind = 'lock_broken' AND detail LIKE '%laptop died%'")
                == 1)
    }

    @Test("a run waits for a held lock as long as --lock-wait says, retrying after each pause, then names the holder")
    func lockWait() async throws {
        let database = try ScratchDatabase()
        let migrations = try MigrationFixture.build(Self.base)
        try await database.migrator([]).up()
        try await database.leaveLockClaim(owner: "busy@other", ttlSeconds: 600)
        let clock = ManualClock()
        let started = ContinuousClock.now
        let options = Migrator<ClickHouseClient>.Options(
            actor: "patient@ci", lockWait: .seconds(30), clock: clock.waitClock, retryPause: { .seconds(5) })
        let error = await #expect(throws: MigratorError.self) {
            try await database.migrator(migrations, options: options).up()
        }
        #expect(error?.code == .locked && error?.message.contains("busy@other") == true)
        #expect(clock.sleepsAsked == Array(repeating: .seconds(5), count: 6), "tries at 0, 5, …, 30 s of the clock")
        #expect(
            try await database.count(
                "SELECT count() FROM deployctl_migration_lock WHERE owner = 'patient@ci' AND event = 'acquire'") == 7)
        #expect(started.duration(to: .now) < .seconds(10), "the wait is the clock's, not the test's")
    }

    @Test("baseline marks existing schema applied; repair accepts a changed file with a reason")
    func baselineAndRepair() async throws {
        let database = try ScratchDatabase()
        let migrations = try MigrationFixture.build(Self.base)
        try await database.migrator(migrations).baseline(version: 2, reason: "schema created by hand in 2025")
        #expect(
            try await database.migrator(migrations).status().map(\.condition) == [.baselined, .baselined, .pending])
        #expect(try await database.migrator(migrations).up().map(\.version) == [3])

        var edited = Self.base
        edited[2].up += " SETTINGS index_granularity = 8192"
        let changed = try MigrationFixture.build(edited)
        try await database.migrator(changed).repair(version: 3, .acceptChecksum, reason: "added settings to match prod")
        #expect(try await database.migrator(changed).up().isEmpty)
        #expect(try await database.migrator(changed).status().last?.condition == .applied)
    }
}
