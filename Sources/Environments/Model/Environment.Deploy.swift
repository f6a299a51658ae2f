extension Environment {
    /// How deploys to an environment behave when something goes wrong (`[deploy]`).
    public struct Deploy: Sendable, Hashable {
        /// What an automatic rollback does with the migrations the failed deploy applied.
        public enum RollbackMigrations: String, Sendable, Hashable, CaseIterable {
            /// Undo them when their down files delete no data; otherwise leave the schema and say so.
            case reversible
            /// Never touch the schema automatically: only the release, units and timer go back.
            case never
        }

        /// `rollback_migrations`.
        public var rollbackMigrations: RollbackMigrations

        /// `watchdog_seconds`: how long the host waits for deployctl's word after the switch before
        /// it restores the previous release by itself. deployctl renews it while it is alive.
        public var watchdog: Duration

        /// `lock_ttl_seconds`: how long the host lease and the migration lock of a deploy that
        /// stopped renewing them (a killed or disconnected workstation) outlive it.
        public var lockTTL: Duration

        public init(
            rollbackMigrations: RollbackMigrations = .reversible, watchdog: Duration = .seconds(120),
            lockTTL: Duration = .seconds(600)
        ) {
            self.rollbackMigrations = rollbackMigrations
            self.watchdog = watchdog
            self.lockTTL = lockTTL
        }
    }
}
