import ClickHouse
import Foundation

/// Applies and rolls back versioned migrations on one ClickHouse database, recording every step
/// in the append-only history so that a failure at any statement can be resumed or undone.
public struct Migrator<Client: ClickHouseQuerying>: Sendable {
    /// Settings of a run.
    public struct Options: Sendable {
        public var release: String
        public var actor: String
        public var lockTTL: Duration
        public var lockWait: Duration
        public var allowOutOfOrder: Bool
        /// `distributed_ddl_task_timeout` for ON CLUSTER statements, in seconds.
        public var distributedDDLTimeout: Int
        /// Receives one line per step, for progress output.
        public var progress: (@Sendable (String) -> Void)?
        /// What the lock measures its wait and renewals with.
        public var clock: WaitClock
        /// The pause before a contended lock is tried again; random, so that two runs that saw
        /// each other do not retry in step.
        public var retryPause: @Sendable () -> Duration

        public init(
            release: String = "unreleased", actor: String = Options.defaultActor, lockTTL: Duration = .seconds(600),
            lockWait: Duration = .zero,
            allowOutOfOrder: Bool = false, distributedDDLTimeout: Int = 60,
            progress: (@Sendable (String) -> Void)? = nil,
            clock: WaitClock = .continuous,
            retryPause: @escaping @Sendable () -> Duration = { .milliseconds(Int.random(in: 100...600)) }
        ) {
            self.release = release
            self.actor = actor
            self.lockTTL = lockTTL
            self.lockWait = lockWait
            self.allowOutOfOrder = allowOutOfOrder
            self.distributedDDLTimeout = distributedDDLTimeout
            self.progress = progress
            self.clock = clock
            self.retryPause = retryPause
        }

        /// `user@host` of this workstation.
        public static var defaultActor: String {
            let environment = ProcessInfo.processInfo.environment
            let account = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
            let user = environment["USER"] ?? environment["LOGNAME"] ?? account ?? "unknown"
            return "\(user)@\(ProcessInfo.processInfo.hostName)"
        }
    }

    /// One migration to apply or undo.
    public struct Step: Sendable, Codable, Equatable {
        public enum Direction: String, Sendable, Codable { case up, down }
        public let version: UInt64
        public let slug: String
        public let direction: Direction
        /// The statements that will run, in order (resumed runs skip those already applied).
        public let statements: [String]
        /// 1-based number of the first statement that will run.
        public let firstStatement: Int
    }

    public let client: Client
    public let migrations: [Migration]
    public let tables: TrackingTables
    public private(set) var options: Options

    /// Lets this run apply pending migrations older than the newest applied one.
    public mutating func allowOutOfOrder(_ allowed: Bool) { options.allowOutOfOrder = allowed }

    /// `client` must be an administrator of the server; its database setting is replaced by `tables.target`.
    public init(client: Client, migrations: [Migration], tables: TrackingTables, options: Options = Options()) {
        self.client = client.using(database: tables.target)
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.tables = tables
        self.options = options
    }

    var history: MigrationHistory<Client> { MigrationHistory(client: client, tables: tables) }
    var serverClient: Client { client.using(database: nil) }
    var executor: DDLExecutor<Client> { executor(on: client) }

    func executor(on client: Client) -> DDLExecutor<Client> {
        var executor = DDLExecutor(client: client, cluster: tables.cluster)
        if tables.cluster != nil {
            executor.settings = ["distributed_ddl_task_timeout": String(options.distributedDDLTimeout)]
        }
        executor.onWaiting = options.progress
        return executor
    }

    // MARK: - Status and plan

