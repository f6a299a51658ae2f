extension EnvironmentError {
    /// One problem in an environment file, with the position of the key it concerns.
    public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
        /// The kind of problem.
        public var code: Code

        /// The path of the file (or directory) the problem is in, as it was given to the loader.
        public var file: String

        /// The 1-based line, or `nil` when the problem concerns the whole file.
        public var line: Int?

        /// The 1-based column, when known.
        public var column: Int?

        /// The key the problem concerns, such as `clickhouse.admin.password` or `hosts[1].port`.
        public var keyPath: String?

        /// What is wrong and, where it helps, how to fix it; it never contains a secret's value.
        public var message: String

        /// Creates a diagnostic.
        public init(
            code: Code,
            file: String,
            line: Int? = nil,
            column: Int? = nil,
            keyPath: String? = nil,
            message: String
        ) {
            self.code = code
            self.file = file
            self.line = line
            self.column = column
            self.keyPath = keyPath
            self.message = message
        }

        /// The problem as `file:line:column: key.path: message`, leaving out the parts that are unknown.
        public var description: String {
            var location = file
            if let line {
                location += ":\(line)"
                if let column {
                    location += ":\(column)"
                }
            }
            if let keyPath {
                return "\(location): \(keyPath): \(message)"
            }
            return "\(location): \(message)"
        }
    }
}
