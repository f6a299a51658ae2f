import ClickHouse
import Foundation

/// A lock in ClickHouse that keeps two `migrate` runs (from any workstations) from interleaving.
///
/// ClickHouse has no row locks, so it is an insert-and-compare protocol: a run inserts its claim
/// stamped with the server's clock, waits until the following second is over too (so every claim
/// stamped with the same second, even one whose INSERT was still in flight, is visible), and holds the lock if its claim is the oldest live one (ties broken by id).
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
    private let state = NSLock()
    private var claimID = UUID().uuidString
    private var renewed = ContinuousClock.now

    /// The id of this run's current claim; every attempt makes a new one, since a released claim stays released.
    var id: String { state.withLock { claimID } }

    init(client: Client, tables: TrackingTables, owner: String) {
        self.client = client
        self.tables = tables
        self.owner = owner
    }

    var table: String { tables.qualified(tables.lock) }

    /// Claims the lock, waiting up to `wait` for another holder to finish.
    ///
    /// - Throws: `MigratorError` `.locked` naming the holder and when its claim expires.
    func acquire(ttl: Duration, wait: Duration) async throws(MigratorError) {
        let started = ContinuousClock.now
        while true {
            state.withLock {
                claimID = UUID().uuidString
                renewed = .now
            }
            try await insert(event: "acquire", ttl: ttl)
            try await waitForClaimSecondToPass()
            let live = try await claims()
            if live.first?.id == id { return }
            try await insert(event: "release", ttl: .zero)
            guard let holder = live.first(where: { $0.id != id }) else {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            if started.duration(to: .now) >= wait {
                throw MigratorError(
                    .locked,
                    "another migration run holds the lock: \(holder.owner) since \(holder.acquiredAt) UTC (expires \(holder.expiresAt) UTC). "
                        + "Wait for it, pass --lock-wait, or if that run is dead: deployctl lock break <env> --reason \"…\"")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Extends this run's claim once a quarter of its TTL has passed since the last extension, so a
    /// long run keeps the lock without a round trip after every statement.
    func renew(ttl: Duration) async throws(MigratorError) {
        let due = state.withLock { renewed.duration(to: .now) >= ttl / 4 }
        guard due else { return }
        try await insert(event: "renew", ttl: ttl)
        state.withLock { renewed = .now }
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
            return rows.map { Claim(id: $0[0] ?? "", owner: $0[1] ?? "", acquiredAt: $0[2] ?? "", expiresAt: $0[3] ?? "") }
        } catch where error.code == 60 || error.code == 81 {
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
                    + "\(ClickHouseSQL.literal(claim.id)), \(ClickHouseSQL.literal(owner)), 'break', now(), now(), \(ClickHouseSQL.literal(reason))")
        }
        return live
    }

    private func insert(event: String, ttl: Duration) async throws(MigratorError) {
        let seconds = Int(ttl.components.seconds)
        try await execute(
            "INSERT INTO \(table) (lock_id, owner, event, acquired_at, expires_at, reason) SELECT "
                + "\(ClickHouseSQL.literal(id)), \(ClickHouseSQL.literal(owner)), \(ClickHouseSQL.literal(event)), now(), now() + \(seconds), ''")
    }

    private func waitForClaimSecondToPass() async throws(MigratorError) {
        for _ in 0..<30 {
            let passed = try await value(
                "SELECT now() > 1 + (SELECT max(acquired_at) FROM \(table) WHERE lock_id = \(ClickHouseSQL.literal(id)) AND event = 'acquire')")
            if passed == "1" { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
        throw MigratorError(.database, "the server's clock did not advance while taking the migration lock")
    }

    private func execute(_ sql: String) async throws(MigratorError) {
        do throws(ClickHouseError) {
            try await client.execute(sql)
        } catch {
            throw MigratorError(.database, "cannot write the migration lock: \(error)", cause: error)
        }
    }

    private func value(_ sql: String) async throws(MigratorError) -> String? {
        do throws(ClickHouseError) {
            return try await client.value(sql)
        } catch {
            throw MigratorError(.database, "cannot read the migration lock: \(error)", cause: error)
        }
    }
}
