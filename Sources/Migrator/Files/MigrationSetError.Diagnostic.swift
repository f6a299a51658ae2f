extension MigrationSetError {
    /// One problem in a migrations folder, with the file and line it concerns.
    public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
        /// The kind of problem.
        public var code: Code

        /// The path of the file (or folder) the problem is in, as the loader was given it.
        public var file: String

        /// The 1-based line, or `nil` when the problem concerns the whole file.
        public var line: Int?

        /// What is wrong and how to fix it.
        public var message: String

        /// Creates a diagnostic.
        public init(code: Code, file: String, line: Int? = nil, message: String) {
            self.code = code
            self.file = file
            self.line = line
            self.message = message
        }

        /// The problem as `file:line: message`, without the line when there is none.
        public var description: String {
            line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
        }
    }
}
