import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Apply pending migrations (resuming a failed one at the statement that failed).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var options: MigrationRun
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "Stop after this version.") var to: UInt64?
    @Flag(help: "Print the exact SQL that would run, and run nothing.") var dryRun = false
    @Flag(help: "Apply pending migrations older than the newest applied one.") var allowOutOfOrder = false

    func run() async throws {
        let (target, allow) = (to, allowOutOfOrder)
        let environment = self.target.environment
        if dryRun {
            return try await global.report("migrate up") {
                MigrationPlanReport(
                    environment: environment,
                    steps: try await withMigrator(global, environment, files: files, quiet: true) {
                        try await $0.planUp(to: target)
                    })
            }
        }
        try await global.report("migrate up") {
            let steps = try await withMigrator(global, environment, files: files, run: options) { migrator in
                var migrator = migrator
                migrator.allowOutOfOrder(allow)
                return try await migrator.up(to: target)
            }
            return MigrationRunReport(environment: environment, direction: .up, steps: steps)
        }
    }
}
