import ArgumentParser
import Deployer

struct SecretsPush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract:
            "Check a local env file with the release's loader, then install it on every host (root:<app user>, 0640); the audit log records the names."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The local KEY=VALUE file.") var from: String

    func run() async throws {
        try await global.report("secrets push") {
            return try await global.withSession(target) { environment, session in
                let local = try? ReleaseStore.of(checkout: options.checkoutPath).release(nil)
                return try await Deployer.SecretsPush(environment: environment, source: from)
                    .run(
                        in: session, localBinary: local.map { $0.path + "/" + ReleaseBundle.binaryPath },
                        actor: Workstation.actor)
            }
        }
    }
}
