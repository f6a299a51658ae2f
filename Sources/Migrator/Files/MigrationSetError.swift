/// Why a folder of migration files could not be loaded: every problem found in it.
///
/// Loading does not stop at the first problem, so one run lists everything to fix. The
/// description has one line per problem in the compiler-like form
/// `migrations/0003_utm.up.sql:12: the string opened with ' here is never closed; …`.
public struct MigrationSetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem found, sorted by file and line; problems without a line come first in their file.
    public let diagnostics: [Diagnostic]

    /// Creates an error from one or more problems, which are sorted by their position.
    ///
    /// - Precondition: `diagnostics` is not empty.
    public init(diagnostics: [Diagnostic]) {
        precondition(!diagnostics.isEmpty, "a MigrationSetError describes at least one problem")
        // Enumerated so that problems at the same position keep the order they were found in.
        self.diagnostics = diagnostics.enumerated()
            .sorted { lhs, rhs in
                if lhs.element.file != rhs.element.file { return lhs.element.file < rhs.element.file }
                return (lhs.element.line ?? 0, lhs.offset) < (rhs.element.line ?? 0, rhs.offset)
            }
            .map(\.element)
    }

    /// The kind of the first problem.
    public var code: Code { diagnostics[0].code }

    /// What is wrong with the first problem and how to fix it.
    public var message: String { diagnostics[0].message }

    /// One line per problem, in the form `file:line: message`.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
