import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import Migrator
import SSH

/// `deployctl deploy <env>`: one release onto every host of an environment, under one lease.
///
/// Per host, in order: upload the files whose content the host lacks (unless it holds the release),
/// verify the signature and every file's hash on the host, check the env file with the new release's loader, verify the new
/// units with `systemd-analyze verify`; then, once for the environment, the release's migrations;
/// then stop the loader's timer (waiting out a run in progress), install only the units that
/// changed, switch `current` atomically, restart what runs the new binary, start the timer on the
/// loader host(s), and check one loader run and the healthcheck. Until the switch nothing the host
/// runs has changed, so a failure before it leaves the host on its old release.
public struct Deployment: Sendable {
    public let environment: Environment
    public let layout: HostLayout
    public let release: ReleaseSummary
    public let actor: String
    /// How long a loader run in progress may take to finish before the switch.
    public var loaderWait: Duration = .seconds(1200)
    /// The host's watchdog after the switch (`[deploy] watchdog_seconds`).
    var watchdog: HostWatchdog { HostWatchdog(layout: layout, window: environment.deploy.watchdog) }

    /// The host lease's and the migration lock's TTL (`[deploy] lock_ttl_seconds`); renewed every third of it.
    public var leaseTTL: Duration
    /// How long the migrations wait for another run's migration lock (`--lock-wait`): long enough by
    /// default for the claim of a deploy killed mid-migration to expire when the TTL is short.
    public var migrationLockWait: Duration = .seconds(60)
    /// For a rollback: the migrations (with their down files) of the release being left, and the
    /// version to roll the schema back to (the target release's newest migration).
    public var schemaRollback: (migrations: [Migration], to: UInt64)?
    /// For a rollback that leaves the schema as it is: no migration is planned or checked (the
    /// target release does not know the newer migrations the schema holds).
    public var leaveSchema = false
    /// `deploy` or `rollback`, in the audit log and the lease.
    public var command = "deploy"
    /// Where earlier releases are looked up when a failure after the switch rolls the deploy back
    /// by itself; nil turns the automatic rollback off.
    public var rollbackStore: ReleaseStore?

    public init(environment: Environment, release: ReleaseSummary, actor: String) {
        self.environment = environment
        self.layout = HostLayout(environment)
        self.release = release
        self.actor = actor
        leaseTTL = environment.deploy.lockTTL
        planner = DeployPlanner(environment: environment, layout: layout, release: release)
    }

    /// The release's units and drop-ins, read once.
    let planner: DeployPlanner

    var migrations: [Migration] {
        get throws(CommandFailure) {
            do {
                return try MigrationSet(directory: release.path + "/migrations").migrations
            } catch {
                throw CommandFailure(.invalidConfiguration, "migrations", error.description)
            }
        }
    }

    func migrator(in session: EnvironmentSession) async throws(CommandFailure) -> Migrator<ClickHouseClient> {
        try await EnvironmentMigrator.open(
            in: session, migrations: try migrations,
            options: migratorOptions)
    }

    /// The migrator's options for this run, forward or back: its release, actor, lock TTL and lock wait.
    var migratorOptions: Migrator<ClickHouseClient>.Options {
        .init(release: release.id, actor: actor, lockTTL: leaseTTL, lockWait: migrationLockWait)
    }

    /// Each reachable host's state and, when it lacks the release, what of it: all hosts at once,
    /// in the session's order.
    private func readHosts(in session: EnvironmentSession, units: [String]) async -> [(
        Environment.Host, Result<(HostState, ReleaseTransfer.Needs?), CommandFailure>
    )] {
        let layout = layout
        let release = release
        return await session.eachHost(
            { host, connection -> (Environment.Host, Result<(HostState, ReleaseTransfer.Needs?), CommandFailure>)? in
                do throws(CommandFailure) {
                    let first = try await HostState.read(on: connection, layout: layout, units: units)
                    let extra = first.currentUnits.filter { !units.contains($0) }
                    let state =
                        extra.isEmpty
                        ? first : try await HostState.read(on: connection, layout: layout, units: units + extra)
                    let needs =
                        state.releases.contains(release.id)
                        ? nil : try await ReleaseTransfer.needs(of: release, layout: layout, on: connection)
                    return (host, .success((state, needs)))
                } catch {
                    return (host, .failure(error))
                }
            }, unreachable: { _, _ in nil }
        ).compactMap { $0 }
    }

