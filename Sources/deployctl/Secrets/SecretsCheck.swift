import ArgumentParser
import Deployer

struct SecretsCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check the env file on every host: it exists, only root and the app user can read it, the current release's loader accepts it."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    func run() async throws {
        try await global.report("secrets check") {
            return try await global.withSession(target) { environment, session in
                await EnvFileCheck(layout: HostLayout(environment)).run(in: session)
            }
        }
    }
}
