import ArgumentParser
import Console
import Deployer
import Migrator

struct MigrateLint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Lint the migration files: destructive statements, missing downs, non-idempotent DDL, cluster rules.",
        discussion:
            "Exit status: 0 no error findings (warnings allowed), 1 error findings, 2 the files cannot be read or paired."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @Option(help: "Lint for this ClickHouse cluster (ON CLUSTER required on DDL).") var cluster: String?

    func run() async throws {
        try await global.report("migrate lint") {
            let migrations = try files.load()
            return LintReport(
                directory: files.migrations, migrations: migrations,
                findings: MigrationLinter(cluster: cluster).lint(migrations))
        }
    }
}
