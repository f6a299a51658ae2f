import AuditTrail
import Console
import Environments
import Foundation
import HostScripts
import SSH

/// `deployctl setup <env>`: prepares every host for deploys, idempotently, and says what it changed:
/// the app's system user (no login shell), the folders with their owners and modes, the trusted
/// release keys (an allowed-signers file for `ssh-keygen -Y verify`), the units' folder.
public struct HostSetup: Sendable {
    public let environment: Environment
    public let layout: HostLayout

    public init(environment: Environment) {
        self.environment = environment
        layout = HostLayout(environment)
    }

    /// One host's outcome.
    public struct HostResult: Sendable, Encodable {
        public let host: String
        public let changes: [String]
        public let failure: String?
    }

    /// Every host's outcome.
    public struct Report: CommandOutput {
        public let environment: String
        public let hosts: [HostResult]

        public var verdict: Verdict { hosts.contains { $0.failure != nil } ? .checkFailed : .success }
        public var failureSummary: String { hosts.compactMap(\.failure).joined(separator: "; ") }

        public func render(_ terminal: Terminal) -> String {
            hosts.map { host in
                var lines = ["\(terminal.bold(host.host))"]
                if let failure = host.failure {
                    lines.append("  " + terminal.status(.fail) + " " + failure)
                } else if host.changes.isEmpty {
                    lines.append("  " + terminal.status(.ok) + " already set up: nothing changed")
                } else {
                    lines += host.changes.map { "  " + terminal.status(.ok) + " " + $0 }
                }
                return lines.joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    /// The allowed-signers file: one line per trusted key, for the release namespace only.
    var allowedSigners: String {
        environment.app.trustedReleaseKeys.map {
            "\(ReleaseBundle.signerIdentity) namespaces=\"\(ReleaseBundle.signatureNamespace)\" \($0)\n"
        }.joined()
    }

    /// The arguments of `host-setup.sh`, which checks every step first and changes only what differs.
    var scriptArguments: [String] {
        [
            layout.user, layout.root, layout.releases, layout.shared, layout.envFileDirectory, layout.unitsDirectory,
            layout.allowedSigners, allowedSigners,
        ]
    }

    /// Sets up every host of `session`, one after another.
    public func run(in session: EnvironmentSession, actor: String) async -> Report {
        guard !environment.app.trustedReleaseKeys.isEmpty else {
            let reason =
                "\(environment.sourcePath): [app] trusted_release_keys is empty; add the .pub line `deployctl release keygen` printed"
            return Report(
                environment: environment.name,
                hosts: session.links.map { HostResult(host: $0.host.name, changes: [], failure: reason) })
        }
        let hosts = await session.eachHost(
            concurrently: false,
            { host, connection in
                let started = ContinuousClock.now
                do throws(CommandFailure) {
                    let answer = ScriptAnswer(
                        try await HostScript(host: connection).require(.hostSetup, scriptArguments, step: "setup")
                            .stdoutText)
                    let missing = answer.all("missing")
                    if !missing.isEmpty {
                        return HostResult(
                            host: host.name, changes: answer.all("changed"),
                            failure: "missing on the host: " + missing.joined(separator: ", "))
                    }
                    let changes = answer.all("changed")
                    let log = AuditLog(layout: layout, database: environment.clickhouse.stateDatabase)
                    let clickhouse = try? await session.clickhouse(as: .admin)
                    try await log.append(
                        AuditRecord(
                            command: "setup", environment: environment.name, host: host.name, actor: actor,
                            release: nil, result: "ok",
                            seconds: started.duration(to: .now).secondsValue, changes: changes),
                        on: connection, clickhouse: clickhouse)
                    return HostResult(host: host.name, changes: changes, failure: nil)
                } catch {
                    return HostResult(host: host.name, changes: [], failure: error.message)
                }
            },
            unreachable: { host, failure in
                HostResult(host: host.name, changes: [], failure: failure.description)
            })
        return Report(environment: environment.name, hosts: hosts)
    }
}
