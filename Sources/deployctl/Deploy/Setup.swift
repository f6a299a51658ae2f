import ArgumentParser
import Deployer

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Prepare the hosts for deploys, idempotently: the app's system user, the folders, the trusted release keys; prints what changed."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    func run() async throws {
        try await global.report("setup") {
            return try await global.withSession(target) { environment, session in
                await HostSetup(environment: environment).run(in: session, actor: Workstation.actor)
            }
        }
    }
}
