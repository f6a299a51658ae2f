import ClickHouse

extension Migrator {
    /// Moves the history and the lock, with the `alongside` tables of the same database, into
    /// `destination`, holding the migration lock all along, so that no run writes between. Tables
    /// of `alongside` that do not exist are left out; returns the tables moved.
    ///
    /// - Throws: `MigratorError` `.locked` when another run holds the lock, `.database` when
    ///   `destination` already holds one of the tables (nothing is moved then) or a rename fails.
    public func moveTracking(to destination: String, alongside: [String]) async throws(MigratorError) -> [String] {
        let lock = try await acquireLock()
        var moved = tables
        moved.database = destination
        let names: [String]
        do throws(MigratorError) {
            let wanted = [tables.history, tables.lock] + alongside
            let clashing: [String]
            do throws(ClickHouseError) {
                names = try await serverClient.tables(wanted, in: tables.database)
                clashing = try await serverClient.tables(wanted, in: destination)
            } catch {
                throw MigratorError(.database, "cannot list the tables to move: \(error)", cause: error)
            }
            guard clashing.isEmpty else {
                throw MigratorError(
                    .database,
                    "\(destination) already holds \(clashing.joined(separator: ", ")): nothing was moved. Compare both copies and drop the one that is not wanted"
                )
            }
            let executor = executor(on: serverClient)
            try await executor.run(
                "CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(destination))\(tables.onCluster)",
                context: "creating \(destination)")
            let renames = names.map { "\(tables.qualified($0)) TO \(moved.qualified($0))" }
            try await executor.run(
                "RENAME TABLE \(renames.joined(separator: ", "))\(tables.onCluster)",
                context: "moving \(names.joined(separator: ", ")) into \(destination)")
        } catch {
            try? await lock.release()
            throw error
        }
        try await lock.relocated(to: moved).release()
        return names
    }
}
