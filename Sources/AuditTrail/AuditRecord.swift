import Foundation

/// One entry of the audit trail: who did what to which host, when, with what result.
public struct AuditRecord: Sendable, Codable, Equatable {
    /// `deploy`, `setup`, `secrets push`, `lock break`, …
    public let command: String
    public let environment: String
    public let host: String
    public let actor: String
    /// ISO 8601 UTC on the workstation.
    public let at: String
    public let release: String?
    /// `ok`, `failed`, `refused`.
    public let result: String
    public let seconds: Double
    /// What changed, one line each.
    public let changes: [String]
    public let detail: String?

    public init(
        command: String, environment: String, host: String, actor: String, release: String?, result: String,
        seconds: Double,
        changes: [String], detail: String? = nil, at: Date = Date()
    ) {
        self.command = command
        self.environment = environment
        self.host = host
        self.actor = actor
        self.at = ISO8601DateFormatter().string(from: at)
        self.release = release
        self.result = result
        self.seconds = (seconds * 1000).rounded() / 1000
        self.changes = changes
        self.detail = detail
    }
}

extension AuditRecord {
    /// The first change of a `gate override` entry: `deployed past a closed gate: <why it was closed>`.
    public static func gateOverrideChange(closedBecause: String) -> String {
        "deployed past a closed gate: \(closedBecause)"
    }

    /// A `gate override` entry for a person, as `status` and verify show it: "deployed past a closed
    /// gate by <actor> at <time>: <reason> (the gate said: <why it was closed>)".
    public var gateOverrideSummary: String {
        let closed = changes.first.map {
            " (" + $0.replacingOccurrences(of: Self.gateOverrideChange(closedBecause: ""), with: "the gate said: ")
                + ")"
        }
        return "deployed past a closed gate by \(actor) at \(at): \(detail ?? "no reason")" + (closed ?? "")
    }
}
