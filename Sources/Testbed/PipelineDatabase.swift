import ClickHouse
import Foundation
import Migrator

/// A fresh database holding the repository's shipped schema (`migrations/*.up.sql`), for tests of
/// what runs against the pipeline's tables: smoke checks, the healthcheck.
///
/// Every database gets a random name with the caller's prefix, so tests of several engineers can
/// share one testbed host, and `with(prefix:on:_:)` drops it whether the body succeeds or throws.
public struct PipelineDatabase: Sendable {
    /// The database's name.
    public let name: String
    /// The server it lives on; keeps the SSH tunnel of a testbed host open.
    public let server: ClickHouseServer
    /// An administrator client whose unqualified names resolve in this database.
    public let client: ClickHouseClient

    /// The repository's `migrations` folder.
    public static var migrationsDirectory: String {
        Testbed.repository.appendingPathComponent("migrations").path
    }

    /// Creates a database on the modern ClickHouse of `host`, applies every shipped up migration to
    /// it statement by statement, runs `body`, and drops the database.
    ///
    /// - Throws: `TestbedUnavailable` without a testbed, `MigrationSetError` for unreadable migration
    ///   files, `ClickHouseError` naming the statement that failed, or whatever `body` throws.
    public static func with<Result>(
        prefix: String, on host: String = "museshow", _ body: (PipelineDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await create(prefix: prefix, on: host)
        do {
            let result = try await body(database)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    /// Creates a database with the shipped schema on the modern ClickHouse of `host`; the caller
    /// drops it (`drop()`), or uses `with(prefix:on:_:)`, which always does.
    public static func create(prefix: String, on host: String = "museshow") async throws -> PipelineDatabase {
        let server = try ClickHouseServer.modern(on: host)
        let name = "\(prefix)_\(UInt32.random(in: 0..<UInt32.max))"
        let admin = ClickHouseClient(endpoint: server.admin)
        let database = PipelineDatabase(name: name, server: server, client: admin.using(database: name))
        try await admin.execute("CREATE DATABASE \(ClickHouseSQL.identifier(name))")
        do {
            try await database.applyShippedSchema()
        } catch {
            try? await database.drop()
            throw error
        }
        return database
    }

    /// Drops the database.
    public func drop() async throws {
        try await client.using(database: nil).execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(name))")
    }

    private func applyShippedSchema() async throws {
        for migration in try MigrationSet(directory: Self.migrationsDirectory).migrations {
            for statement in migration.up {
                do {
                    try await client.execute(statement.text)
                } catch {
                    throw ClickHouseError(
                        kind: error.kind, code: error.code, name: error.name,
                        message: "\(migration.upFile) line \(statement.line): \(error.message)",
                        httpStatus: error.httpStatus)
                }
            }
        }
    }
}
