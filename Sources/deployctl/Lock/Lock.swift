import ArgumentParser
import ClickHouse
import Console
import Deployer
import Migrator

extension Deployctl {
    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or break the migration lock of an environment.",
            subcommands: [LockStatus.self, LockBreak.self])
    }
}

/// Opens a session to every host of the environment and its migrator, and runs `body`.
func withLocks<T>(
    _ global: GlobalOptions, _ environmentName: String, files: MigrationFiles,
    _ body: (EnvironmentLocks, EnvironmentSession, Migrator<ClickHouseClient>) async throws -> T
) async throws -> T {
    let environment = try global.environment(environmentName)
    let session = await global.session(environment)
    defer { session.close() }
    let migrator = try await EnvironmentMigrator.open(
        in: session, migrations: try files.load(), options: MigrationRun.readOnly())
    return try await body(EnvironmentLocks(environment: environment), session, migrator)
}
