import Console
import Environments
import Foundation
import HostScripts
import SSH

/// Whether a host's env file is fit for the pipeline: it exists, no one but root and the app user
/// can read it, and the release's own loader accepts it (`qtickets-api check-config`, which names
/// problems by variable, never by value). A deploy checks this before it changes anything, with the
/// binary of the release it is about to switch to.
public struct EnvFileCheck: Sendable {
    public let layout: HostLayout

    public init(layout: HostLayout) {
        self.layout = layout
    }

    /// The verdict for one host.
    public struct Outcome: Sendable, Encodable, Equatable {
        public let host: String
        public let path: String
        /// `owner group mode`, as `stat -c '%U %G %a'` prints it; nil when the file is missing.
        public let ownership: String?
        public let problems: [String]
        /// The variables the file sets (names only).
        public let variables: [String]

        public var ok: Bool { problems.isEmpty }
    }

    /// Checks `path` (default: the environment's env file) on `host` with the loader at `binary`.
    public func run(on host: any RemoteHost, binary: String, path: String? = nil) async throws(CommandFailure)
        -> Outcome
    {
        let result = try await HostScript(host: host).run(.envFileCheck, [path ?? layout.envFile, binary])
        let answer = ScriptAnswer(result.stdoutText)
        let target = path ?? layout.envFile
        guard answer["missing"] == nil else {
            return Outcome(
                host: host.label, path: target, ownership: nil,
                problems: ["\(target) does not exist: `deployctl secrets push <env> --from FILE` puts it there"],
                variables: [])
        }
        var problems: [String] = []
        let ownership = answer["ownership"] ?? ""
        let parts = ownership.split(separator: " ").map(String.init)
        if parts.count == 3, let mode = Int(parts[2], radix: 8) {
            let (owner, group) = (parts[0], parts[1])
            if owner != "root" && owner != layout.user {
                problems.append("\(target) belongs to \(owner); only root or \(layout.user) may own it")
            }
            if mode & 0o007 != 0 {
                problems.append("\(target) is readable by others (mode \(parts[2])); chmod 0640 it")
            }
            let members = (answer["group_members"] ?? "").split(separator: ",").map(String.init).filter {
                $0 != layout.user && $0 != "root"
            }
            if mode & 0o070 != 0 && group != "root" && group != layout.user {
                problems.append("\(target)'s group \(group) can read it; chgrp \(layout.user) it")
            } else if mode & 0o070 != 0 && !members.isEmpty {
                problems.append(
                    "\(target)'s group \(group) has other members who can read it: \(members.joined(separator: ", "))")
            }
        } else {
            problems.append("cannot read the owner and mode of \(target)")
        }
        if answer["nobinary"] != nil {
            problems.append("the release's loader \(binary) is not on the host")
        } else {
            let checks = answer.all("check")
            if !checks.contains(where: { $0.hasPrefix("ok:") }) {
                problems += checks.map { $0.hasPrefix("problem: ") ? String($0.dropFirst(9)) : $0 }.filter {
                    !$0.isEmpty
                }
            }
        }
        return Outcome(
            host: host.label, path: target, ownership: ownership, problems: problems, variables: answer.all("variable"))
    }
}

/// `deployctl secrets check` and `secrets push`: every host's env file verdict.
public struct SecretsReport: CommandOutput {
    public let environment: String
    /// Whether the file was pushed (otherwise only checked).
    public let pushed: Bool
    public let hosts: [EnvFileCheck.Outcome]

    public init(environment: String, pushed: Bool, hosts: [EnvFileCheck.Outcome]) {
        self.environment = environment
        self.pushed = pushed
        self.hosts = hosts
    }

    public var verdict: Verdict { hosts.allSatisfy(\.ok) ? .success : .checkFailed }
    public var failureSummary: String {
        hosts.filter { !$0.ok }.map { "\($0.host): \($0.problems.joined(separator: "; "))" }.joined(separator: " | ")
    }

    public func render(_ terminal: Terminal) -> String {
        hosts.map { outcome in
            let head = "\(terminal.bold(outcome.host))  \(outcome.path)  \(outcome.ownership.map { "(\($0))" } ?? "")"
            if outcome.ok {
                let verb = pushed ? "pushed and accepted" : "accepted"
                return head + "\n  " + terminal.status(.ok)
                    + " \(verb) by the release's loader: \(outcome.variables.count) variable(s) (\(outcome.variables.joined(separator: ", ")))"
            }
            return ([head] + outcome.problems.map { "  " + terminal.status(.fail) + " " + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension EnvFileCheck {
    /// `deployctl secrets check`: every host's env file, checked with its current release's loader.
    public func run(in session: EnvironmentSession) async -> SecretsReport {
        let binary = layout.current + "/" + ReleaseBundle.binaryPath
        let layout = layout
        let outcomes = await session.eachHost(
            { host, connection in
                do throws(CommandFailure) {
                    return try await run(on: connection, binary: binary)
                } catch {
                    return Outcome(
                        host: host.name, path: layout.envFile, ownership: nil, problems: [error.message], variables: [])
                }
            },
            unreachable: { host, failure in
                Outcome(
                    host: host.name, path: layout.envFile, ownership: nil, problems: [failure.description],
                    variables: [])
            })
        return SecretsReport(environment: session.environment.name, pushed: false, hosts: outcomes)
    }
}
