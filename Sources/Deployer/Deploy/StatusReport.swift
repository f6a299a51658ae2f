import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import HostScripts
import Migrator
import SSH
import Verify

/// `deployctl status <env>`: what each host runs and whether it is still what was deployed.
public struct StatusReport: CommandOutput {
    /// One unit on one host.
    public struct UnitState: Sendable, Encodable {
        public let unit: String
        /// `ActiveState/SubState`, `UnitFileState`, `Result`.
        public let active: String
        public let enabled: String
        public let result: String
        /// For a timer: when it fires next.
        public let next: String?
        /// Whether the installed unit and drop-in are the ones the current release installs.
        public let matchesRelease: Bool
    }

    public struct HostStatus: Sendable, Encodable {
        public let host: String
        public let reachable: Bool
        public let current: String?
        public let currentRevision: String?
        /// When and by whom the current release was deployed (from the audit log).
        public let deployedAt: String?
        public let deployedBy: String?
        public let previous: String?
        /// The release `rollback` without `--to` goes to (differs from `previous` when that one failed here).
        public let rollbackTo: String?
        /// Files under `current` that no longer match the release's SHA256SUMS.
        public let alteredFiles: [String]
        public let units: [UnitState]
        public let lock: HostLease.Holder?
        /// The newest deploy here when it failed: when, by whom, which release, why, and whether it was rolled back.
        public let lastDeployFailed: String?
        /// The host's watchdog: armed by a deploy in progress, or what it restored by itself
        /// after deployctl stopped answering (until the next deploy enters that in the audit log).
        public let watchdog: String?
        /// When the current release went past a closed gate: who, when and why (from the audit log).
        public let gateOverride: String?
        public let failure: String?
    }

    public struct Schema: Sendable, Encodable {
        public let head: String?
        public let pending: [String]
        public let unhealthy: [String]
    }

    public struct LastRun: Sendable, Encodable {
        public let status: String
        public let startedAt: String
        public let finishedAt: String?
        public let release: String
        public let error: String
    }

    public let environment: String
    public let hosts: [HostStatus]
    public let schema: Schema?
    public let lastRun: LastRun?
    public let clickhouseProblem: String?

    public var verdict: Verdict {
        if hosts.contains(where: { !$0.reachable }) { return .unreachable }
        let drift = hosts.contains {
            !$0.alteredFiles.isEmpty || $0.units.contains { !$0.matchesRelease } || $0.failure != nil
        }
        return drift || !(schema?.unhealthy.isEmpty ?? true) ? .checkFailed : .success
    }

    public var failureSummary: String {
        var reasons: [String] = []
        for host in hosts {
            if let failure = host.failure { reasons.append("\(host.host): \(failure)") }
            if !host.alteredFiles.isEmpty {
                reasons.append("\(host.host): \(host.alteredFiles.count) file(s) differ from the release")
            }
            for unit in host.units where !unit.matchesRelease {
                reasons.append("\(host.host): \(unit.unit) differs from the release")
            }
        }
        if let unhealthy = schema?.unhealthy, !unhealthy.isEmpty {
            reasons.append("migrations: " + unhealthy.joined(separator: ", "))
        }
        return reasons.joined(separator: "; ")
    }

