/// An instruction to deployctl written as an SQL line comment: `-- deployctl:NAME <reason>`.
///
/// Directives stand in the comments directly before a statement. `irreversible` belongs to the
/// whole up file and goes before its first statement; `allow-destructive` permits the one
/// destructive statement it precedes. Both need a reason, which is kept for the audit trail.
public struct Directive: Sendable, Hashable, CustomStringConvertible {
    /// The directives deployctl knows; any other name is an error, so that a typo cannot silently
    /// switch a check off.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `-- deployctl:irreversible <reason>`: the migration has no down file, on purpose.
        case irreversible
        /// `-- deployctl:allow-destructive <reason>`: the next statement may delete data.
        case allowDestructive = "allow-destructive"
    }

    /// The name as written after `deployctl:`, such as `allow-destructive`.
    public let name: String

    /// The text after the name, trimmed; empty when none was written.
    public let reason: String

    /// The 1-based line of the comment.
    public let line: Int

    /// Creates a directive.
    public init(name: String, reason: String, line: Int) {
        self.name = name
        self.reason = reason
        self.line = line
    }

    /// The directive's kind, or `nil` when its name is not one deployctl knows.
    public var kind: Kind? { Kind(rawValue: name) }

    /// The directive as it is written: `-- deployctl:NAME reason`.
    public var description: String {
        reason.isEmpty ? "-- deployctl:\(name)" : "-- deployctl:\(name) \(reason)"
    }
}
