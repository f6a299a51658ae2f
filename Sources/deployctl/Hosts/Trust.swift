import ArgumentParser
import Deployer
import Environments
import Foundation
import SSH

#if canImport(Glibc)
    import Glibc
#endif

struct Trust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the host keys of an environment's hosts in its known_hosts file.",
        discussion: """
            Shows each unknown key's SHA256 fingerprint and asks before recording it; for a host behind jump hosts, \
            each jump host's key too. A key equal to the \
            host_key pinned in the environment file is recorded without asking. A key that differs from the \
            recorded one is never replaced: remove the old line yourself after checking why it changed.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    @Flag(
        name: .shortAndLong,
        help: "Record unknown keys without asking (only after checking the fingerprints another way).")
    var yes = false

    func run() async throws {
        try await global.report("trust") {
            return try await global.withSession(target) { environment, session in
                let interactive = isatty(STDIN_FILENO) == 1 && !global.json
                let acceptAll = yes
                return await HostTrust.run(in: session) { subject, key in
                    if acceptAll { return true }
                    guard interactive else { return nil }
                    print(
                        "\(subject.label) (\(subject.address):\(subject.port)) presents an unknown \(key.displayType) key"
                    )
                    print("  fingerprint \(key.fingerprint)")
                    FileHandle.standardOutput.write(
                        Data("Trust it and record it in \(subject.knownHostsFile)? [y/N] ".utf8))
                    return (readLine() ?? "").lowercased().hasPrefix("y")
                }
            }
        }
    }
}
