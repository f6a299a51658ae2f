import ClickHouse
import Environments
import Foundation
import Migrator

extension VerifySuite {
    /// Area 2: the release's migrations are applied, every object they create exists, and the
    /// writer can write.
    func databaseChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        let started = ContinuousClock.now
        let migrator = Migrator(
            client: target.admin, migrations: target.migrations,
            tables: TrackingTables(database: target.database, cluster: target.environment.clickhouse.cluster))
        do {
            let status = try await migrator.status()
            let bad = status.filter { $0.condition != .applied && $0.condition != .baselined }
            results.append(
                CheckResult(
                    id: "database.migrations", area: .database,
                    title: "Every migration of the release is applied, none failed or drifted",
                    outcome: bad.isEmpty ? .pass : .fail, expected: "\(status.count) migration(s) applied",
                    found: bad.isEmpty
                        ? "all \(status.count) applied"
                        : bad.map { "\(MigrationVersion($0.version))_\($0.slug) \($0.condition.rawValue) \($0.detail)" }
                            .joined(separator: "; "),
                    evidence: "deployctl migrate status \(target.environment.name)",
                    remedy: bad.isEmpty
                        ? nil
                        : "deployctl migrate up \(target.environment.name) (a drifted migration needs `migrate repair` after a look at both checksums)",
                    seconds: elapsed(started)))
        } catch {
            results.append(
                CheckResult(
                    id: "database.migrations", area: .database,
                    title: "Every migration of the release is applied, none failed or drifted", outcome: .error,
                    expected: "the migration history is readable", found: target.redact(error.message),
                    evidence: "deployctl migrate status", seconds: elapsed(started)))
        }
        let objects = Self.objects(createdBy: target.migrations)
        let existing = Set(
            ((try? await target.admin.rows(
                "SELECT name FROM system.tables WHERE database = \(ClickHouseSQL.literal(target.database))")) ?? [])
                .compactMap { $0.first ?? nil })
        let missing = objects.filter { !existing.contains($0) }
        results.append(
            CheckResult(
                id: "database.objects", area: .database, title: "Every table and view the migrations create exists",
                outcome: missing.isEmpty ? .pass : .fail,
                expected: "\(objects.count) object(s): \(objects.joined(separator: ", "))",
                found: missing.isEmpty ? "all present" : "missing: " + missing.joined(separator: ", "),
                evidence: "SELECT name FROM system.tables WHERE database = '\(target.database)'",
                remedy: missing.isEmpty ? nil : "deployctl migrate status shows which migration should have made them"))
        results.append(await writerCheck())
        return results
    }

    /// The writer inserts into a scratch table in the database (created and dropped by the admin).
    private func writerCheck() async -> CheckResult {
        let started = ContinuousClock.now
        let scratch = "deployctl_verify_\(UInt32.random(in: 0..<UInt32.max))"
        let table = "\(ClickHouseSQL.identifier(target.database)).\(scratch)"
        let user = target.environment.clickhouse.writer.user
        let evidence = "INSERT INTO \(target.database).\(scratch) as \(user)"
        do {
            try await target.admin.using(database: nil).execute(
                "CREATE TABLE \(table) (x UInt8) ENGINE = MergeTree ORDER BY x")
        } catch {
            return CheckResult(
                id: "database.writer-can-insert", area: .database, title: "The writer can insert into the database",
                outcome: .error,
                expected: "a scratch table", found: target.redact("\(error)"), evidence: "CREATE TABLE \(table)",
                seconds: elapsed(started))
        }
        let result: CheckResult
        do {
            try await target.writer.using(database: nil).execute("INSERT INTO \(table) (x) VALUES (1)")
            result = CheckResult(
                id: "database.writer-can-insert", area: .database, title: "The writer can insert into the database",
                outcome: .pass,
                expected: "\(user) inserts into \(target.database)", found: "inserted one row", evidence: evidence,
                seconds: elapsed(started))
        } catch {
            result = CheckResult(
                id: "database.writer-can-insert", area: .database, title: "The writer can insert into the database",
                outcome: .fail,
                expected: "\(user) inserts into \(target.database)", found: target.redact("\(error)"),
                evidence: evidence,
                remedy: "GRANT INSERT, SELECT ON \(target.database).* TO \(user) (docs/clickhouse-access.md)",
                seconds: elapsed(started))
        }
        // Dropped before the check returns: a task left to do it would not run when the process exits first.
        try? await target.admin.using(database: nil).execute("DROP TABLE IF EXISTS \(table)")
        return result
    }

    /// The tables and views the migrations leave, in order: created and not dropped again.
    static func objects(createdBy migrations: [Migration]) -> [String] {
        var objects: [String] = []
        for statement in migrations.flatMap(\.up) {
            switch statement.kind {
            case .createTable(let create) where !create.isTemporary:
                if !objects.contains(create.name.name) { objects.append(create.name.name) }
            case .createView(let create):
                if !objects.contains(create.name.name) { objects.append(create.name.name) }
            case .dropTable(let drop), .dropView(let drop):
                objects.removeAll { name in drop.names.contains { $0.name == name } }
            default:
                break
            }
        }
        return objects
    }
}
