/// Why an environment file could not be loaded: every problem found in it, sorted by line.
///
/// Loading does not stop at the first problem, so one run lists everything a user has to fix.
/// The description has one line per problem in the compiler-like form
/// `environments/museshow.toml:14:1: clickhouse.http_port: expected an integer in 1...65535, found "8123" (a string)`.
/// The file, line, column, key path, code and message properties describe the first problem.
public struct EnvironmentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem found, sorted by line and column; problems without a line come first.
    public let diagnostics: [Diagnostic]

    /// Creates an error from one or more problems, which are sorted by their position.
    ///
    /// - Precondition: `diagnostics` is not empty.
    public init(diagnostics: [Diagnostic]) {
        precondition(!diagnostics.isEmpty, "an EnvironmentError describes at least one problem")
        // Enumerated so that problems on the same position keep the order they were found in.
        self.diagnostics = diagnostics.enumerated()
            .sorted { lhs, rhs in
                let left = (lhs.element.line ?? 0, lhs.element.column ?? 0, lhs.offset)
                let right = (rhs.element.line ?? 0, rhs.element.column ?? 0, rhs.offset)
                return left < right
            }
            .map(\.element)
    }

    /// Creates an error that describes a single problem.
    public init(_ diagnostic: Diagnostic) {
        self.init(diagnostics: [diagnostic])
    }

    /// The path of the file, or directory, the first problem is in.
    public var file: String { diagnostics[0].file }

    /// The 1-based line of the first problem, when it has one.
    public var line: Int? { diagnostics[0].line }

    /// The 1-based column of the first problem, when it is known.
    public var column: Int? { diagnostics[0].column }

    /// The key path of the first problem, such as `hosts[1].port`, when it concerns a key.
    public var keyPath: String? { diagnostics[0].keyPath }

    /// The kind of the first problem.
    public var code: Code { diagnostics[0].code }

    /// What is wrong with the first problem and how to fix it.
    public var message: String { diagnostics[0].message }

    /// One line per problem, in the form `file:line:column: key.path: message`.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
