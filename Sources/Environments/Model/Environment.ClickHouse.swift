extension Environment {
    /// The ClickHouse server on the hosts, and the accounts the deployer and the pipeline use.
    public struct ClickHouse: Sendable, Hashable {
        /// The name of the host (one of the environment's `[[hosts]]`) that runs ClickHouse; the
        /// migrator, the preflight and verify all reach ClickHouse through this host.
        public var host: String

        /// How ClickHouse is run on the host: as a systemd unit or in a Docker container.
        public var runtime: Runtime

        /// The HTTP interface's address as seen from the host; the deployer reaches it through an SSH tunnel.
        public var httpHost: String

        /// The HTTP interface's port on the host.
        public var httpPort: Int

        /// The database the pipeline's tables live in.
        public var database: String

        /// The database deployctl keeps its own bookkeeping in (migration history and lock, audit
        /// copy, verification records): never the pipeline's, so that the pipeline's account cannot
        /// write it.
        public var stateDatabase: String

        /// The ClickHouse cluster to run migrations `ON CLUSTER`, or `nil` for a single server.
        public var cluster: String?

        /// The account that applies migrations.
        public var admin: Credentials

        /// The account the pipeline writes with.
        public var writer: Credentials

        /// Creates the ClickHouse settings.
        public init(
            host: String,
            runtime: Runtime,
            httpHost: String = "127.0.0.1",
            httpPort: Int = 8123,
            database: String = "zakaz",
            stateDatabase: String = "deployctl",
            cluster: String? = nil,
            admin: Credentials,
            writer: Credentials
        ) {
            self.host = host
            self.runtime = runtime
            self.httpHost = httpHost
            self.httpPort = httpPort
            self.database = database
            self.stateDatabase = stateDatabase
            self.cluster = cluster
            self.admin = admin
            self.writer = writer
        }
    }
}
