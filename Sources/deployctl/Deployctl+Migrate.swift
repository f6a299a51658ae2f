import ArgumentParser
import ClickHouse
import Deployer
import Environments
import Foundation
import Migrator

extension Deployctl {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Versioned ClickHouse migrations with an append-only history, per-statement progress, drift checks and a lock.",
            discussion: """
                Migration files live in migrations/ (--migrations): NNNN_slug.up.sql, NNNN_slug.down.sql and an optional \
                NNNN_slug.verify.sql whose queries must each return 1. Exit status: 0 done, 1 a migration or check failed, \
                2 invalid environment or migration files, 3 a host or ClickHouse unreachable, 4 the lock is held.
                """,
            subcommands: [Status.self, Plan.self, Up.self, Down.self, Lint.self, Validate.self, Baseline.self, Repair.self]
        )
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or break the migration lock of an environment.", subcommands: [LockStatus.self, LockBreak.self])
    }
}

/// Options of every `migrate` command that talks to an environment.
struct MigrationOptions: ParsableArguments {
    @Option(help: "Folder of migration files.")
    var migrations = "migrations"

    @Option(help: "Release id recorded in the history (default: the git commit of this checkout).")
    var release: String?

    @Option(name: .customLong("lock-wait"), help: "Seconds to wait for another run's lock before giving up.")
    var lockWait = 0

    func load() throws -> [Migration] {
        do {
            return try MigrationSet(directory: migrations).migrations
        } catch {
            Terminal.printError("\(error)")
            throw ExitCode(ExitStatus.invalidEnvironment)
        }
    }

    func options(progress: (@Sendable (String) -> Void)?) -> Migrator<ClickHouseClient>.Options {
        .init(release: release ?? Self.gitRelease(), lockWait: .seconds(lockWait), progress: progress)
    }

    static func gitRelease() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--short=12", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unreleased" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let commit = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !commit.isEmpty ? commit : "unreleased"
    }
}

extension ExitStatus {
    static let locked: Int32 = 4
}

/// Opens the environment's migrator, runs `body`, closes it, and maps failures to exit statuses.
func withMigrator<T>(
    _ global: GlobalOptions, _ environmentName: String, _ options: MigrationOptions, quiet: Bool = false,
    _ body: (Migrator<ClickHouseClient>) async throws -> T
) async throws -> T {
    let environment = try global.environment(environmentName)
    let migrations = try options.load()
    let progress: (@Sendable (String) -> Void)? = quiet || global.json ? nil : { @Sendable line in print("  " + line) }
    let opened: EnvironmentMigrator
    do {
        opened = try await EnvironmentMigrator.open(environment, migrations: migrations, options: options.options(progress: progress))
    } catch {
        Terminal.printError("\(error)")
        throw ExitCode(ExitStatus.unreachable)
    }
    defer { opened.close() }
    do {
        return try await body(opened.migrator)
    } catch let error as MigratorError {
        Terminal.printError(error.message)
        switch error.code {
        case .locked: throw ExitCode(ExitStatus.locked)
        case .files, .lint: throw ExitCode(ExitStatus.invalidEnvironment)
        case .database where error.cause?.kind == .transport: throw ExitCode(ExitStatus.unreachable)
        default: throw ExitCode(ExitStatus.checkFailed)
        }
    }
}


extension Deployctl.Migrate {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per version: applied, pending, failed (at statement k), drifted; when, by whom, release.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String

        func run() async throws {
            let status = try await withMigrator(global, environment, options, quiet: true) { try await $0.status() }
            if global.json { return try global.printJSON(status) }
            let terminal = global.terminal
            let rows = status.map { line -> [String] in
                let when = line.at == 0 ? "" : Self.format(line.at)
                let color: String
                switch line.condition {
                case .applied, .baselined: color = "32"
                case .pending: color = "0"
                default: color = "31;1"
                }
                return [MigrationVersion(line.version).description, line.slug, terminal.paint(line.condition.rawValue, color), when, line.actor, line.release, line.detail]
            }
            print(Terminal.table([["version", "name", "state", "when (UTC)", "by", "release", ""]] + rows, visibleWidth: Terminal.visibleWidth))
            let healthy: Set<MigrationStatus.Condition> = [.applied, .baselined, .pending]
            if status.contains(where: { !healthy.contains($0.condition) }) { throw ExitCode(ExitStatus.checkFailed) }
        }

