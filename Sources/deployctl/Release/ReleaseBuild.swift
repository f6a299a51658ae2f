import ArgumentParser
import Console
import Deployer
import Foundation
import SSH

struct ReleaseBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract:
            "Make a release from the checkout: the static qtickets-api (make build), systemd/, migrations/, checks/smoke/, a manifest and its signature.",
        discussion: """
            The release id is derived from the files alone, so the same content is the same release on every workstation. \
            A checkout with uncommitted changes is refused unless --allow-dirty (the manifest then says so).
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReleaseOptions
    @Option(
        help: "The static loader binary (default: <checkout>/.build/static/qtickets-api, as `make build` leaves it).")
    var binary: String?
    @Flag(help: "Build from a checkout with uncommitted changes.") var allowDirty = false

    func run() async throws {
        try await global.report("release build") {
            let key = try SigningKey.load(path: options.signingKeyPath)
            let checkout = options.checkoutPath
            return try ReleaseBuilder(
                checkout: checkout, binary: binary,
                store: ReleaseStore.of(checkout: checkout),
                signingKey: key, allowDirty: allowDirty
            ).build(actor: Workstation.actor)
        }
    }
}
