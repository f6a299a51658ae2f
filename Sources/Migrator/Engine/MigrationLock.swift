import ClickHouse
import Foundation

/// A lock in ClickHouse that keeps two `migrate` runs (from any workstations) from interleaving.
///
/// ClickHouse has no row locks, so it is an insert-then-look protocol: a run inserts its claim and
/// then reads the live claims; it holds the lock only if its own claim is the only one. Otherwise
/// it withdraws its claim and tries again later. Two runs cannot both win: if A's read missed B's
/// claim, B's insert finished after A's had, so B's read sees A's claim and B withdraws. Two runs
/// that see each other both withdraw and retry after a random pause, so one of them gets through.
/// No clock comparison is involved, so nothing waits for a second to pass.
/// A claim expires at its TTL unless renewed, so a crashed run's lock goes away by itself;
/// `break` ends one on purpose, with a reason that goes into the history.
public final class MigrationLock<Client: ClickHouseQuerying>: @unchecked Sendable {
    /// A live claim on the lock.
    public struct Claim: Sendable, Equatable, Codable {
        public let id: String
        public let owner: String
        public let acquiredAt: String
        public let expiresAt: String
    }

    let client: Client
    let tables: TrackingTables
    let owner: String
    let clock: WaitClock
    let retryPause: @Sendable () -> Duration
    private let state = NSLock()
    private var claimID = UUID().uuidString
    private var renewed: Duration

    /// The id of this run's current claim; every attempt makes a new one, since a released claim stays released.
    var id: String { state.withLock { claimID } }

    init(
        client: Client, tables: TrackingTables, owner: String, clock: WaitClock,
        retryPause: @escaping @Sendable () -> Duration
    ) {
        self.client = client
        self.tables = tables
        self.owner = owner
        self.clock = clock
        self.retryPause = retryPause
        renewed = clock.now()
    }

    var table: String { tables.qualified(tables.lock) }

    /// This run's claim as the lock table holds it once it lives where `tables` say (after a move).
    func relocated(to tables: TrackingTables) -> MigrationLock {
        let moved = MigrationLock(client: client, tables: tables, owner: owner, clock: clock, retryPause: retryPause)
        let (id, renewed) = state.withLock { (claimID, self.renewed) }
        moved.state.withLock {
            moved.claimID = id
            moved.renewed = renewed
        }
        return moved
    }

    /// Claims the lock, waiting up to `wait` for another holder to finish.
    ///
    /// - Throws: `MigratorError` `.locked` naming the holder and when its claim expires.
    func acquire(ttl: Duration, wait: Duration) async throws(MigratorError) {
        let started = clock.now()
        while true {
            let now = clock.now()
            state.withLock {
                claimID = UUID().uuidString
                renewed = now
            }
            try await insert(event: "acquire", ttl: ttl)
            let others = try await claims().filter { $0.id != id }
            if others.isEmpty { return }
            try await insert(event: "release", ttl: .zero)
            guard let holder = others.first else { continue }
            if clock.now() - started >= wait {
                throw MigratorError(
                    .locked,
                    "another migration run holds the lock: \(holder.owner) since \(holder.acquiredAt) UTC (expires \(holder.expiresAt) UTC). "
                        + "Wait for it, pass --lock-wait, or if that run is dead: deployctl lock break <env> --reason \"…\""
                )
            }
            await clock.sleep(retryPause())
        }
    }

    /// Extends this run's claim once a quarter of its TTL has passed since the last extension, so a
    /// long run keeps the lock without a round trip after every statement, and makes sure the claim
    /// is still live: one broken with `lock break` (or expired) is not brought back.
    ///
    /// - Throws: `MigratorError` `.lockLost` when the claim is no longer live.
    func renew(ttl: Duration) async throws(MigratorError) {
        let now = clock.now()
        let due = state.withLock { now - renewed >= ttl / 4 }
        guard due else { return }
        try await insert(event: "renew", ttl: ttl)
        state.withLock { renewed = now }
        let id = id
        guard try await claims().contains(where: { $0.id == id }) else {
            throw MigratorError(
                .lockLost,
                "this run's claim on the migration lock (\(owner)) ended while it ran: it was broken with `lock break`, "
                    + "or not renewed within its TTL of \(ttl.components.seconds) s. The run stopped before its next statement; "
                    + "see `migrate status`, then run `migrate up` again to resume")
        }
    }

    /// Renews this run's claim in the background every quarter of its TTL while one statement
    /// runs, so a statement longer than the TTL does not let another run in; `stop()` it once the
    /// statement has returned.
    func keepingAlive(ttl: Duration) -> Renewal {
        Renewal(
            task: Task { [self] in
                while !Task.isCancelled {
                    await clock.sleep(ttl / 4)
                    guard !Task.isCancelled else { return nil }
                    do throws(MigratorError) {
                        try await renew(ttl: ttl)
                    } catch {
                        return Task.isCancelled ? nil : error
                    }
                }
                return nil
            })
    }

    /// The background renewal of a claim during one statement.
    struct Renewal: Sendable {
        let task: Task<MigratorError?, Never>

        /// Stops renewing; returns why a renewal failed or found the claim gone meanwhile, if one did.
        func stop() async -> MigratorError? {
            task.cancel()
            return await task.value
        }
    }

    func release() async throws(MigratorError) {
        try await insert(event: "release", ttl: .zero)
    }

    /// Live claims, oldest first.
    public func claims() async throws(MigratorError) -> [Claim] {
        do throws(ClickHouseError) {
            let rows = try await client.rows(
                """
                SELECT lock_id, any(owner), toString(min(acquired_at)), toString(max(expires_at))
                FROM \(table) GROUP BY lock_id
                HAVING countIf(event IN ('release', 'break')) = 0 AND max(expires_at) > now()
                ORDER BY min(acquired_at), lock_id
                """, settings: tables.cluster == nil ? [:] : ["select_sequential_consistency": "1"])
            return rows.map {
                Claim(id: $0[0] ?? "", owner: $0[1] ?? "", acquiredAt: $0[2] ?? "", expiresAt: $0[3] ?? "")
            }
        } catch  where error.isMissingTable {
            return []
        } catch {
            throw MigratorError(.database, "cannot read the migration lock: \(error)", cause: error)
        }
    }

    /// Ends every live claim; returns the claims broken.
    func breakAll(reason: String) async throws(MigratorError) -> [Claim] {
        let live = try await claims()
        for claim in live {
            try await execute(
                "INSERT INTO \(table) (lock_id, owner, event, acquired_at, expires_at, reason) SELECT "
                    + "\(ClickHouseSQL.literal(claim.id)), \(ClickHouseSQL.literal(owner)), 'break', now(), now(), \(ClickHouseSQL.literal(reason))"
            )
        }
        return live
    }

    private func insert(event: String, ttl: Duration) async throws(MigratorError) {
        let seconds = Int(ttl.components.seconds)
        try await execute(
            "INSERT INTO \(table) (lock_id, owner, event, acquired_at, expires_at, reason) SELECT "
                + "\(ClickHouseSQL.literal(id)), \(ClickHouseSQL.literal(owner)), \(ClickHouseSQL.literal(event)), now(), now() + \(seconds), ''"
        )
    }

    private func execute(_ sql: String) async throws(MigratorError) {
        do throws(ClickHouseError) {
            try await client.execute(sql)
        } catch {
            throw MigratorError(.database, "cannot write the migration lock: \(error)", cause: error)
        }
    }
}
