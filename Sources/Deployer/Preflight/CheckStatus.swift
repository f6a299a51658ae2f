/// The verdict of one check, ordered from best to worst.
public enum CheckStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case ok, warn, fail

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

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
    public let checks: [HostCheck]

    /// The worst verdict among the checks.
    public var status: CheckStatus { checks.map(\.status).max() ?? .ok }
}

/// Every host of an environment.
public struct EnvironmentCheckReport: Sendable, Codable {
    public let environment: String
    public let hosts: [HostCheckReport]

    /// The worst verdict among the hosts.
    public var status: CheckStatus { hosts.map(\.status).max() ?? .ok }
}