    /// Reads every host and the schema; changes nothing. `parallel` hosts are deployed at once.
    public func plan(in session: EnvironmentSession, dryRun: Bool, parallel: Int = 1) async throws(CommandFailure)
        -> DeployPlan
    {
        if let failure = session.failures.first { throw CommandFailure(.unreachable, "ssh", failure.description) }
        let units = try planner.names.get().units.map(\.value)
        var states: [(host: Environment.Host, state: HostState)] = []
        // Every host is asked at once; then what each lacks is packed, one payload per distinct need.
        for (host, read) in await readHosts(in: session, units: units) {
            var (state, needs) = try read.get()
            if let needs { state.transfer = try ReleaseTransfer.transfer(of: release, for: needs) }
            states.append((host, state))
        }
        if leaveSchema {
            return try planner.plan(
                hosts: states, migrations: [], lint: [], dryRun: dryRun, parallel: parallel, command: command)
        }
        let migrations = try self.migrations
        let findings =
            schemaRollback == nil ? MigrationLinter(cluster: environment.clickhouse.cluster).lint(migrations) : []
        let migrator =
            schemaRollback == nil
            ? try await migrator(in: session)
            : try await EnvironmentMigrator.open(
                in: session, migrations: schemaRollback!.migrations,
                options: migratorOptions)
        let steps: [Migrator<ClickHouseClient>.Step]
        do throws(MigratorError) {
            if let schemaRollback {
                steps = try await migrator.planDown(to: schemaRollback.to)
            } else {
                steps = try await migrator.planUp()
            }
        } catch {
            throw error.failure
        }
        return try planner.plan(
            hosts: states, migrations: steps, lint: findings.map(\.description), dryRun: dryRun, parallel: parallel,
            command: command)
    }
}

/// What a deploy did.
public struct DeployReport: CommandOutput {
    /// Where one host ended up.
    public struct HostOutcome: Sendable, Encodable {
        public let host: String
        /// The release `current` points at now.
        public let release: String?
        public let result: String
        public let detail: String?
        /// What went wrong with this host's audit entry, if anything (the deploy itself stands:
        /// `audit verify` shows the gap until it is looked into).
        public let audit: String?

        init(host: String, release: String?, result: String, detail: String?, audit: String? = nil) {
            self.host = host
            self.release = release
            self.result = result
            self.detail = detail
            self.audit = audit
        }
    }

    public let plan: DeployPlan
    /// The steps taken, in order; equal to `plan.actions` when the deploy succeeded.
    public let taken: [DeployStep]
    public let hosts: [HostOutcome]
    public let seconds: Double
    /// Requests made of the hosts (commands, transfers), each at least one SSH round trip.
    public let roundTrips: Int
    public let failure: String?
    /// The automatic rollback a failure after the switch set off.
    public let rollback: AutomaticRollback?
    /// The verdict of the step that failed (a held lock is `locked`, an unreachable host `unreachable`).
    let failureVerdict: Verdict

    public var verdict: Verdict { failure == nil ? .success : failureVerdict }

    enum CodingKeys: String, CodingKey { case plan, taken, hosts, seconds, roundTrips, failure, rollback }

    /// What the automatic rollback did.
    public struct AutomaticRollback: Sendable, Encodable {
        public let to: String
        public let taken: [DeployStep]
        public let failure: String?
        public let note: String?
    }
    public var failureSummary: String { failure ?? "" }

