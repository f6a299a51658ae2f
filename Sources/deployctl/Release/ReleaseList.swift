import ArgumentParser
import Deployer

struct ReleaseListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the releases built on this workstation, newest first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReleaseOptions

    func run() async throws {
        try await global.report("release list") { ReleaseList(store: ReleaseStore.of(checkout: options.checkoutPath)) }
    }
}
