import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per version: applied, pending, failed (at statement k), drifted; when, by whom, release.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument

    func run() async throws {
        try await global.report("migrate status") {
            MigrationStatusReport(
                environment: target.environment,
                migrations: try await withMigrator(global, target.environment, files: files, quiet: true) {
                    try await $0.status()
                })
        }
    }
}
