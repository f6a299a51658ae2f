/// Why SQL text could not be split into statements, with the line where the problem starts.
///
/// Splitting refuses text that ClickHouse would mis-read, so that a migration fails before its
/// first statement runs instead of halfway through.
public struct SQLSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, stable across wording changes so that callers can branch on it.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A `'…'`, `x'…'` or `b'…'` string has no closing quote.
        case unterminatedString
        /// A `"…"` or `` `…` `` identifier has no closing quote.
        case unterminatedQuotedIdentifier
        /// A `/* … */` comment (nesting counts) has no closing `*/`.
        case unterminatedComment
        /// A `$tag$` heredoc has no closing `$tag$`.
        case unterminatedHeredoc
        /// A `#` that ClickHouse does not read as a comment, because neither a space nor `!` follows it.
        case unrecognizedHash
        /// A `deployctl:` directive is not in the comments directly before a statement.
        case misplacedDirective
        /// A `deployctl:` directive is written in a comment style other than `--`.
        case directiveStyle
    }

    /// The kind of problem.
    public let code: Code

    /// The 1-based line where the problem starts, such as the line of an unclosed quote.
    public let line: Int

    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error.
    public init(code: Code, line: Int, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    /// The problem as `line N: message`.
    public var description: String { "line \(line): \(message)" }
}
