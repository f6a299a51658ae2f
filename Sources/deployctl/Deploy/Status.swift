import ArgumentParser
import Deployer
import Migrator

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Per host: current and previous release, whether files and units still match it, unit and timer state, lock; schema and last loader run.",
        discussion:
            "Exit status: 0 everything matches, 1 something drifted (an edited file or unit, a failed migration), 3 a host unreachable."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @OptionGroup var files: MigrationFiles

    func run() async throws {
        try await global.report("status") {
            return try await global.withSession(target) { environment, session in
                await StatusProbe(environment: environment, migrations: (try? files.load()) ?? []).run(in: session)
            }
        }
    }
}
