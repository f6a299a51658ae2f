import ArgumentParser
import Console
import Deployer
import Migrator

struct LockBreak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "break", abstract: "Break the migration lock of a dead run; the reason goes into the history.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "Why the lock is broken.") var reason: String

    func run() async throws {
        let reason = reason
        try await global.report("lock break") {
            LockReport(
                environment: target.environment,
                claims: try await withMigrator(global, target.environment, files: files, quiet: true) { try await $0.breakLock(reason: reason) },
                broken: true)
        }
    }
}
