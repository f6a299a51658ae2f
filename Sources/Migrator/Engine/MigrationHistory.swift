import ClickHouse
import Foundation

/// The append-only history table: reading every event, appending one.
struct MigrationHistory<Client: ClickHouseQuerying>: Sendable {
    let client: Client
    let tables: TrackingTables

    /// Creates the database and the tracking tables when missing.
    func ensure(executor: DDLExecutor<Client>) async throws(MigratorError) {
        for statement in tables.createStatements {
            try await executor.run(statement, context: "creating deployctl's tracking tables")
        }
    }

    /// Every event, oldest first; an absent table is an empty history, unless `tableRequired`
    /// (then it is an error whose cause has code 60 or 81).
    func events(tableRequired: Bool = false) async throws(MigratorError) -> [HistoryEvent] {
        let rows: [[String?]]
        do throws(ClickHouseError) {
            rows = try await client.rows(
                """
                SELECT version, slug, kind, statement, statement_hash, checksum, release, actor, detail, duration_ms, at
                FROM \(tables.qualified(tables.history)) ORDER BY at, version
                """, settings: readSettings)
        } catch  where !tableRequired && error.isMissingTable {
            return []
        } catch {
            throw MigratorError(
                .database, "cannot read the migration history \(tables.qualified(tables.history)): \(error)",
                cause: error)
        }
        return rows.compactMap { row in
            guard row.count == 11, let version = row[0].flatMap(UInt64.init),
                let kind = row[2].flatMap(HistoryEvent.Kind.init(rawValue:))
            else {
                return nil
            }
            return HistoryEvent(
                version: version, slug: row[1] ?? "", kind: kind, statement: row[3].flatMap(Int.init) ?? 0,
                statementHash: row[4] ?? "",
                checksum: row[5] ?? "", release: row[6] ?? "", actor: row[7] ?? "", detail: row[8] ?? "",
                durationMilliseconds: row[9].flatMap(UInt64.init) ?? 0, at: row[10].flatMap(UInt64.init) ?? 0)
        }
    }

    func append(_ event: HistoryEvent) async throws(MigratorError) {
        try await append([event])
    }

    /// Appends events in one INSERT: they land together or not at all.
    func append(_ events: [HistoryEvent]) async throws(MigratorError) {
        guard let last = events.last else { return }
        let rows = events.map { event in
            "("
                + [
                    String(event.version), ClickHouseSQL.literal(event.slug),
                    ClickHouseSQL.literal(event.kind.rawValue), String(event.statement),
                    ClickHouseSQL.literal(event.statementHash), ClickHouseSQL.literal(event.checksum),
                    ClickHouseSQL.literal(event.release),
                    ClickHouseSQL.literal(event.actor), ClickHouseSQL.literal(event.detail),
                    String(event.durationMilliseconds), String(event.at),
                ].joined(separator: ", ") + ")"
        }
        do throws(ClickHouseError) {
            try await client.execute(
                """
                INSERT INTO \(tables.qualified(tables.history))
                (version, slug, kind, statement, statement_hash, checksum, release, actor, detail, duration_ms, at) VALUES \(rows.joined(separator: ", "))
                """)
        } catch {
            throw MigratorError(
                .database,
                "cannot record a \(last.kind.rawValue) event for migration \(last.version) in the history: \(error)",
                cause: error)
        }
    }

    /// In cluster mode reads must see every replica's writes.
    var readSettings: [String: String] { tables.cluster == nil ? [:] : ["select_sequential_consistency": "1"] }
}
