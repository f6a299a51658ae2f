/// The values `clickhouse.runs_as` accepts, before the unit or container name is attached.
enum ClickHouseRuntimeKind: String, CaseIterable {
    case systemd
    case docker
}
