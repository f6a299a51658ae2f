/// Every problem found in the configuration at once, each naming its variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable {
        /// The variable at fault, nil for a problem of the file itself.
        public let variable: String?
        public let message: String

        public init(variable: String?, message: String) {
            self.variable = variable
            self.message = message
        }
    }

    public let problems: [Problem]

    public init(_ problems: [Problem]) {
        self.problems = problems
    }

    public var description: String {
        problems.count == 1
            ? "invalid configuration: \(problems[0].message)"
            : "invalid configuration (\(problems.count) problems):\n"
                + problems.map { "  - \($0.message)" }.joined(separator: "\n")
    }
}
