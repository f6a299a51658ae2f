import ArgumentParser
import Foundation

extension Deployctl {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Build, list and sign releases: the static loader, the units, the migrations and the smoke SQL, with a signed manifest.",
            subcommands: [ReleaseBuild.self, ReleaseListCommand.self, ReleaseKeygen.self])
    }
}

/// Where releases and the signing key are.
struct ReleaseOptions: ParsableArguments {
    @Option(help: "The checkout to build from (default: the current folder).")
    var checkout = "."

    @Option(
        name: .customLong("signing-key"),
        help: "The release signing key (default: $DEPLOYCTL_SIGNING_KEY or ~/.config/deployctl/release_ed25519).")
    var signingKey: String?

    var signingKeyPath: String {
        signingKey ?? ProcessInfo.processInfo.environment["DEPLOYCTL_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.config/deployctl/release_ed25519"
    }

    var checkoutPath: String { URL(fileURLWithPath: checkout).standardizedFileURL.path }
}
