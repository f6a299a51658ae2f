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

    /// The script: every step checks first and changes only what differs, echoing `changed=…`.
    var script: String {
        let user = layout.user.shellQuoted
        let folders: [(path: String, mode: String, group: String)] = [
            (layout.root, "755", "root"), (layout.releases, "755", "root"), (layout.shared, "755", "root"),
            (layout.envFileDirectory, "750", layout.user), (layout.unitsDirectory, "755", "root"),
        ]
        var lines = [
            "if ! id -u \(user) >/dev/null 2>&1; then",
            "  useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \(user)",
            "  echo \"changed=created the system user \(layout.user) (no login shell)\"",
            "fi",
            "folder() {",
            "  if [ ! -d \"$1\" ]; then install -d -m \"$2\" -o root -g \"$3\" \"$1\"; echo \"changed=created $1 ($2 root:$3)\"",
            "  elif [ \"$(stat -c '%a %U %G' \"$1\")\" != \"$2 root $3\" ]; then",
            "    was=$(stat -c '%a %U:%G' \"$1\"); chmod \"$2\" \"$1\"; chown root:\"$3\" \"$1\"; echo \"changed=$1: $was -> $2 root:$3\"",
            "  fi",
            "}",
        ]
        for folder in folders {
            lines.append("folder \(folder.path.shellQuoted) \(folder.mode) \(folder.group.shellQuoted)")
        }
        let signers = layout.allowedSigners.shellQuoted
        lines += [
            "printf '%s' \(allowedSigners.shellQuoted) > \(signers).tmp",
            "if cmp -s \(signers).tmp \(signers); then rm -f \(signers).tmp; else",
            "  chmod 644 \(signers).tmp && mv \(signers).tmp \(signers)",
            "  echo \"changed=trusted \(environment.app.trustedReleaseKeys.count) release key(s) in \(layout.allowedSigners)\"",
            "fi",
            "for stale in \(layout.releases.shellQuoted)/.incoming-* \(layout.releases.shellQuoted)/..incoming-*.deployctl-*.tmp; do",
            "  if [ -e \"$stale\" ]; then rm -rf \"$stale\"; echo \"changed=removed the unfinished upload $stale\"; fi",
            "done",
            "command -v ssh-keygen >/dev/null || echo 'missing=ssh-keygen (package openssh-client): the host checks release signatures with it'",
            "command -v sha256sum >/dev/null || echo 'missing=sha256sum (package coreutils)'",
            "command -v flock >/dev/null || echo 'missing=flock (package util-linux)'",
            "command -v systemd-analyze >/dev/null || echo 'missing=systemd-analyze (package systemd)'",
        ]
        return lines.joined(separator: "\n")
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
                        try await HostScript(host: connection).require(script, step: "setup").stdoutText)
                    let missing = answer.all("missing")
                    if !missing.isEmpty {
                        return HostResult(
                            host: host.name, changes: answer.all("changed"),
                            failure: "missing on the host: " + missing.joined(separator: ", "))
                    }
                    let changes = answer.all("changed")
                    let log = AuditLog(layout: layout, database: environment.clickhouse.database)
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
