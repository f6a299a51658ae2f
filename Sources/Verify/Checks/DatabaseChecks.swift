import ClickHouse
import Environments
import Foundation
import Migrator

extension VerifySuite {
    /// Area 2: the release's migrations are applied, every object they create exists, and the
    /// writer can write the pipeline's database but not deployctl's.
    func databaseChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        let started = ContinuousClock.now
        let migrator = Migrator(
            client: target.admin, migrations: target.migrations,
            tables: target.environment.clickhouse.trackingTables)
        let migrationsTitle = Message(
            en: "Every migration of the release is applied, none failed or drifted",
            ru: "Все миграции релиза применены, ни одна не упала и не разошлась с файлом")
        do {
            let status = try await migrator.status()
            let bad = status.filter { $0.condition != .applied && $0.condition != .baselined }
            results.append(
                CheckResult(
                    id: "database.migrations", area: .database, title: migrationsTitle,
                    outcome: bad.isEmpty ? .pass : .fail,
                    expected: Message(
                        en: "\(status.count) migration(s) applied", ru: "применено миграций: \(status.count)"),
                    found: bad.isEmpty
                        ? Message(en: "all \(status.count) applied", ru: "применены все \(status.count)")
                        : .verbatim(
                            bad.map {
                                "\(MigrationVersion($0.version))_\($0.slug) \($0.condition.rawValue) \($0.detail)"
                            }
                            .joined(separator: "; ")),
                    evidence: "deployctl migrate status \(target.environment.name)",
                    remedy: bad.isEmpty
                        ? nil
                        : Message(
                            en:
                                "deployctl migrate up \(target.environment.name) (a drifted migration needs `migrate repair` after a look at both checksums)",
                            ru:
                                "deployctl migrate up \(target.environment.name) (разошедшейся миграции нужен `migrate repair`, сначала сравните обе контрольные суммы)"
                        ),
                    seconds: elapsed(started)))
        } catch {
            results.append(
                CheckResult(
                    id: "database.migrations", area: .database, title: migrationsTitle, outcome: .error,
                    expected: Message(en: "the migration history is readable", ru: "история миграций читается"),
                    found: .verbatim(target.redact(error.message)),
                    evidence: "deployctl migrate status", seconds: elapsed(started)))
        }
        let objects = Self.objects(createdBy: target.migrations)
        let existing = Set((try? await target.admin.tables(objects, in: target.database)) ?? [])
        let missing = objects.filter { !existing.contains($0) }
        results.append(
            CheckResult(
                id: "database.objects", area: .database,
                title: Message(
                    en: "Every table and view the migrations create exists",
                    ru: "Все таблицы и представления, которые создают миграции, существуют"),
                outcome: missing.isEmpty ? .pass : .fail,
                expected: Message(
                    en: "\(objects.count) object(s): \(objects.joined(separator: ", "))",
                    ru: "объектов: \(objects.count): \(objects.joined(separator: ", "))"),
                found: missing.isEmpty
                    ? Message(en: "all present", ru: "все на месте")
                    : Message(
                        en: "missing: " + missing.joined(separator: ", "),
                        ru: "отсутствуют: " + missing.joined(separator: ", ")),
                evidence: "SELECT name FROM system.tables WHERE database = '\(target.database)'",
                remedy: missing.isEmpty
                    ? nil
                    : Message(
                        en: "deployctl migrate status shows which migration should have made them",
                        ru: "deployctl migrate status покажет, какая миграция должна была их создать")))
        results.append(await writerCheck())
        results.append(await stateIsolationCheck())
        return results
    }

    /// The writer inserts into a scratch table in the pipeline's database.
    private func writerCheck() async -> CheckResult {
        let started = ContinuousClock.now
        let user = target.environment.clickhouse.writer.user
        let id = "database.writer-can-insert"
        let title = Message(en: "The writer can insert into the database", ru: "Writer может вставлять в базу")
        let expected = Message(
            en: "\(user) inserts into \(target.database)", ru: "\(user) вставляет строки в \(target.database)")
        switch await writerInsert(into: target.database) {
        case .setup(let evidence, let error):
            return CheckResult(
                id: id, area: .database, title: title, outcome: .error,
                expected: Message(en: "a scratch table", ru: "временная таблица создана"),
                found: .verbatim(target.redact("\(error)")), evidence: evidence, seconds: elapsed(started))
        case .inserted(let evidence):
            return CheckResult(
                id: id, area: .database, title: title, outcome: .pass, expected: expected,
                found: Message(en: "inserted one row", ru: "вставлена одна строка"), evidence: evidence,
                seconds: elapsed(started))
        case .refused(let evidence, let error), .failed(let evidence, let error):
            return CheckResult(
                id: id, area: .database, title: title, outcome: .fail, expected: expected,
                found: .verbatim(target.redact("\(error)")), evidence: evidence,
                remedy: Message(
                    en: "GRANT INSERT, SELECT ON \(target.database).* TO \(user) (docs/clickhouse-access.md)",
                    ru:
                        "выдайте права: GRANT INSERT, SELECT ON \(target.database).* TO \(user) (docs/clickhouse-access.md)"
                ),
                seconds: elapsed(started))
        }
    }

    /// The writer is refused an insert into deployctl's own database: with it, the pipeline's
    /// account could mark a migration applied that never ran, or hide a lock.
    private func stateIsolationCheck() async -> CheckResult {
        let started = ContinuousClock.now
        let clickhouse = target.environment.clickhouse
        let title = Message(
            en: "The writer cannot write deployctl's bookkeeping",
            ru: "Writer не может писать в служебные таблицы deployctl")
        let id = "database.state-out-of-writer-reach"
        let expected = Message(
            en: "\(clickhouse.writer.user) is refused an insert into \(clickhouse.stateDatabase)",
            ru: "\(clickhouse.writer.user) получает отказ при вставке в \(clickhouse.stateDatabase)")
        switch await writerInsert(into: clickhouse.stateDatabase) {
        case .setup(let evidence, let error), .failed(let evidence, let error):
            return CheckResult(
                id: id, area: .database, title: title, outcome: .error, expected: expected,
                found: .verbatim(target.redact("\(error)")), evidence: evidence, seconds: elapsed(started))
        case .refused(let evidence, let error):
            let code = error.name ?? "code \(error.code ?? 0)"
            return CheckResult(
                id: id, area: .database, title: title, outcome: .pass, expected: expected,
                found: Message(en: "refused (\(code))", ru: "отказано (\(code))"), evidence: evidence,
                seconds: elapsed(started))
        case .inserted(let evidence):
            return CheckResult(
                id: id, area: .database, title: title, outcome: .fail, expected: expected,
                found: Message(
                    en: "the insert went in: the pipeline's account can forge the migration history and the locks",
                    ru: "вставка прошла: учётная запись пайплайна может подделать историю миграций и блокировки"),
                evidence: evidence,
                remedy: Message(
                    en:
                        "grant \(clickhouse.writer.user) nothing on \(clickhouse.stateDatabase) (deploy/clickhouse/grants.sql, or the <grants> of its users.d file)",
                    ru:
                        "не выдавайте \(clickhouse.writer.user) никаких прав на \(clickhouse.stateDatabase) (deploy/clickhouse/grants.sql или <grants> его файла в users.d)"
                ),
                seconds: elapsed(started))
        }
    }

    /// What became of the writer's insert into a scratch table the admin made in `database`.
    private enum WriterInsert {
        /// The admin could not make the scratch table.
        case setup(evidence: String, ClickHouseError)
        case inserted(evidence: String)
        /// ClickHouse denied the writer access.
        case refused(evidence: String, ClickHouseError)
        /// The insert failed for another reason.
        case failed(evidence: String, ClickHouseError)
    }

    /// The writer inserts a row into a scratch table the admin creates in `database` and drops again.
    private func writerInsert(into database: String) async -> WriterInsert {
        let scratch = "deployctl_verify_\(UInt32.random(in: 0..<UInt32.max))"
        let table = "\(ClickHouseSQL.identifier(database)).\(scratch)"
        let evidence = "INSERT INTO \(database).\(scratch) as \(target.environment.clickhouse.writer.user)"
        let admin = target.admin.using(database: nil)
        do throws(ClickHouseError) {
            try await admin.execute("CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(database))")
            try await admin.execute("CREATE TABLE \(table) (x UInt8) ENGINE = MergeTree ORDER BY x")
        } catch {
            return .setup(evidence: "CREATE TABLE \(table)", error)
        }
        let outcome: WriterInsert
        do throws(ClickHouseError) {
            try await target.writer.using(database: nil).execute("INSERT INTO \(table) (x) VALUES (1)")
            outcome = .inserted(evidence: evidence)
        } catch  where error.isAccessDenied {
            outcome = .refused(evidence: evidence, error)
        } catch {
            outcome = .failed(evidence: evidence, error)
        }
        // Dropped before the check returns: a task left to do it would not run when the process exits first.
        try? await admin.execute("DROP TABLE IF EXISTS \(table)")
        return outcome
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