    /// Every known version — from the files and from the history — with its condition.
    public func status() async throws(MigratorError) -> [MigrationStatus] {
        let ledger = MigrationLedger(events: try await history.events())
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version.value, $0) })
        let versions = Set(files.keys).union(ledger.states.keys).sorted()
        return versions.map { version in
            let file = files[version]
            let slug = file?.slug ?? ledger.slugs[version] ?? "?"
            let state = ledger.state(of: version)
            func line(
                _ condition: MigrationStatus.Condition, _ detail: String, at: UInt64 = 0, actor: String = "",
                release: String = ""
            ) -> MigrationStatus {
                MigrationStatus(
                    version: version, slug: slug, condition: condition, detail: detail, at: at, actor: actor,
                    release: release)
            }
            switch state {
            case .pending:
                return line(file == nil ? .missingFile : .pending, file == nil ? "rolled back; its file is gone" : "")
            case .applied(let checksum, let at, let actor, let release):
                guard let file else {
                    return line(
                        .missingFile, "applied, but \(Self.fileName(version, slug)) no longer exists", at: at,
                        actor: actor, release: release)
                }
                if file.checksum != checksum {
                    return line(
                        .drifted,
                        "file changed since it was applied: applied \(checksum.prefix(12)), file now \(file.checksum.prefix(12))",
                        at: at, actor: actor, release: release)
                }
                return line(.applied, "", at: at, actor: actor, release: release)
            case .baselined(let at, let actor):
                return line(.baselined, "marked applied by baseline", at: at, actor: actor)
            case .failed(let statement, let error, _, _):
                return line(
                    .failed, statement == 0 ? "verify failed: \(error)" : "statement \(statement) failed: \(error)")
            case .interrupted(let hashes, _):
                return line(.interrupted, "stopped after statement \(hashes.count) without an outcome")
            case .rollbackFailed(let statement, let error):
                return line(.rollbackFailed, "down statement \(statement) failed: \(error)")
            }
        }
    }

    /// The steps `up(to:)` would take, after the same safety checks.
    public func planUp(to target: UInt64? = nil) async throws(MigratorError) -> [Step] {
        try await planUp(to: target, ledger: MigrationLedger(events: try await history.events()))
    }

    func planUp(to target: UInt64?, ledger: MigrationLedger) async throws(MigratorError) -> [Step] {
        let errors = MigrationLinter(cluster: tables.cluster).lint(migrations).filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw MigratorError(
                .lint,
                "the migrations do not pass lint; nothing was applied:\n"
                    + errors.map(\.description).joined(separator: "\n"))
        }
        try checkDrift(ledger)
        let newestApplied = migrations.filter { ledger.state(of: $0.version.value).isApplied }.map(\.version.value)
            .max()
        var steps: [Step] = []
        for migration in migrations where target.map({ migration.version.value <= $0 }) ?? true {
            let state = ledger.state(of: migration.version.value)
            if state.isApplied { continue }
            if let newestApplied, migration.version.value < newestApplied, !options.allowOutOfOrder {
                throw MigratorError(
                    .outOfOrder,
                    "migration \(migration.name) is older than the newest applied one (\(newestApplied)). "
                        + "Renumber it after \(newestApplied), or pass --allow-out-of-order if it really is independent"
                )
            }
            let first = try resumePoint(for: migration, state: state)
            steps.append(
                Step(
                    version: migration.version.value, slug: migration.slug, direction: .up,
                    statements: migration.up.dropFirst(first - 1).map(\.text), firstStatement: first))
        }
        try await checkViewQueries(of: steps)
        return steps
    }

    /// Asks the server to parse the query of every view the planned migrations create (up and
    /// down files), so that a view that would fail with a syntax error (Code 62) stops the plan
    /// before anything runs. One round trip with `formatQueryOrNull` (ClickHouse 23.11 and later);
    /// `EXPLAIN AST` then fetches the server's own message for each one that does not parse.
    /// Older servers cannot do this here; replay (`migrate validate --replay`) still catches them.
    /// Parsing needs no database, and the planned one may not exist yet.
    private func checkViewQueries(of steps: [Step]) async throws(MigratorError) {
        let versions = Set(steps.map(\.version))
        let queries = MigrationLinter(cluster: tables.cluster).viewQueries(
            in: migrations.filter { versions.contains($0.version.value) })
        guard !queries.isEmpty else { return }
        let probe =
            "SELECT "
            + queries.enumerated()
            .map { "formatQueryOrNull(\(ClickHouseSQL.literal($1.select))) IS NOT NULL AS view_\($0 + 1)" }
            .joined(separator: ", ")
        let parsed: [String?]
        do throws(ClickHouseError) {
            parsed = try await serverClient.rows(probe).first ?? []
        } catch  where error.code == 46 {
            return
        } catch {
            throw MigratorError(.database, "cannot ask the server to parse the views' queries: \(error)", cause: error)
        }
        var problems: [String] = []
        for (index, query) in queries.enumerated()
        where index >= parsed.count || !["1", "true"].contains(parsed[index]) {
            var reason = "ClickHouse cannot parse it"
            do throws(ClickHouseError) {
                _ = try await serverClient.rows("EXPLAIN AST " + query.select)
            } catch {
                reason = error.description
            }
            problems.append("\(query.file):\(query.line): view \(query.view): its query does not parse: \(reason)")
        }
        guard problems.isEmpty else {
            throw MigratorError(
                .lint, "a view's query does not parse; nothing was applied:\n" + problems.joined(separator: "\n"))
        }
    }

    /// The steps `down` would take: the newest applied migrations first, down to (not including) `target`, or `steps` of them.
    public func planDown(to target: UInt64? = nil, steps count: Int? = nil) async throws(MigratorError) -> [Step] {
        try planDown(to: target, steps: count, ledger: MigrationLedger(events: try await history.events()))
    }

    func planDown(to target: UInt64?, steps count: Int?, ledger: MigrationLedger) throws(MigratorError) -> [Step] {
        try checkDrift(ledger)
        var applied = migrations.filter {
            ledger.state(of: $0.version.value).isApplied || isRollbackFailed(ledger.state(of: $0.version.value))
        }
        .sorted { $0.version > $1.version }
        if let target { applied = applied.filter { $0.version.value > target } }
        if let count { applied = Array(applied.prefix(count)) }
        return try applied.map { (migration: Migration) throws(MigratorError) -> Step in
            guard let down = migration.down else {
                throw MigratorError(
                    .invalidRequest,
                    "migration \(migration.name) is irreversible (\(migration.irreversibleReason ?? "no down file")); cannot roll back past it"
                )
            }
            return Step(
                version: migration.version.value, slug: migration.slug, direction: .down, statements: down.map(\.text),
                firstStatement: 1)
        }
    }

    private func isRollbackFailed(_ state: MigrationState) -> Bool {
        if case .rollbackFailed = state { return true }
        return false
    }

    /// Drift blocks everything: an applied migration whose file changed or vanished.
    func checkDrift(_ ledger: MigrationLedger) throws(MigratorError) {
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version.value, $0) })
        var problems: [String] = []
        for (version, state) in ledger.states.sorted(by: { $0.key < $1.key }) {
            guard case .applied(let checksum, _, _, _) = state else { continue }
            let slug = ledger.slugs[version] ?? "?"
            guard let file = files[version] else {
                problems.append(
                    "migration \(version) (\(slug)) is applied but its file is gone: restore \(Self.fileName(version, slug)), or roll it back with the old file"
                )
                continue
            }
            if file.checksum != checksum {
                problems.append(
                    "migration \(Self.fileName(version, slug)) changed after it was applied: applied checksum \(checksum), file checksum \(file.checksum). "
                        + "Put the applied version back and add a new migration for the change, or accept the file with `deployctl migrate repair --version \(version) --accept-checksum --reason …`"
                )
            }
        }
        guard problems.isEmpty else { throw MigratorError(.drift, problems.joined(separator: "\n")) }
    }

    /// Where a failed or interrupted migration resumes: after the statements that were applied,
    /// provided they are still the same statements (by hash).
    func resumePoint(for migration: Migration, state: MigrationState) throws(MigratorError) -> Int {
        let applied: [String]
        switch state {
        case .failed(_, _, let hashes, _), .interrupted(let hashes, _): applied = hashes
        default: return 1
        }
        let current = migration.up.map(\.hash)
        for (index, hash) in applied.enumerated() where index >= current.count || current[index] != hash {
            throw MigratorError(
                .cannotResume,
                "migration \(migration.name) stopped after statement \(applied.count), but statement \(index + 1) "
                    + "has changed since it was applied. Statements 1…\(applied.count) are on the server as they were. Either restore them in the file "
                    + "and fix only the failed statement, or undo the applied part by hand and run `deployctl migrate repair --version \(migration.version.value) --mark-rolled-back --reason …`"
            )
        }
        return applied.count + 1
    }

    /// The name of a migration known only by version and slug (from the history, its file gone).
    static func fileName(_ version: UInt64, _ slug: String) -> String {
        "\(MigrationVersion(version))_\(slug)"
    }
}
