import ArgumentParser
import Console
import Deployer
import Migrator

struct MigratePlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what `migrate up` would run, statement by statement, without running it.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "Stop after this version.") var to: UInt64?

    func run() async throws {
        try await global.report("migrate plan") {
            MigrationPlanReport(
                environment: target.environment,
                steps: try await withMigrator(global, target.environment, files: files, quiet: true) { [to] in
                    try await $0.planUp(to: to)
                })
        }
    }
}
