import ClickHouse
import Console
import Foundation
import Migrator

/// `migrate status`: every version's state on one environment.
public struct MigrationStatusReport: CommandOutput {
    public let environment: String
    public let migrations: [MigrationStatus]

    public init(environment: String, migrations: [MigrationStatus]) {
        self.environment = environment
        self.migrations = migrations
    }

    /// States that need no one's attention.
    public static let healthy: Set<MigrationStatus.Condition> = [.applied, .baselined, .pending]

    public var verdict: Verdict {
        migrations.allSatisfy { Self.healthy.contains($0.condition) } ? .success : .checkFailed
    }

    public var failureSummary: String {
        let bad = migrations.filter { !Self.healthy.contains($0.condition) }
        return bad.map { "\(MigrationVersion($0.version)) \($0.condition.rawValue)" }.joined(separator: ", ")
    }

    public func render(_ terminal: Terminal) -> String {
        let rows = migrations.map { line -> [String] in
            let color: String
            switch line.condition {
            case .applied, .baselined: color = "32"
            case .pending: color = "0"
            default: color = "31;1"
            }
            let when = line.at == 0 ? "" : Self.format(line.at)
            return [
                MigrationVersion(line.version).description, line.slug, terminal.paint(line.condition.rawValue, color),
                when, line.actor, line.release, line.detail,
            ]
        }
        return Terminal.table([["version", "name", "state", "when (UTC)", "by", "release", ""]] + rows)
    }

    static func format(_ milliseconds: UInt64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            .formatted(
                Date.VerbatimFormatStyle(
                    format:
                        "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
                    timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian)))
    }
}

/// `migrate plan`, `up --dry-run`, `down --dry-run`: the exact SQL that would run.
public struct MigrationPlanReport: CommandOutput {
    public let environment: String
    public let steps: [Migrator<ClickHouseClient>.Step]

    public init(environment: String, steps: [Migrator<ClickHouseClient>.Step]) {
        self.environment = environment
        self.steps = steps
    }

