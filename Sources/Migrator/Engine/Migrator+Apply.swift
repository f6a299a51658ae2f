import ClickHouse
import Foundation

extension Migrator {
    /// Applies pending migrations (up to `target`), resuming failed ones where they stopped.
    ///
    /// Holds the lock for the whole run. Each statement is recorded as it succeeds; a failing
    /// statement is recorded with its error and stops the run, leaving every earlier statement
    /// applied and known. After a migration's statements, its verify queries must all be true.
    ///
    /// - Returns: the steps taken.
    /// - Throws: `MigratorError` (`.drift`, `.outOfOrder`, `.cannotResume`, `.statementFailed`,
    ///   `.verifyFailed`, `.locked`, `.database`).
    @discardableResult
    public func up(to target: UInt64? = nil) async throws(MigratorError) -> [Step] {
        try await locked { (run: Run) throws(MigratorError) -> [Step] in
            let steps = try await planUp(to: target, ledger: run.ledger)
            if steps.isEmpty { options.progress?("nothing to apply: every migration is applied") }
            for step in steps {
                try await apply(step, migration: migration(step.version), clock: run.clock, lock: run.lock)
            }
            return steps
        }
    }

    /// Rolls back applied migrations, newest first, down to `target` (exclusive) or `steps` of them.
    @discardableResult
    public func down(to target: UInt64? = nil, steps count: Int? = nil) async throws(MigratorError) -> [Step] {
        try await locked { (run: Run) throws(MigratorError) -> [Step] in
            let steps = try planDown(to: target, steps: count, ledger: run.ledger)
            for step in steps {
                try await revert(step, migration: migration(step.version), clock: run.clock, lock: run.lock)
            }
            return steps
        }
    }

    /// Marks every migration up to `version` as applied without running it, for a database whose
    /// schema already exists.
    public func baseline(version: UInt64, reason: String) async throws(MigratorError) {
        try await locked { (run: Run) throws(MigratorError) in
            for migration in migrations
            where migration.version.value <= version && !run.ledger.state(of: migration.version.value).isApplied {
                try await record(.baselined, migration, clock: run.clock, detail: reason)
                options.progress?("\(migration.name): baselined")
            }
        }
    }

    /// What `repair` does to one migration.
    public enum Repair: Sendable {
        /// Accept the file as it is now for an applied migration whose file changed.
        case acceptChecksum
        /// Declare a failed, interrupted or applied migration not applied (its effects were undone by hand).
        case markRolledBack
    }

