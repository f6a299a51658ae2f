import ArgumentParser
import Deployer

struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases",
        abstract: "The releases on each host: current, previous, and whether each passed or failed its checks there.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    func run() async throws {
        try await global.report("releases") {
            return try await global.withSession(target) { environment, session in
                await HostReleases.read(in: session)
            }
        }
    }
}
