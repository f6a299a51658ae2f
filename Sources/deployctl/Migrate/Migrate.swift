import ArgumentParser
import ClickHouse
import Console
import Deployer
import Environments
import Foundation
import Migrator

extension Deployctl {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Versioned ClickHouse migrations with an append-only history, per-statement progress, drift checks and a lock.",
            discussion: """
                Migration files live in migrations/ (--migrations): NNNN_slug.up.sql, NNNN_slug.down.sql and an optional \
                NNNN_slug.verify.sql whose queries must each return 1. Exit status: 0 done, 1 a migration, a check or the \
                lint failed, 2 invalid environment or migration files or an unresolvable password, 3 a host or ClickHouse \
                unreachable, 4 the lock is held.
                """,
            subcommands: [
                MigrateStatus.self, MigratePlan.self, MigrateUp.self, MigrateDown.self, MigrateLint.self,
                MigrateValidate.self,
                MigrateBaseline.self, MigrateRepair.self, MigrateMoveState.self,
            ]
        )
    }
}

/// Where the migration files are.
struct MigrationFiles: ParsableArguments {
    @Option(help: "Folder of migration files.")
    var migrations = "migrations"

    func load() throws -> [Migration] {
        try MigrationSet(directory: migrations).migrations
    }
}

/// Options of the commands that run the migrator against an environment.
struct MigrationRun: ParsableArguments {
    @Option(
        help:
            "Release id recorded in the history (default: the git commit of this checkout, +dirty with local changes).")
    var release: String?

    @Option(name: .customLong("lock-wait"), help: "Seconds to wait for another run's lock before giving up.")
    var lockWait = 0

    func options(progress: (@Sendable (String) -> Void)?) -> Migrator<ClickHouseClient>.Options {
        .init(release: release ?? ReleaseIdentity.of().label, lockWait: .seconds(lockWait), progress: progress)
    }

    /// The options of the commands that only read (status, plan, lock), which take neither --release nor --lock-wait.
    static func readOnly() -> Migrator<ClickHouseClient>.Options {
        .init(release: ReleaseIdentity.of().label)
    }
}

/// Opens `environment`'s migrator over a session to its ClickHouse host, runs `body`, closes it.
func withMigrator<T>(
    _ global: GlobalOptions, _ environmentName: String, files: MigrationFiles, run: MigrationRun? = nil,
    quiet: Bool = false,
    _ body: (Migrator<ClickHouseClient>) async throws -> T
) async throws -> T {
    let environment = try global.environment(environmentName)
    let migrations = try files.load()
    let progress: (@Sendable (String) -> Void)? = quiet || global.json ? nil : { @Sendable line in print("  " + line) }
    let session = await global.session(environment, hosts: [environment.clickhouseHost])
    defer { session.close() }
    let options = run?.options(progress: progress) ?? MigrationRun.readOnly()
    let migrator = try await EnvironmentMigrator.open(in: session, migrations: migrations, options: options)
    return try await body(migrator)
}
