import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateDown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Roll back applied migrations, newest first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var options: MigrationRun
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "Roll back every migration newer than this version.") var to: UInt64?
    @Option(help: "Roll back this many migrations.") var steps: Int?
    @Flag(help: "Print the exact SQL that would run, and run nothing.") var dryRun = false

    func validate() throws {
        guard (to == nil) != (steps == nil) else {
            throw ValidationError("give exactly one of --to VERSION or --steps N")
        }
    }

    func run() async throws {
        let (version, count) = (to, steps)
        let environment = target.environment
        if dryRun {
            return try await global.report("migrate down") {
                MigrationPlanReport(
                    environment: environment,
                    steps: try await withMigrator(global, environment, files: files, quiet: true) {
                        try await $0.planDown(to: version, steps: count)
                    })
            }
        }
        try await global.report("migrate down") {
            let undone = try await withMigrator(global, environment, files: files, run: options) {
                try await $0.down(to: version, steps: count)
            }
            return MigrationRunReport(environment: environment, direction: .down, steps: undone)
        }
    }
}
