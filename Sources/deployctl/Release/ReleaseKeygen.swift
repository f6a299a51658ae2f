import ArgumentParser
import Console
import Deployer
import Foundation
import SSH

struct ReleaseKeygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract:
            "Make the team's ed25519 release signing key (OpenSSH format, mode 0600) and print the line hosts trust.",
        discussion:
            "Put the printed public key line into every environment's [app] trusted_release_keys; keep the private key off the repository."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The key's comment (default: user@host).") var comment: String?

    struct Output: CommandOutput {
        let privateKey: String
        let publicKey: String
        let publicKeyLine: String
        let fingerprint: String

        func render(_ terminal: Terminal) -> String {
            """
            release signing key \(fingerprint)
              private  \(privateKey) (mode 0600; never commit it)
              public   \(publicKey)
            add to [app] trusted_release_keys of every environment, then run `deployctl setup <env>`:
              "\(publicKeyLine)"
            """
        }
    }

    func run() async throws {
        try await global.report("release keygen") {
            let path = options.signingKeyPath
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure(
                    .invalidConfiguration, "signing_key",
                    "\(path) exists already; remove it first or pass --signing-key with another path")
            }
            let key = SigningKey(comment: comment ?? Workstation.actor)
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(key.privateKeyFile.utf8), attributes: [.posixPermissions: 0o600])
            else {
                throw CommandFailure(.checkFailed, "signing_key", "cannot write \(path)")
            }
            try Data((key.publicKeyLine + "\n").utf8).write(to: URL(fileURLWithPath: path + ".pub"))
            return Output(
                privateKey: path, publicKey: path + ".pub", publicKeyLine: key.publicKeyLine,
                fingerprint: key.fingerprint)
        }
    }
}
