extension Environment.ClickHouse {
    /// How the ClickHouse server is run on a host, which decides how it is restarted and inspected.
    public enum Runtime: Sendable, Hashable {
        /// ClickHouse runs as a systemd unit, such as `clickhouse-server.service`.
        case systemd(unit: String)

        /// ClickHouse runs in the named Docker container.
        case docker(container: String)
    }
}
