import ArgumentParser
import ClickHouse
import Console
import Deployer
import Migrator

struct MigrateRepair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract:
            "Record a decision about one migration: accept its changed file, or mark it rolled back after undoing it by hand."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var options: MigrationRun
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "The migration's version.") var version: UInt64
    @Flag(help: "Accept the file as it is now for an applied migration whose file changed.") var acceptChecksum = false
    @Flag(help: "Declare the migration not applied (its effects were undone by hand).") var markRolledBack = false
    @Option(help: "Why; recorded in the history.") var reason: String

    func validate() throws {
        guard acceptChecksum != markRolledBack else {
            throw ValidationError("give exactly one of --accept-checksum or --mark-rolled-back")
        }
    }

    func run() async throws {
        let (version, reason) = (version, reason)
        let repair: Migrator<ClickHouseClient>.Repair = acceptChecksum ? .acceptChecksum : .markRolledBack
        try await global.report("migrate repair") {
            try await withMigrator(global, target.environment, files: files, run: options) {
                try await $0.repair(version: version, repair, reason: reason)
            }
            return MigrationDecisionReport(
                environment: target.environment, version: version,
                decision: acceptChecksum ? "repaired: its current file accepted" : "repaired: marked rolled back",
                reason: reason)
        }
    }
}
