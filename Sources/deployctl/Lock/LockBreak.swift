import ArgumentParser
import Console
import Deployer
import Migrator

struct LockBreak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "break",
        abstract:
            "Break the deploy and migration locks of a dead run; the reason goes into the history and the audit log.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: MigrationFiles
    @OptionGroup var target: EnvironmentArgument
    @Option(help: "Why the lock is broken.") var reason: String
    @Option(
        help: ArgumentHelp(
            "Break a host's deploy lock only while this run holds it (the run id `lock status` shows).",
            discussion: "A lock another run has taken since is left, and the command exits 4.",
            valueName: "run-id"))
    var holder: String?

    func run() async throws {
        let reason = reason
        let holder = holder
        try await global.report("lock break") {
            try await withLocks(global, target.environment, files: files) { locks, session, migrator in
                try await locks.breakAll(
                    in: session, migrator: migrator, reason: reason, actor: Workstation.actor, holder: holder)
            }
        }
    }
}