    public func render(_ terminal: Terminal) -> String {
        var lines: [String] = []
        if plan.unchanged {
            lines.append(plan.render(terminal))
        } else {
            let time = String(format: "%.1f", seconds)
            lines.append(
                failure == nil
                    ? (plan.command == "rollback"
                        ? "rolled back to \(terminal.bold(plan.release)) on "
                        : "deployed \(terminal.bold(plan.release)) to ")
                        + "\(plan.environment) in \(time) s: \(taken.count) step(s), \(roundTrips) SSH request(s)"
                    : (plan.command == "rollback"
                        ? "rollback to \(terminal.bold(plan.release)) on \(plan.environment) "
                        : "deploy of \(terminal.bold(plan.release)) to \(plan.environment) ")
                        + terminal.paint("failed", "31;1")
                        + " after \(time) s: \(taken.count) of \(plan.actions.count) step(s) taken, \(roundTrips) SSH request(s)"
            )
            if !plan.migrations.isEmpty {
                lines.append(
                    "  migrations \(plan.command == "rollback" ? "rolled back" : "applied"): "
                        + taken.compactMap(\.migration).joined(separator: ", "))
            }
        }
        for host in hosts {
            let status: CheckStatus = host.result == "ok" ? .ok : .fail
            lines.append(
                "  \(terminal.status(status)) \(host.host)  runs \(host.release ?? "nothing")"
                    + (host.detail.map { "  \($0)" } ?? ""))
            if let audit = host.audit {
                lines.append("    \(terminal.status(.warn)) audit entry \(audit)")
            }
        }
        if let failure { lines.append(terminal.paint("\(plan.command) failed: ", "31;1") + failure) }
        if let rollback {
            if let failed = rollback.failure {
                lines.append(terminal.paint("the automatic rollback to \(rollback.to) failed too: ", "31;1") + failed)
            } else {
                lines.append(
                    "rolled back automatically to \(rollback.to): "
                        + rollback.taken.map(\.description).joined(separator: "; "))
            }
            if let note = rollback.note { lines.append("  " + note) }
        }
        return lines.joined(separator: "\n")
    }
}

extension Deployment {
    /// ClickHouse, for the copy of an entry that must be on record in both places before the run
    /// goes on (an override, an allowed data loss): without it the run stops here.
    private func auditCopy(in session: EnvironmentSession) async throws(CommandFailure) -> ClickHouseClient {
        do throws(ClickHouseAccessError) {
            return try await session.clickhouse(as: .admin)
        } catch {
            throw CommandFailure(
                error.failure.verdict, "audit",
                "the audit entry cannot be copied to ClickHouse, so nothing was changed: \(error)")
        }
    }

    /// The audit entry of a rollback allowed to delete data: what and why.
    public func recordDataLoss(in session: EnvironmentSession, losses: [String], reason: String)
        async throws(CommandFailure)
    {
        let clickhouse = try await auditCopy(in: session)
        for link in session.links {
            guard case .success(let connection) = link.connection else { continue }
            try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
                AuditRecord(
                    command: "data loss allowed", environment: environment.name, host: link.host.name, actor: actor,
                    release: release.id,
                    result: "ok", seconds: 0, changes: losses, detail: reason),
                on: connection, clickhouse: clickhouse)
        }
    }

    /// The audit entry of a deploy that goes past a closed gate: who, why, which release, where.
    public func recordGateOverride(in session: EnvironmentSession, reason: String, closedBecause: String)
        async throws(CommandFailure)
    {
        let clickhouse = try await auditCopy(in: session)
        for link in session.links {
            guard case .success(let connection) = link.connection else { continue }
            try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
                AuditRecord(
                    command: "gate override", environment: environment.name, host: link.host.name, actor: actor,
                    release: release.id, result: "ok",
                    seconds: 0, changes: [AuditRecord.gateOverrideChange(closedBecause: closedBecause)], detail: reason),
                on: connection, clickhouse: clickhouse)
        }
    }
}
