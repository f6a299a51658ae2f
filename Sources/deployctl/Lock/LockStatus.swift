import ArgumentParser
import Console
import Deployer
import Migrator

struct LockStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show who holds each host's deploy lock and the migration lock.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument

    func run() async throws {
        try await global.report("lock status") {
            try await withLocks(global, target.environment, files: files) { locks, session, migrator in
                try await locks.status(in: session, migrator: migrator)
            }
        }
    }
}
