extension Environment {
    /// Where the pipeline lives on each host and which account runs it.
    public struct App: Sendable, Hashable {
        /// The absolute directory on the host that releases are installed under.
        public var root: String

        /// The unprivileged system user that runs the pipeline's units.
        public var user: String

        /// The absolute path, on the host, of the env file holding the pipeline's API credentials.
        public var envFile: String

        /// Creates the app settings.
        public init(root: String, user: String, envFile: String) {
            self.root = root
            self.user = user
            self.envFile = envFile
        }
    }
}
