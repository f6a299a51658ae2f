import Environments
import Migrator

extension Environment.ClickHouse {
    /// Where the migrator keeps this environment's history and lock (deployctl's own database)
    /// and where it runs the migrations (the pipeline's).
    public var trackingTables: TrackingTables {
        TrackingTables(database: stateDatabase, target: database, cluster: cluster)
    }
}