    public func render(_ terminal: Terminal) -> String {
        if steps.isEmpty { return "\(environment): nothing to do" }
        var lines: [String] = []
        for step in steps {
            lines.append(
                "-- \(MigrationVersion(step.version))_\(step.slug) (\(step.direction.rawValue))"
                    + (step.firstStatement > 1 ? ", resuming at statement \(step.firstStatement)" : ""))
            for (offset, statement) in step.statements.enumerated() {
                lines.append("-- statement \(step.firstStatement + offset)\n\(statement);")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `migrate up` and `migrate down`: what was applied or rolled back.
public struct MigrationRunReport: CommandOutput {
    public let environment: String
    public let direction: Migrator<ClickHouseClient>.Step.Direction
    public let steps: [Migrator<ClickHouseClient>.Step]

    public init(
        environment: String, direction: Migrator<ClickHouseClient>.Step.Direction,
        steps: [Migrator<ClickHouseClient>.Step]
    ) {
        self.environment = environment
        self.direction = direction
        self.steps = steps
    }

    public func render(_ terminal: Terminal) -> String {
        "\(environment): \(steps.count) migration(s) \(direction == .up ? "applied" : "rolled back")"
    }
}

/// `migrate lint` (and the file half of `migrate validate`): what was checked and what was found.
public struct LintReport: CommandOutput {
    public struct Finding: Sendable, Encodable {
        public let severity: String
        public let rule: String
        public let file: String
        public let line: Int?
        public let message: String
    }

    public let directory: String
    public let migrations: Int
    public let files: Int
    public let statements: Int
    public let findings: [Finding]

    public init(directory: String, migrations: [Migration], findings: [LintFinding]) {
        self.directory = directory
        self.migrations = migrations.count
        files = migrations.reduce(0) { $0 + 1 + ($1.downFile == nil ? 0 : 1) + ($1.verifyFile == nil ? 0 : 1) }
        statements = migrations.reduce(0) { $0 + $1.up.count + ($1.down?.count ?? 0) + $1.verify.count }
        self.findings = findings.map {
            Finding(
                severity: $0.severity.rawValue, rule: $0.rule.rawValue, file: $0.file, line: $0.line,
                message: $0.message)
        }
    }

    var errors: Int { findings.filter { $0.severity == LintFinding.Severity.error.rawValue }.count }

    /// Error findings are a failed check (1): the files are readable, they just must not be applied.
    public var verdict: Verdict { errors > 0 ? .checkFailed : .success }

    public var failureSummary: String { "lint found \(errors) error(s) in \(directory)/" }

    public func render(_ terminal: Terminal) -> String {
        let lines = findings.map { finding in
            let location = finding.line.map { "\(finding.file):\($0)" } ?? finding.file
            let severity = terminal.paint(finding.severity, finding.severity == "error" ? "31;1" : "33")
            return "\(location): \(severity): \(finding.message) [\(finding.rule)]"
        }
        let verdict = findings.isEmpty ? "none" : "\(errors) error(s), \(findings.count - errors) warning(s)"
        return
            (lines + [
                "\(directory)/: \(migrations) migration(s), \(files) file(s), \(statements) statement(s) linted; findings: \(verdict)"
            ])
            .joined(separator: "\n")
    }
}

/// `migrate validate`: the lint, and with `--replay` the up, down, up round on a scratch database.
public struct ValidationReport: CommandOutput {
    public let lint: LintReport
    public let replayedOn: String?
    public let replay: Migrator<ClickHouseClient>.ReplayReport?

    public init(lint: LintReport, replayedOn: String?, replay: Migrator<ClickHouseClient>.ReplayReport?) {
        self.lint = lint
        self.replayedOn = replayedOn
        self.replay = replay
    }

    public var verdict: Verdict { lint.verdict }
    public var failureSummary: String { lint.failureSummary }

    public func render(_ terminal: Terminal) -> String {
        var text = lint.render(terminal)
        if let replay, let replayedOn {
            text +=
                "\nreplay on \(replayedOn): up, down, up of \(replay.migrations) migration(s) gave the same \(replay.objects.count) object(s)"
        }
        return text
    }
}

/// `migrate baseline` and `migrate repair`: the decision recorded in the history.
public struct MigrationDecisionReport: CommandOutput {
    public let environment: String
    public let version: UInt64
    public let decision: String
    public let reason: String

    public init(environment: String, version: UInt64, decision: String, reason: String) {
        self.environment = environment
        self.version = version
        self.decision = decision
        self.reason = reason
    }

    public func render(_ terminal: Terminal) -> String {
        "\(environment): migration \(MigrationVersion(version)) \(decision) (reason recorded in the history: \(reason))"
    }
}

/// `lock status` and `lock break`: the deploy lock of each host and the live claims on the
/// migration lock, or those broken.
public struct LockReport: CommandOutput {
    public struct HostLock: Sendable, Encodable {
        public let host: String
        public let holder: HostLease.Holder?
        public let problem: String?
        /// A break for a named run left the lock: another run holds it now (`holder`).
        public var kept = false
    }

    public let environment: String
    public let hosts: [HostLock]
    public let claims: [MigrationLock<ClickHouseClient>.Claim]
    /// Whether the locks shown were just broken rather than merely shown.
    public let broken: Bool

    public init(environment: String, hosts: [HostLock], claims: [MigrationLock<ClickHouseClient>.Claim], broken: Bool) {
        self.environment = environment
        self.hosts = hosts
        self.claims = claims
        self.broken = broken
    }

    public var verdict: Verdict {
        hosts.contains { $0.problem != nil } ? .unreachable : hosts.contains(where: \.kept) ? .locked : .success
    }
    public var failureSummary: String {
        (hosts.compactMap(\.problem)
            + hosts.filter(\.kept).map { "\($0.host): another run holds the deploy lock now; it was not broken" })
            .joined(separator: "; ")
    }

    public func render(_ terminal: Terminal) -> String {
        var lines: [String] = []
        for host in hosts {
            if let problem = host.problem {
                lines.append("  \(host.host): \(problem)")
            } else if let holder = host.holder, host.kept {
                lines.append(
                    "  \(host.host): deploy lock NOT broken: it is held now by run \(holder.id) of \(holder.owner) (pid \(holder.pid), `\(holder.command)` of \(holder.release)), not the run named"
                )
            } else if let holder = host.holder {
                lines.append(
                    "  \(host.host): deploy lock \(broken ? "broken, was held" : "held") by run \(holder.id) of \(holder.owner) (pid \(holder.pid), `\(holder.command)` of \(holder.release))"
                )
            } else {
                lines.append("  \(host.host): deploy lock \(broken ? "was free" : "free")")
            }
        }
        if claims.isEmpty {
            lines.append("  migrations: \(broken ? "the lock was free" : "the migration lock is free")")
        } else if broken {
            lines.append("  migrations: broke the lock of \(claims.map(\.owner).joined(separator: ", "))")
        } else {
            lines.append(
                Terminal.table(
                    [["migration lock holder", "since (UTC)", "expires (UTC)"]]
                        + claims.map { [$0.owner, $0.acquiredAt, $0.expiresAt] }))
        }
        return "\(environment):\n" + lines.joined(separator: "\n")
    }
}
