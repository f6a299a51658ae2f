extension EnvironmentCatalog {
    /// One environment of a catalog and the outcome of loading it.
    public struct Entry: Sendable, Hashable {
        /// The environment's name.
        public var name: String

        /// The path of its file.
        public var path: String

        /// The loaded environment, or every problem its file has.
        public var result: Result<Environment, EnvironmentError>

        /// Creates an entry.
        public init(name: String, path: String, result: Result<Environment, EnvironmentError>) {
            self.name = name
            self.path = path
            self.result = result
        }
    }
}
