import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check the migration files and lint them; with --replay, apply up, down, up on a scratch database of an environment's ClickHouse."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @Option(help: "Replay on a scratch database of this environment's ClickHouse.") var replay: String?

    func run() async throws {
        try await global.report("migrate validate") {
            let migrations = try files.load()
            let lint = LintReport(
                directory: files.migrations, migrations: migrations, findings: MigrationLinter().lint(migrations))
            guard let replay, lint.verdict == .success else {
                return ValidationReport(lint: lint, replayedOn: nil, replay: nil)
            }
            let report = try await withMigrator(global, replay, files: files, quiet: true) { try await $0.replay() }
            return ValidationReport(lint: lint, replayedOn: replay, replay: report)
        }
    }
}
