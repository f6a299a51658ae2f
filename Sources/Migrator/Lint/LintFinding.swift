/// One problem the linter found in a migration file, with the way out.
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        /// The migration must not be applied as it is.
        case error
        /// The migration may be applied, but something in it is likely to hurt.
        case warning
    }

    /// How serious the finding is.
    public let severity: Severity

    /// The rule that produced the finding.
    public let rule: LintRule

    /// The path of the file the finding is in.
    public let file: String

    /// The 1-based line of the statement or directive concerned, or `nil` for the whole file.
    public let line: Int?

    /// What is wrong and how to fix it.
    public let message: String

    /// Creates a finding.
    public init(severity: Severity, rule: LintRule, file: String, line: Int?, message: String) {
        self.severity = severity
        self.rule = rule
        self.file = file
        self.line = line
        self.message = message
    }

    /// The finding as `file:line: severity: message [rule]`, without the line when there is none.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return "\(location): \(severity.rawValue): \(message) [\(rule.rawValue)]"
    }
}