    /// Records a person's decision about a migration in the history, with their reason.
    public func repair(version: UInt64, _ repair: Repair, reason: String) async throws(MigratorError) {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MigratorError(.invalidRequest, "a repair needs a reason (--reason), which goes into the history")
        }
        try await locked { (run: Run) throws(MigratorError) in
            let (ledger, clock) = (run.ledger, run.clock)
            let slug = migrations.first { $0.version.value == version }?.slug ?? ledger.slugs[version]
            guard let slug else {
                throw MigratorError(.invalidRequest, "no migration \(version) in the files or the history")
            }
            switch repair {
            case .acceptChecksum:
                guard let file = migrations.first(where: { $0.version.value == version }),
                    case .applied = ledger.state(of: version)
                else {
                    throw MigratorError(
                        .invalidRequest,
                        "--accept-checksum is for an applied migration whose file changed; \(version) is not one")
                }
                try await history.append(
                    event(
                        .repaired, version: version, slug: slug, checksum: file.checksum,
                        detail: "accept checksum: \(reason)", clock: clock))
            case .markRolledBack:
                try await history.append(
                    event(
                        .repaired, version: version, slug: slug, checksum: "", detail: "marked rolled back: \(reason)",
                        clock: clock))
            }
        }
    }

    /// Live claims on the migration lock.
    public func lockClaims() async throws(MigratorError) -> [MigrationLock<Client>.Claim] {
        try await MigrationLock(
            client: client, tables: tables, owner: options.actor, clock: options.clock, retryPause: options.retryPause
        ).claims()
    }

    /// Ends every live claim on the lock, recording the reason in the history.
    public func breakLock(reason: String) async throws(MigratorError) -> [MigrationLock<Client>.Claim] {
        let lock = MigrationLock(
            client: client, tables: tables, owner: options.actor, clock: options.clock, retryPause: options.retryPause)
        let broken = try await lock.breakAll(reason: reason)
        let clock = EventClock(after: try await history.events())
        for claim in broken {
            try await history.append(
                event(
                    .lockBroken, version: 0, slug: "", detail: "broke the lock of \(claim.owner): \(reason)",
                    clock: clock))
        }
        return broken
    }

    // MARK: - Running

    /// The tracking DDL names its database itself, and that database may not exist yet, so it runs without one.
    func ensureTracking() async throws(MigratorError) {
        try await history.ensure(executor: executor(on: serverClient))
    }

    /// This run's claim on the lock, once held; the tracking tables are created when missing.
    func acquireLock() async throws(MigratorError) -> MigrationLock<Client> {
        let lock = MigrationLock(
            client: client, tables: tables, owner: options.actor, clock: options.clock, retryPause: options.retryPause)
        do throws(MigratorError) {
            try await lock.acquire(ttl: options.lockTTL, wait: options.lockWait)
        } catch  where error.cause?.isMissingTable == true {
            try await ensureTracking()
            try await lock.acquire(ttl: options.lockTTL, wait: options.lockWait)
        }
        return lock
    }

    /// What a locked run starts from: its claim on the lock, the history as it stood once the lock
    /// was held, and the clock that orders the run's events after it.
    struct Run {
        let lock: MigrationLock<Client>
        let ledger: MigrationLedger
        let clock: EventClock
    }

    /// Takes the lock, reads the history once, runs `body`, and always releases the lock. The
    /// tracking tables are created only when one turns out to be missing, so a server that has
    /// them costs no DDL round trips.
    func locked<T>(_ body: (Run) async throws(MigratorError) -> T) async throws(MigratorError) -> T {
        let lock = try await acquireLock()
        do throws(MigratorError) {
            let events: [HistoryEvent]
            do throws(MigratorError) {
                events = try await history.events(tableRequired: true)
            } catch  where error.cause?.isMissingTable == true {
                try await ensureTracking()
                events = []
            }
            let result = try await body(
                Run(lock: lock, ledger: MigrationLedger(events: events), clock: EventClock(after: events)))
            try await lock.release()
            return result
        } catch {
            try? await lock.release()
            throw error
        }
    }

    private func migration(_ version: UInt64) -> Migration {
        migrations.first { $0.version.value == version }!
    }

    /// Records go in as few round trips as safety allows: `started` travels with the first
    /// statement's record, and the last statement's record travels with the verdict of the verify
    /// queries (`applied` or `failed`). Every statement is still recorded before the next one runs;
    /// a run killed between its last statement and the verdict repeats that statement (lint keeps
    /// statements idempotent).
    private func apply(_ step: Step, migration: Migration, clock: EventClock, lock: MigrationLock<Client>)
        async throws(MigratorError)
    {
        let name = migration.name
        var unrecorded: [HistoryEvent] = []
        if step.firstStatement == 1 {
            unrecorded.append(entry(.started, migration, clock: clock))
        } else if step.firstStatement > migration.up.count {
            options.progress?(
                "\(name): all \(migration.up.count) statements are applied; checking its verify queries again")
        } else {
            options.progress?("\(name): resuming at statement \(step.firstStatement) of \(migration.up.count)")
        }
        for (offset, statement) in migration.up.enumerated().dropFirst(step.firstStatement - 1) {
            let number = offset + 1
            let started = ContinuousClock.now
            options.progress?("\(name): statement \(number)/\(migration.up.count) (line \(statement.line))")
            let lost: MigratorError?
            do throws(ClickHouseError) {
                lost = try await execute(statement, holding: lock)
            } catch {
                try await history.append(
                    unrecorded + [
                        entry(
                            .failed, migration, clock: clock, statement: number, hash: statement.hash,
                            detail: error.description)
                    ])
                throw MigratorError(
                    .statementFailed,
                    "\(name) failed at statement \(number) of \(migration.up.count) (\(migration.upFile):\(statement.line)): \(error)\n"
                        + (number > 1 ? "Statements 1…\(number - 1) are applied and recorded. " : "")
                        + "Fix statement \(number) and run `migrate up` again: it resumes at statement \(number).",
                    cause: error)
            }
            unrecorded.append(
                entry(
                    .statementApplied, migration, clock: clock, statement: number, hash: statement.hash,
                    duration: started.duration(to: .now)))
            if let lost {
                try await history.append(unrecorded)
                throw lost
            }
            if number < migration.up.count {
                try await history.append(unrecorded)
                unrecorded = []
            }
            try await lock.renew(ttl: options.lockTTL)
        }
        let verified = await verifiedAtOnce(migration)
        for (index, query) in migration.verify.enumerated() where !verified {
            let answer: String?
            do throws(ClickHouseError) {
                answer = try await client.value(query.text)
            } catch {
                try await history.append(
                    unrecorded + [
                        entry(
                            .failed, migration, clock: clock,
                            detail: "verify query \(index + 1) (line \(query.line)): \(error)")
                    ])
                throw MigratorError(
                    .verifyFailed,
                    "\(name): verify query \(index + 1) (\(migration.verifyFile ?? "verify"):\(query.line)) failed: \(error)",
                    cause: error)
            }
            guard answer == "1" || answer == "true" else {
                try await history.append(
                    unrecorded + [
                        entry(
                            .failed, migration, clock: clock,
                            detail: "verify query \(index + 1) (line \(query.line)) returned \(answer ?? "NULL")")
                    ])
                throw MigratorError(
                    .verifyFailed,
                    "\(name): verify query \(index + 1) (\(migration.verifyFile ?? "verify"):\(query.line)) returned \(answer ?? "no row"), not 1: "
                        + "the migration's statements ran but did not do what the verify file expects")
            }
        }
        try await history.append(unrecorded + [entry(.applied, migration, clock: clock)])
        options.progress?("\(name): applied")
    }

    /// All of a migration's verify queries in one round trip, as scalar subqueries of one SELECT:
    /// true when every one answers 1. Anything else (a failure, a 0, a query that is not scalar)
    /// sends the caller through the queries one by one, which names the one at fault.
    private func verifiedAtOnce(_ migration: Migration) async -> Bool {
        let columns = migration.verify.enumerated().map { "(\n\($1.text)\n) AS verify_\($0 + 1)" }
        guard !columns.isEmpty, let row = try? await client.rows("SELECT " + columns.joined(separator: ",\n")).first
        else { return false }
        return row.count == columns.count && row.allSatisfy { $0 == "1" || $0 == "true" }
    }

    private func revert(_ step: Step, migration: Migration, clock: EventClock, lock: MigrationLock<Client>)
        async throws(MigratorError)
    {
        let name = migration.name
        try await record(.rollbackStarted, migration, clock: clock)
        for (offset, statement) in (migration.down ?? []).enumerated() {
            let number = offset + 1
            options.progress?("\(name): down statement \(number)/\(step.statements.count)")
            let lost: MigratorError?
            do throws(ClickHouseError) {
                lost = try await execute(statement, holding: lock)
            } catch {
                try await record(
                    .rollbackFailed, migration, clock: clock, statement: number, hash: statement.hash,
                    detail: error.description)
                throw MigratorError(
                    .statementFailed,
                    "rolling back \(name) failed at down statement \(number) (\(migration.downFile ?? "down"):\(statement.line)): \(error)",
                    cause: error)
            }
            try await record(
                .rollbackStatementApplied, migration, clock: clock, statement: number, hash: statement.hash)
            if let lost { throw lost }
            try await lock.renew(ttl: options.lockTTL)
        }
        try await record(.rolledBack, migration, clock: clock)
        options.progress?("\(name): rolled back")
    }

    /// Runs one statement while the lock is renewed in the background. Returns the lock's loss if
    /// a renewal found the claim broken, for the caller to record the statement first and then stop.
    private func execute(_ statement: Statement, holding lock: MigrationLock<Client>) async throws(ClickHouseError)
        -> MigratorError?
    {
        let renewal = lock.keepingAlive(ttl: options.lockTTL)
        do throws(ClickHouseError) {
            try await executor.execute(statement.text)
        } catch {
            _ = await renewal.stop()
            throw error
        }
        return await renewal.stop()
    }

    private func record(
        _ kind: HistoryEvent.Kind, _ migration: Migration, clock: EventClock, statement: Int = 0, hash: String = "",
        detail: String = "",
        duration: Duration = .zero
    ) async throws(MigratorError) {
        try await history.append(
            entry(kind, migration, clock: clock, statement: statement, hash: hash, detail: detail, duration: duration))
    }

    private func entry(
        _ kind: HistoryEvent.Kind, _ migration: Migration, clock: EventClock, statement: Int = 0, hash: String = "",
        detail: String = "",
        duration: Duration = .zero
    ) -> HistoryEvent {
        var entry = event(
            kind, version: migration.version.value, slug: migration.slug, checksum: migration.checksum, detail: detail,
            clock: clock)
        entry.statement = statement
        entry.statementHash = hash
        entry.durationMilliseconds = UInt64(
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        return entry
    }

    private func event(
        _ kind: HistoryEvent.Kind, version: UInt64, slug: String, checksum: String = "", detail: String = "",
        clock: EventClock
    ) -> HistoryEvent {
        HistoryEvent(
            version: version, slug: slug, kind: kind, checksum: checksum, release: options.release,
            actor: options.actor, detail: detail,
            at: clock.next())
    }
}

/// Orders the events of one run after every event already in the history, whatever the clocks of
/// the workstations that wrote them: milliseconds since 1970, never less than the last seen + 1.
final class EventClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last: UInt64

    /// A clock whose first event comes after every one of `events`.
    init(after events: [HistoryEvent]) { self.last = events.map(\.at).max() ?? 0 }

    func next() -> UInt64 {
        lock.withLock {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            last = max(now, last + 1)
            return last
        }
    }
}
