import ArgumentParser
import Deployer
import Environments
import Foundation
import SSH

#if canImport(Glibc)
import Glibc
#endif

extension Deployctl {
    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the host keys of an environment's hosts in its known_hosts file.",
            discussion: """
                Shows each unknown key's SHA256 fingerprint and asks before recording it. A key equal to the \
                host_key pinned in the environment file is recorded without asking. A key that differs from the \
                recorded one is never replaced: remove the old line yourself after checking why it changed.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The environment.")
        var environment: String

        @Option(help: "Only this host of the environment.")
        var host: String?

        @Flag(name: .shortAndLong, help: "Record unknown keys without asking (only after checking the fingerprints another way).")
        var yes = false

        struct Row: Encodable {
            let host: String
            let outcome: String
            let keyType: String?
            let fingerprint: String?
            let detail: String?
        }

        func run() async throws {
            let environment = try global.environment(environment)
            let hosts = try global.hosts(of: environment, named: host)
            let interactive = isatty(STDIN_FILENO) == 1
            let acceptAll = yes
            let terminal = global.terminal
            var rows: [Row] = []
            for host in hosts {
                let outcome = await HostTrust(host: host).run { host, key in
                    if acceptAll { return true }
                    guard interactive else { return false }
                    print("\(host.name) (\(host.address):\(host.port)) presents an unknown \(key.displayType) key")
                    print("  fingerprint \(key.fingerprint)")
                    FileHandle.standardOutput.write(Data("Trust it and record it in \(host.knownHostsFile)? [y/N] ".utf8))
                    return (readLine() ?? "").lowercased().hasPrefix("y")
                }
                rows.append(row(host.name, outcome, interactive: interactive || acceptAll))
            }
            if global.json {
                try global.printJSON(rows)
            } else {
                let table = rows.map { row -> [String] in
                    let status: CheckStatus = row.outcome == "failed" ? .fail : (row.outcome == "declined" ? .warn : .ok)
                    return [terminal.status(status), row.host, row.outcome, row.fingerprint ?? "", row.detail ?? ""]
                }
                print(Terminal.table(table, visibleWidth: Terminal.visibleWidth))
            }
            if rows.contains(where: { $0.outcome == "failed" }) { throw ExitCode(ExitStatus.unreachable) }
            if rows.contains(where: { $0.outcome == "declined" }) { throw ExitCode(ExitStatus.checkFailed) }
        }

        private func row(_ host: String, _ outcome: HostTrust.Outcome, interactive: Bool) -> Row {
            switch outcome {
            case .alreadyTrusted(let key):
                return Row(host: host, outcome: "trusted", keyType: key.displayType, fingerprint: key.fingerprint, detail: "already recorded")
            case .recorded(let key, let file):
                return Row(host: host, outcome: "recorded", keyType: key.displayType, fingerprint: key.fingerprint, detail: "added to \(file)")
            case .declined(let key):
                let detail =
                    interactive
                    ? "not recorded"
                    : "not recorded: no terminal to ask; check the fingerprint, then rerun with --yes or pin host_key in the environment file"
                return Row(host: host, outcome: "declined", keyType: key.displayType, fingerprint: key.fingerprint, detail: detail)
            case .failed(let reason):
                return Row(host: host, outcome: "failed", keyType: nil, fingerprint: nil, detail: reason)
            }
        }
    }
}