    public func render(_ terminal: Terminal) -> String {
        var lines: [String] = []
        for host in hosts {
            lines.append(terminal.bold(host.host))
            if let failure = host.failure {
                lines.append("  " + terminal.status(.fail) + " " + failure)
                continue
            }
            let current =
                host.current.map { "\($0)" + (host.currentRevision.map { " (git \($0))" } ?? "") } ?? "nothing deployed"
            let by = host.deployedAt.map { ", deployed \($0)" + (host.deployedBy.map { " by \($0)" } ?? "") } ?? ""
            var rows = [["release", current + by], ["previous", host.previous ?? "none"]]
            if host.current != nil, host.deployedAt == nil {
                rows.insert(
                    [
                        "audit",
                        terminal.paint(
                            "no successful deploy of this release in the host's audit log: its entry could not be written, or `current` was changed outside deployctl",
                            "33"),
                    ], at: 1)
            }
            if host.previous != nil, host.rollbackTo != host.previous {
                rows[1][1] += " (did not pass here; rollback skips it)"
                rows.append(["rollback to", host.rollbackTo ?? "none: no other release here passed"])
            }
            rows.append([
                "files",
                host.current == nil
                    ? "-"
                    : host.alteredFiles.isEmpty
                        ? terminal.paint("match the release manifest", "32")
                        : terminal.paint("differ: " + host.alteredFiles.joined(separator: ", "), "31;1"),
            ])
            for unit in host.units {
                var text =
                    "\(unit.active), \(unit.enabled)"
                    + (unit.result == "success" || unit.result.isEmpty ? "" : ", last result \(unit.result)")
                if let next = unit.next { text += ", next \(next)" }
                if !unit.matchesRelease {
                    text += terminal.paint("  edited on the host: differs from the release", "31;1")
                }
                rows.append([unit.unit, text])
            }
            rows.append(["lock", host.lock.map { "held by \($0.owner) (\($0.command) of \($0.release))" } ?? "free"])
            if let failed = host.lastDeployFailed { rows.append(["last deploy", terminal.paint(failed, "31;1")]) }
            if let override = host.gateOverride { rows.append(["gate", terminal.paint(override, "33")]) }
            if let watchdog = host.watchdog {
                rows.append(["watchdog", watchdog.hasPrefix("armed") ? watchdog : terminal.paint(watchdog, "31;1")])
            }
            lines.append(Terminal.table(rows))
        }
        if let schema {
            lines.append(
                "schema: head \(schema.head ?? "none")"
                    + (schema.pending.isEmpty ? "" : ", pending \(schema.pending.joined(separator: ", "))")
                    + (schema.unhealthy.isEmpty
                        ? "" : terminal.paint(", failed/drifted \(schema.unhealthy.joined(separator: ", "))", "31;1")))
        }
        if let run = lastRun {
            lines.append(
                "last loader run: \(run.status) at \(run.startedAt), release \(run.release.isEmpty ? "?" : run.release)"
                    + (run.error.isEmpty ? "" : ": \(run.error)"))
        } else if let problem = clickhouseProblem {
            lines.append("ClickHouse: \(problem)")
        } else {
            lines.append("last loader run: none recorded")
        }
        return lines.joined(separator: "\n")
    }
}

/// Gathers a `StatusReport`: one script per host, then the schema and the last run from ClickHouse.
public struct StatusProbe: Sendable {
    public let environment: Environment
    public let layout: HostLayout
    /// The migration files to judge the schema by (the current release's if it is in the local store).
    public let migrations: [Migration]

    public init(environment: Environment, migrations: [Migration]) {
        self.environment = environment
        self.layout = HostLayout(environment)
        self.migrations = migrations
    }

    /// The status script's arguments for this environment's layout.
    var arguments: [String] {
        [
            layout.root, layout.lockFile, layout.auditLog, HostWatchdog.directory(layout), layout.unitsDirectory,
            DropInFile.name,
        ]
    }

    public func run(in session: EnvironmentSession) async -> StatusReport {
        let layout = layout
        let environment = environment
        let arguments = arguments
        let hosts = await session.eachHost(
            { host, connection in
                do throws(CommandFailure) {
                    let answer = ScriptAnswer(
                        try await HostScript(host: connection).require(
                            .status, arguments, step: "reading the status"
                        ).stdoutText)
                    return Self.hostStatus(host.name, answer, layout: layout, environment: environment)
                } catch {
                    return StatusReport.HostStatus(
                        host: host.name, reachable: true, current: nil, currentRevision: nil, deployedAt: nil,
                        deployedBy: nil, previous: nil, rollbackTo: nil,
                        alteredFiles: [], units: [], lock: nil, lastDeployFailed: nil, watchdog: nil, gateOverride: nil,
                        failure: error.message)
                }
            },
            unreachable: { host, failure in
                StatusReport.HostStatus(
                    host: host.name, reachable: false, current: nil, currentRevision: nil, deployedAt: nil,
                    deployedBy: nil, previous: nil, rollbackTo: nil,
                    alteredFiles: [], units: [], lock: nil, lastDeployFailed: nil, watchdog: nil, gateOverride: nil,
                    failure: failure.description)
            })
        var schema: StatusReport.Schema?
        var lastRun: StatusReport.LastRun?
        var problem: String?
        do {
            let client = try await session.clickhouse(as: .admin, timeout: .seconds(30))
            let statuses = try await Migrator(
                client: client, migrations: migrations,
                tables: environment.clickhouse.trackingTables
            ).status()
            schema = StatusReport.Schema(
                head: statuses.last { $0.condition == .applied || $0.condition == .baselined }.map {
                    "\(MigrationVersion($0.version))_\($0.slug)"
                },
                pending: statuses.filter { $0.condition == .pending }.map { "\(MigrationVersion($0.version))" },
                unhealthy: statuses.filter { !MigrationStatusReport.healthy.contains($0.condition) }.map {
                    "\(MigrationVersion($0.version)) \($0.condition.rawValue)"
                })
            let rows = try? await client.rows(
                "SELECT status, toString(started_at), toString(finished_at), release_id, error FROM meta_job_runs FINAL ORDER BY started_at DESC LIMIT 1"
            )
            if let row = rows?.first, row.count == 5 {
                lastRun = StatusReport.LastRun(
                    status: row[0] ?? "", startedAt: row[1] ?? "", finishedAt: row[2], release: row[3] ?? "",
                    error: row[4] ?? "")
            }
        } catch {
            problem = "\(error)"
        }
        return StatusReport(
            environment: environment.name, hosts: hosts, schema: schema, lastRun: lastRun, clickhouseProblem: problem)
    }

