import Foundation

/// One check of the E2E suite and what it came to.
public struct CheckResult: Sendable, Codable, Equatable {
    /// The eight areas of the original E2E verification, in report order.
    public enum Area: String, Sendable, Codable, CaseIterable {
        case environment, database, load, quality, metadata, monitoring, automation, smoke
    }

    public enum Severity: String, Sendable, Codable { case blocker, warning }

    public enum Outcome: String, Sendable, Codable { case pass, fail, skip, error }

    /// Stable id, `area.name` (`database.migrations`).
    public let id: String
    public let area: Area
    public let title: String
    public let severity: Severity
    public let outcome: Outcome
    /// What the check wanted, and what it saw.
    public let expected: String
    public let found: String
    /// The command or query behind it, and an excerpt of its output (secrets redacted).
    public let evidence: String
    /// For a failure: what to do about it.
    public let remedy: String?
    public let seconds: Double

    public init(
        id: String, area: Area, title: String, severity: Severity = .blocker, outcome: Outcome, expected: String,
        found: String,
        evidence: String = "", remedy: String? = nil, seconds: Double = 0
    ) {
        self.id = id
        self.area = area
        self.title = title
        self.severity = severity
        self.outcome = outcome
        self.expected = expected
        self.found = found
        self.evidence = evidence
        self.remedy = remedy
        self.seconds = seconds
    }

    /// Whether this result keeps the release from rolling out.
    public var blocks: Bool { severity == .blocker && (outcome == .fail || outcome == .error) }
}

/// Removes secrets from text that goes into evidence, reports and logs.
public struct Redactor: Sendable {
    private let secrets: [String]

    /// `secrets` shorter than 4 characters are ignored (they would mangle ordinary words).
    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func callAsFunction(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}
