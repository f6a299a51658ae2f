import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import HostScripts
import Migrator
import SSH

/// Both locks of an environment: each host's deploy lock and the migrator's lock in ClickHouse.
public struct EnvironmentLocks: Sendable {
    public let environment: Environment
    public let layout: HostLayout

    public init(environment: Environment) {
        self.environment = environment
        layout = HostLayout(environment)
    }

    /// Who holds what.
    public func status(in session: EnvironmentSession, migrator: Migrator<ClickHouseClient>) async throws(MigratorError)
        -> LockReport
    {
        let hosts = await hostLocks(in: session, breaking: nil)
        return LockReport(
            environment: environment.name, hosts: hosts, claims: try await migrator.lockClaims(), broken: false)
    }

    /// Ends both kinds of lock, writing `reason` into the migration history and each host's audit log.
    /// With `holder` (a run id `lock status` showed), a host's deploy lock is broken only while that
    /// run holds it: a lock another run took since is left and reported.
    public func breakAll(
        in session: EnvironmentSession, migrator: Migrator<ClickHouseClient>, reason: String, actor: String,
        holder: String? = nil
    ) async throws(MigratorError) -> LockReport {
        let hosts = await hostLocks(in: session, breaking: (reason, actor, holder))
        return LockReport(
            environment: environment.name, hosts: hosts, claims: try await migrator.breakLock(reason: reason),
            broken: true)
    }

    private func hostLocks(
        in session: EnvironmentSession, breaking: (reason: String, actor: String, holder: String?)?
    ) async -> [LockReport.HostLock] {
        let layout = layout
        let environment = environment
        let clickhouse = breaking == nil ? nil : try? await session.clickhouse(as: .admin)
        return await session.eachHost(
            { host, connection in
                do throws(CommandFailure) {
                    let arguments =
                        [layout.shared, layout.lockFile]
                        + (breaking.map { ["break"] + ($0.holder.map { [$0] } ?? []) } ?? ["show"])
                    let run = try await HostScript(host: connection).run(.deployLock, arguments)
                    let holder = ScriptAnswer(run.stdoutText)["lock"].flatMap {
                        try? JSONDecoder().decode(HostLease.Holder.self, from: Data($0.utf8))
                    }
                    // 75: another run than the one named holds the lock now; it stays.
                    if run.exitStatus == 75, let holder {
                        return LockReport.HostLock(host: host.name, holder: holder, problem: nil, kept: true)
                    }
                    guard run.succeeded else {
                        throw CommandFailure(
                            .checkFailed, "host",
                            "\(connection.label): reading the deploy lock failed (\(run.outcome)): \(run.stderrText)")
                    }
                    if let breaking, let holder {
                        let record = AuditRecord(
                            command: "lock break", environment: environment.name, host: host.name,
                            actor: breaking.actor, release: holder.release,
                            result: "ok", seconds: 0,
                            changes: ["broke the deploy lock of \(holder.owner) (`\(holder.command)`)"],
                            detail: breaking.reason)
                        try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
                            record, on: connection, clickhouse: clickhouse)
                    }
                    return LockReport.HostLock(host: host.name, holder: holder, problem: nil)
                } catch {
                    return LockReport.HostLock(host: host.name, holder: nil, problem: error.message)
                }
            },
            unreachable: { host, failure in
                LockReport.HostLock(host: host.name, holder: nil, problem: failure.description)
            })
    }
}