        static func format(_ milliseconds: UInt64) -> String {
            Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                .formatted(Date.VerbatimFormatStyle(
                    format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
                    timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian)))
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what `migrate up` would run, statement by statement, without running it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "Stop after this version.") var to: UInt64?

        func run() async throws {
            let steps = try await withMigrator(global, environment, options, quiet: true) { try await $0.planUp(to: to) }
            try printSteps(steps, global: global, environment: environment)
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations (resuming a failed one at the statement that failed).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "Stop after this version.") var to: UInt64?
        @Flag(help: "Print the exact SQL that would run, and run nothing.") var dryRun = false
        @Flag(help: "Apply pending migrations older than the newest applied one.") var allowOutOfOrder = false

        func run() async throws {
            if dryRun {
                let steps = try await withMigrator(global, environment, options, quiet: true) { try await $0.planUp(to: to) }
                return try printSteps(steps, global: global, environment: environment)
            }
            let allow = allowOutOfOrder
            let target = to
            let steps = try await withMigrator(global, environment, options) { migrator in
                var migrator = migrator
                migrator.allowOutOfOrder(allow)
                return try await migrator.up(to: target)
            }
            if global.json { return try global.printJSON(steps) }
            print("\(environment): \(steps.count) migration(s) applied")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Roll back applied migrations, newest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "Roll back every migration newer than this version.") var to: UInt64?
        @Option(help: "Roll back this many migrations.") var steps: Int?
        @Flag(help: "Print the exact SQL that would run, and run nothing.") var dryRun = false

        func validate() throws {
            guard (to == nil) != (steps == nil) else { throw ValidationError("give exactly one of --to VERSION or --steps N") }
        }

        func run() async throws {
            let target = to
            let count = steps
            if dryRun {
                let planned = try await withMigrator(global, environment, options, quiet: true) { try await $0.planDown(to: target, steps: count) }
                return try printSteps(planned, global: global, environment: environment)
            }
            let undone = try await withMigrator(global, environment, options) { try await $0.down(to: target, steps: count) }
            if global.json { return try global.printJSON(undone) }
            print("\(environment): \(undone.count) migration(s) rolled back")
        }
    }

    struct Baseline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark migrations up to a version as applied without running them (a database that already has the schema).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "The last version the database already has.") var version: UInt64
        @Option(help: "Why; recorded in the history.") var reason: String

        func run() async throws {
            let (version, reason) = (version, reason)
            try await withMigrator(global, environment, options) { try await $0.baseline(version: version, reason: reason) }
        }
    }

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a decision about one migration: accept its changed file, or mark it rolled back after undoing it by hand.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "The migration's version.") var version: UInt64
        @Flag(help: "Accept the file as it is now for an applied migration whose file changed.") var acceptChecksum = false
        @Flag(help: "Declare the migration not applied (its effects were undone by hand).") var markRolledBack = false
        @Option(help: "Why; recorded in the history.") var reason: String

        func validate() throws {
            guard acceptChecksum != markRolledBack else { throw ValidationError("give exactly one of --accept-checksum or --mark-rolled-back") }
        }

        func run() async throws {
            let (version, reason) = (version, reason)
            let repair: Migrator<ClickHouseClient>.Repair = acceptChecksum ? .acceptChecksum : .markRolledBack
            try await withMigrator(global, environment, options) { try await $0.repair(version: version, repair, reason: reason) }
            print("\(environment): migration \(version) repaired")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the migration files and lint them; with --replay, apply up, down, up on a scratch database of an environment's ClickHouse.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Option(help: "Replay on a scratch database of this environment's ClickHouse.") var replay: String?

        func run() async throws {
            let migrations = try options.load()
            try printLint(MigrationLinter().lint(migrations), of: migrations, directory: options.migrations, global: global)
            guard let replay else {
                if !global.json { print("\(migrations.count) migration(s): files valid") }
                return
            }
            let report = try await withMigrator(global, replay, options, quiet: true) { try await $0.replay() }
            if global.json { return try global.printJSON(report) }
            print("replay on \(replay): up, down, up of \(report.migrations) migration(s) gave the same \(report.objects.count) object(s)")
        }
    }

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lint the migration files: destructive statements, missing downs, non-idempotent DDL, cluster rules.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Option(help: "Lint for this ClickHouse cluster (ON CLUSTER required on DDL).") var cluster: String?

        func run() async throws {
            let migrations = try options.load()
            try printLint(MigrationLinter(cluster: cluster).lint(migrations), of: migrations, directory: options.migrations, global: global)
        }
    }
}

