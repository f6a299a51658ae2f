import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateBaseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract:
            "Mark migrations up to a version as applied without running them (a database that already has the schema).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var options: MigrationRun
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "The last version the database already has.") var version: UInt64
    @Option(help: "Why; recorded in the history.") var reason: String

    func run() async throws {
        let (version, reason) = (version, reason)
        try await global.report("migrate baseline") {
            try await withMigrator(global, target.environment, files: files, run: options) {
                try await $0.baseline(version: version, reason: reason)
            }
            return MigrationDecisionReport(
                environment: target.environment, version: version, decision: "and every older one baselined",
                reason: reason)
        }
    }
}
