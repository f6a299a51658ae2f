extension Environment {
    /// Where the pipeline lives on each host and which account runs it.
    public struct App: Sendable, Hashable {
        /// The absolute directory on the host that releases are installed under.
        public var root: String

        /// The unprivileged system user that runs the pipeline's units.
        public var user: String

        /// The absolute path, on the host, of the env file holding the pipeline's API credentials.
        public var envFile: String

        /// How many releases stay on a host (`keep_releases`, default 5); the current and the
        /// previous one are never pruned.
        public var keepReleases: Int

        /// Public keys (OpenSSH lines) whose release signatures the hosts accept (`trusted_release_keys`).
        public var trustedReleaseKeys: [String]

        /// The hosts whose loader timer runs (`loader_hosts`); default: the ClickHouse host only,
        /// so that one database is never loaded twice.
        public var loaderHosts: [String]

        /// Creates the app settings.
        public init(
            root: String, user: String, envFile: String, keepReleases: Int = 5, trustedReleaseKeys: [String] = [],
            loaderHosts: [String] = []
        ) {
            self.root = root
            self.user = user
            self.envFile = envFile
            self.keepReleases = keepReleases
            self.trustedReleaseKeys = trustedReleaseKeys
            self.loaderHosts = loaderHosts
        }
    }
}