extension Deployctl {
    struct LockStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show who holds the migration lock.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String

        func run() async throws {
            let claims = try await withMigrator(global, environment, options, quiet: true) { try await $0.lockClaims() }
            if global.json { return try global.printJSON(claims) }
            if claims.isEmpty { return print("\(environment): the migration lock is free") }
            print(Terminal.table([["holder", "since (UTC)", "expires (UTC)"]] + claims.map { [$0.owner, $0.acquiredAt, $0.expiresAt] }))
        }
    }

    struct LockBreak: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "break", abstract: "Break the migration lock of a dead run; the reason goes into the history.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: MigrationOptions
        @Argument(help: "The environment.") var environment: String
        @Option(help: "Why the lock is broken.") var reason: String

        func run() async throws {
            let reason = reason
            let broken = try await withMigrator(global, environment, options, quiet: true) { try await $0.breakLock(reason: reason) }
            if global.json { return try global.printJSON(broken) }
            print(broken.isEmpty ? "\(environment): the lock was free" : "\(environment): broke the lock of \(broken.map(\.owner).joined(separator: ", "))")
        }
    }
}

func printSteps(_ steps: [Migrator<ClickHouseClient>.Step], global: GlobalOptions, environment: String) throws {
    if global.json { return try global.printJSON(steps) }
    if steps.isEmpty { return print("\(environment): nothing to do") }
    for step in steps {
        print("-- \(MigrationVersion(step.version))_\(step.slug) (\(step.direction.rawValue))" + (step.firstStatement > 1 ? ", resuming at statement \(step.firstStatement)" : ""))
        for (offset, statement) in step.statements.enumerated() {
            print("-- statement \(step.firstStatement + offset)\n\(statement);")
        }
    }
}

func printLint(_ findings: [LintFinding], of migrations: [Migration], directory: String, global: GlobalOptions) throws {
    if global.json {
        try global.printJSON(findings.map { ["severity": "\($0.severity)", "message": $0.description] })
    } else {
        for finding in findings { print(finding.description) }
        let files = migrations.reduce(0) { $0 + 1 + ($1.downFile == nil ? 0 : 1) + ($1.verifyFile == nil ? 0 : 1) }
        let statements = migrations.reduce(0) { $0 + $1.up.count + ($1.down?.count ?? 0) + $1.verify.count }
        let errors = findings.filter { $0.severity == .error }.count
        let verdict = findings.isEmpty ? "none" : "\(errors) error(s), \(findings.count - errors) warning(s)"
        print("\(directory)/: \(migrations.count) migration(s), \(files) file(s), \(statements) statement(s) linted; findings: \(verdict)")
    }
    if findings.contains(where: { $0.severity == .error }) { throw ExitCode(ExitStatus.invalidEnvironment) }
}
