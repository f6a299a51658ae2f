import Console
import Environments
import Foundation
import HostScripts
import SSH

/// `deployctl releases <env>`: the releases on each host and what each is there: current,
/// previous, passed or failed its post-deploy checks (from the audit log), and when it was built.
public struct HostReleases: CommandOutput {
    public struct Release: Sendable, Encodable {
        public let id: String
        public let revision: String?
        public let builtAt: String?
        /// `current`, `previous`, or nil.
        public let role: String?
        /// `passed` (a deploy or rollback to it succeeded here), `failed` (one failed), or `never deployed`.
        public let record: String
    }

    public struct Host: Sendable, Encodable {
        public let host: String
        public let releases: [Release]
        public let failure: String?
    }

    public let environment: String
    public let hosts: [Host]

    public var verdict: Verdict { hosts.contains { $0.failure != nil } ? .unreachable : .success }
    public var failureSummary: String { hosts.compactMap(\.failure).joined(separator: "; ") }

    public func render(_ terminal: Terminal) -> String {
        hosts.map { host in
            guard host.failure == nil else { return "\(terminal.bold(host.host))\n  \(host.failure ?? "")" }
            if host.releases.isEmpty { return "\(terminal.bold(host.host))\n  no releases" }
            return terminal.bold(host.host) + "\n"
                + Terminal.table(
                    host.releases.map { release in
                        let record =
                            release.record == "failed" ? terminal.paint(release.record, "31;1") : release.record
                        return [release.id, release.role ?? "", record, release.revision ?? "-", release.builtAt ?? ""]
                    })
        }.joined(separator: "\n")
    }

    /// Reads every host of `session` in one script each.
    public static func read(in session: EnvironmentSession) async -> HostReleases {
        let layout = HostLayout(session.environment)
        let hosts = await session.eachHost(
            { host, connection in
                do throws(CommandFailure) {
                    let answer = ScriptAnswer(
                        try await HostScript(host: connection).require(
                            .listReleases, [layout.root, layout.auditLog], step: "listing the releases"
                        ).stdoutText)
                    let results = answer.values.filter { $0.key.hasPrefix("result:") }
                    let releases = answer.all("release").sorted {
                        (answer["built:\($0)"] ?? "") > (answer["built:\($1)"] ?? "")
                    }.map { id in
                        let outcomes = results["result:\(id)"] ?? []
                        let record = outcomes.contains("ok") ? "passed" : outcomes.isEmpty ? "never deployed" : "failed"
                        let role = id == answer["current"] ? "current" : id == answer["previous"] ? "previous" : nil
                        return Release(
                            id: id, revision: answer["revision:\(id)"], builtAt: answer["built:\(id)"], role: role,
                            record: record)
                    }
                    return Host(host: host.name, releases: releases, failure: nil)
                } catch {
                    return Host(host: host.name, releases: [], failure: error.message)
                }
            }, unreachable: { host, failure in Host(host: host.name, releases: [], failure: failure.description) })
        return HostReleases(environment: session.environment.name, hosts: hosts)
    }
}
