import ClickHouse

/// Where deployctl keeps its bookkeeping in ClickHouse, and how to create it.
///
/// The DDL is valid on every server deployctl meets, from Debian's 18.16 to current releases
/// (no LowCardinality, no DateTime64): in cluster mode the tables are Replicated and created
/// ON CLUSTER, so that every replica sees the same history and the same lock.
public struct TrackingTables: Sendable, Equatable {
    /// Database holding the tables: deployctl's own, out of the pipeline account's reach.
    public var database: String
    /// Database the migrations run in (unqualified names resolve there).
    public var target: String
    public var history: String
    public var lock: String
    /// Cluster name, for replicated bookkeeping and ON CLUSTER DDL.
    public var cluster: String?

    /// `target` defaults to `database`: one database holding both the schema and its history.
    public init(
        database: String, target: String? = nil, history: String = "deployctl_migrations",
        lock: String = "deployctl_migration_lock", cluster: String? = nil
    ) {
        self.database = database
        self.target = target ?? database
        self.history = history
        self.lock = lock
        self.cluster = cluster
    }

    var onCluster: String { cluster.map { " ON CLUSTER \(ClickHouseSQL.identifier($0))" } ?? "" }

    func qualified(_ table: String) -> String {
        "\(ClickHouseSQL.identifier(database)).\(ClickHouseSQL.identifier(table))"
    }

    func engine(for table: String) -> String {
        guard cluster != nil else { return "MergeTree" }
        return "ReplicatedMergeTree('/clickhouse/tables/{shard}/\(database)/\(table)', '{replica}')"
    }

    var createStatements: [String] {
        Array(Set([database, target])).sorted().map {
            "CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier($0))\(onCluster)"
        } + [
            """
            CREATE TABLE IF NOT EXISTS \(qualified(history))\(onCluster) (
                version UInt64, slug String, kind String, statement UInt32, statement_hash String, checksum String,
                release String, actor String, detail String, duration_ms UInt64, at UInt64, recorded DateTime DEFAULT now()
            ) ENGINE = \(engine(for: history)) ORDER BY (at, version)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(qualified(lock))\(onCluster) (
                lock_id String, owner String, event String, acquired_at DateTime, expires_at DateTime, reason String
            ) ENGINE = \(engine(for: lock)) ORDER BY (acquired_at, lock_id)
            """,
        ]
    }
}
