import ArgumentParser
import Deployer
import Environments
import Migrator

struct MigrateMoveState: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move-state",
        abstract:
            "Move deployctl's bookkeeping (migration history and lock, audit copy, verification records) out of the pipeline's database into [clickhouse] state_database.",
        discussion: """
            Versions before state_database kept these tables in the pipeline's database, where the \
            pipeline's account can write them; every other command refuses to run until they are moved. \
            The tables are renamed (no copy), under the migration lock, and the move is entered in the audit log.
            """
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentArgument
    @Option(name: .customLong("lock-wait"), help: "Seconds to wait for another run's migration lock before giving up.")
    var lockWait = 0
    @Flag(help: "Show which tables would move, change nothing.") var dryRun = false

    func run() async throws {
        try await global.report("migrate move-state") {
            let environment = try global.environment(target.environment)
            let session = await global.session(environment, hosts: [environment.clickhouseHost])
            defer { session.close() }
            return try await StateMove.run(
                in: session, options: .init(release: ReleaseIdentity.of().label, lockWait: .seconds(lockWait)),
                dryRun: dryRun)
        }
    }
}
