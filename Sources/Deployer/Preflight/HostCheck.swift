import Console
import Foundation

/// One line of a host's preflight: what was checked, the verdict, and the fact behind it.
public struct HostCheck: Sendable, Codable, Equatable {
    /// Short name of the check (`ssh`, `os`, `systemd`, `disk`, `clickhouse`, …).
    public let name: String
    /// The verdict.
    public let status: CheckStatus
    /// The observed fact, or what is wrong and what to do.
    public let detail: String

    public init(_ name: String, _ status: CheckStatus, _ detail: String) {
        self.name = name
        self.status = status
        self.detail = detail
    }
}

/// Every check of one host.
public struct HostCheckReport: Sendable, Codable {
    public let host: String
    public let address: String
    /// Whether the host could be connected to and authenticated with.
    public let reachable: Bool
    public let checks: [HostCheck]

    /// The worst verdict among the checks.
    public var status: CheckStatus { checks.map(\.status).max() ?? .ok }
}

/// Every host of an environment.
public struct EnvironmentCheckReport: CommandOutput, Codable {
    public let environment: String
    public let hosts: [HostCheckReport]

    /// The worst verdict among the hosts.
    public var status: CheckStatus { hosts.map(\.status).max() ?? .ok }

    /// Unreachable (3) when a host could not be connected to, else a failed check (1) when one failed.
    public var verdict: Verdict {
        if hosts.contains(where: { !$0.reachable }) { return .unreachable }
        return status == .fail ? .checkFailed : .success
    }

    public var failureSummary: String {
        let failed = hosts.flatMap { host in host.checks.filter { $0.status == .fail }.map { "\(host.host) \($0.name)" }
        }
        return "\(failed.count) check(s) failed: \(failed.joined(separator: ", "))"
    }

    public func render(_ terminal: Terminal) -> String {
        var lines: [String] = []
        for host in hosts {
            lines.append("\(terminal.bold(host.host))  \(terminal.dim(host.address))")
            let rows = host.checks.map { check in
                [
                    terminal.status(check.status), check.name,
                    check.detail.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: 30)),
                ]
            }
            lines.append(Terminal.table(rows))
        }
        let counts = Dictionary(grouping: hosts.flatMap(\.checks), by: \.status).mapValues(\.count)
        lines.append(
            "\(environment): \(terminal.status(status).trimmingCharacters(in: .whitespaces)) — "
                + "\(counts[.ok] ?? 0) ok, \(counts[.warn] ?? 0) warn, \(counts[.fail] ?? 0) fail on \(hosts.count) host(s)"
        )
        return lines.joined(separator: "\n")
    }
}