    static func hostStatus(_ name: String, _ answer: ScriptAnswer, layout: HostLayout, environment: Environment)
        -> StatusReport.HostStatus
    {
        let deployed = answer["deployed"].flatMap { AuditLine($0)?.record }
        let texts = answer.named("text:")
        let dropIns = answer.named("dropin:")
        let same = answer.named("same:")
        let units = answer.all("unit").map { unit -> StatusReport.UnitState in
            let show = ScriptAnswer(answer.named("show:")[unit] ?? "")
            let wanted = UnitDropIn(
                unit: unit, unitText: texts[unit] ?? "", layout: layout, environment: environment.name
            ).text
            let next = show["NextElapseUSecRealtime"].flatMap { $0.isEmpty || $0 == "n/a" ? nil : $0 }
            return StatusReport.UnitState(
                unit: unit, active: "\(show["ActiveState"] ?? "?")/\(show["SubState"] ?? "?")",
                enabled: show["UnitFileState"] ?? "?",
                result: show["Result"] ?? "", next: next, matchesRelease: same[unit] == "yes" && dropIns[unit] == wanted
            )
        }
        return StatusReport.HostStatus(
            host: name, reachable: true, current: answer["current"], currentRevision: answer["revision"],
            deployedAt: deployed?.at,
            deployedBy: deployed?.actor, previous: answer["previous"],
            rollbackTo: RollbackTarget.choose(
                current: answer["current"], previous: answer["previous"], present: answer.all("release"),
                passed: answer.all("passed")),
            alteredFiles: answer.all("altered"),
            units: units,
            lock: answer["lock"].flatMap { try? JSONDecoder().decode(HostLease.Holder.self, from: Data($0.utf8)) },
            lastDeployFailed: answer["last_deploy"].flatMap { AuditLine($0)?.record }.flatMap { record in
                guard record.result == "failed" else { return nil }
                let back =
                    record.release == answer["current"] ? "" : "; the host runs \(answer["current"] ?? "no release")"
                return
                    "\(record.release ?? "?") failed at \(record.at) by \(record.actor)\(back): \(record.detail ?? "no detail")"
            },
            watchdog: watchdogState(answer),
            gateOverride: answer["override"].flatMap { AuditLine($0)?.record }.map(\.gateOverrideSummary), failure: nil)
    }

    static func watchdogState(_ answer: ScriptAnswer) -> String? {
        if let fired = answer["watchdog_fired"].flatMap({
            try? JSONDecoder().decode(HostWatchdog.Fired.self, from: Data($0.utf8))
        }) {
            return
                "the host restored \(fired.to.isEmpty ? "no release" : fired.to) by itself at \(fired.at): deployctl (\(fired.actor)) did not confirm "
                + "the deploy of \(fired.from) within \(fired.window) s; the schema stays as that deploy migrated it"
        }
        return answer["watchdog_armed"].map {
            "armed by a deploy in progress; restores the previous release in \(max(0, Int($0) ?? 0)) s unless confirmed"
        }
    }
}
