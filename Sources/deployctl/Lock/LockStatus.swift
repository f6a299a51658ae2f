import ArgumentParser
import Console
import Deployer
import Migrator

struct LockStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show who holds the migration lock.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument

    func run() async throws {
        try await global.report("lock status") {
            LockReport(
                environment: target.environment,
                claims: try await withMigrator(global, target.environment, files: files, quiet: true) { try await $0.lockClaims() }, broken: false)
        }
    }
}
