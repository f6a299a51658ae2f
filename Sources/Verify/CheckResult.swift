import Foundation

/// One check of the E2E suite and what it came to. Its sentences are in both languages of the report;
/// in `e2e-report.json` the English text is in `title`, `expected`, `found` and `remedy`, the
/// Russian beside it in `ru`.
public struct CheckResult: Sendable, Encodable, Equatable {
    /// The eight areas of the original E2E verification, in report order.
    public enum Area: String, Sendable, Codable, CaseIterable {
        case environment, database, load, quality, metadata, monitoring, automation, smoke
    }

    public enum Severity: String, Sendable, Codable { case blocker, warning }

    public enum Outcome: String, Sendable, Codable { case pass, fail, skip, error }

    /// Stable id, `area.name` (`database.migrations`).
    public let id: String
    public let area: Area
    public let title: Message
    public let severity: Severity
    public let outcome: Outcome
    /// What the check wanted, and what it saw.
    public let expected: Message
    public let found: Message
    /// The command or query behind it, and an excerpt of its output (secrets redacted), as they are: never translated.
    public let evidence: String
    /// For a failure: what to do about it.
    public let remedy: Message?
    public let seconds: Double

    public init(
        id: String, area: Area, title: Message, severity: Severity = .blocker, outcome: Outcome, expected: Message,
        found: Message,
        evidence: String = "", remedy: Message? = nil, seconds: Double = 0
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

    private enum CodingKeys: String, CodingKey {
        case id, area, title, severity, outcome, expected, found, evidence, remedy, seconds, ru
    }

    /// The Russian sentences of a check in `e2e-report.json`.
    private struct Russian: Encodable {
        let title: String
        let expected: String
        let found: String
        let remedy: String?
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(area, forKey: .area)
        try container.encode(title.english, forKey: .title)
        try container.encode(severity, forKey: .severity)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(expected.english, forKey: .expected)
        try container.encode(found.english, forKey: .found)
        try container.encode(evidence, forKey: .evidence)
        try container.encodeIfPresent(remedy?.english, forKey: .remedy)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(
            Russian(title: title.russian, expected: expected.russian, found: found.russian, remedy: remedy?.russian),
            forKey: .ru)
    }
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

    public func callAsFunction(_ message: Message) -> Message {
        message.map { callAsFunction($0) }
    }
}
