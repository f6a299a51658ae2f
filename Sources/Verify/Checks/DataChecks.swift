import ClickHouse
import Environments
import Foundation
import SSH

extension VerifySuite {
    /// Area 4: the staging tables hold rows; the daily fact and every dashboard view hold what staging
    /// says they should (`Reconciliation`), keys that differ as evidence; a view without a
    /// reconciliation must answer with rows.
    func qualityChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        for table in ["stg_qtickets_orders", "stg_qtickets_tickets"] {
            let query = "SELECT count() FROM \(table)"
            let count = await scalar(query)
            results.append(
                CheckResult(
                    id: "quality.\(table)", area: .quality,
                    title: Message(en: "\(table) has rows", ru: "В \(table) есть строки"),
                    outcome: (UInt64(count.value ?? "") ?? 0) > 0 ? .pass : .fail,
                    expected: Message(en: "at least one row", ru: "хотя бы одна строка"),
                    found: count.value.map { Message(en: "\($0) row(s)", ru: "строк: \($0)") }
                        ?? .verbatim(count.error ?? "?"),
                    evidence: query,
                    remedy: Message(
                        en:
                            "a check that saw no data has failed: run the loader (systemctl start \(target.loaderService)) and look at its journal",
                        ru:
                            "проверка, не увидевшая данных, не пройдена: запустите лоадер (systemctl start \(target.loaderService)) и посмотрите его журнал"
                    )))
        }
        let objects = Self.objects(createdBy: target.migrations)
        let settings = await hostSettings()
        let views = objects.filter { $0.hasPrefix("v_") && !$0.hasPrefix("v_check_") }
        for object in (objects.contains("fact_sales_daily") ? ["fact_sales_daily"] : []) + views {
            if let reconciliation = Reconciliation.all[object] {
                results.append(await reconciled(reconciliation, job: settings.job))
                continue
            }
            let query = "SELECT count() FROM \(object)"
            let count = await scalar(query)
            let rows = UInt64(count.value ?? "") ?? 0
            results.append(
                CheckResult(
                    id: "quality.view.\(object)", area: .quality,
                    title: Message(
                        en: "dashboard view \(object) answers with rows",
                        ru: "Представление дашборда \(object) возвращает строки"),
                    outcome: count.error != nil ? .fail : rows > 0 ? .pass : .fail,
                    expected: Message(
                        en: "the view answers and returns rows", ru: "представление отвечает и возвращает строки"),
                    found: count.error.map(Message.verbatim) ?? Message(en: "\(rows) row(s)", ru: "строк: \(rows)"),
                    evidence: query,
                    remedy: count.error != nil
                        ? Self.serverErrorRemedy
                        : Message(
                            en: "no rows: the data it reads is empty",
                            ru: "строк нет: данные, которые оно читает, пусты")))
        }
        return results
    }

    /// One object against what staging says it should hold.
    private func reconciled(_ reconciliation: Reconciliation, job: String) async -> CheckResult {
        let started = ContinuousClock.now
        let object = reconciliation.object
        let id = object.hasPrefix("v_") ? "quality.view.\(object)" : "quality.\(object)"
        let title = Message(
            en: "\(object) holds what staging says it should", ru: "\(object) содержит то, что следует из staging")
        let unit = reconciliation.unit
        let expected = Message(
            en: "as many \(unit.english) as \(reconciliation.source.english), none differing",
            ru: "число \(unit.russian) — как \(reconciliation.source.russian), расхождений нет")
        let evidence = clientCommand(reconciliation.query, parameters: ["job": job])
        do {
            let answer = try await reconciliation.run(on: target.admin, job: job)
            let agrees = answer.expected == answer.found && answer.differing.isEmpty
            // Seat counters exist only while a show is on sale: no inventory at all is worth a look, not a veto.
            let emptyInventory = object == "v_inventory" && answer.expected == 0 && answer.found == 0
            let found: Message
            if agrees && answer.expected == 0, let empty = reconciliation.emptyMeaning {
                found = Message(
                    en: "0 \(unit.english): \(empty.english)", ru: "\(unit.russian): 0: \(empty.russian)")
            } else if agrees {
                found = Message(
                    en: "\(answer.found) \(unit.english), as staging says",
                    ru: "\(unit.russian): \(answer.found), как и в staging")
            } else {
                let differing = answer.differing
                found = Message(
                    en: "\(answer.found) \(unit.english) in \(object), \(answer.expected) in staging"
                        + (differing.isEmpty ? "" : "; differing: \(differing)"),
                    ru: "\(unit.russian): \(answer.found) в \(object), \(answer.expected) в staging"
                        + (differing.isEmpty ? "" : "; расходятся: \(differing)"))
            }
            return CheckResult(
                id: id, area: .quality, title: title, severity: emptyInventory ? .warning : .blocker,
                outcome: agrees && !emptyInventory ? .pass : .fail, expected: expected, found: target.redact(found),
                evidence: evidence,
                remedy: agrees && !emptyInventory
                    ? nil
                    : emptyInventory
                        ? Message(
                            en:
                                "no show has seat counters: check that shows are on sale and QTICKETS_SKIP_INVENTORY is not set",
                            ru:
                                "ни у одного сеанса нет счётчиков мест: проверьте, что сеансы в продаже и QTICKETS_SKIP_INVENTORY не задан"
                        )
                        : Message(
                            en:
                                "the keys above disagree: compare \(object)'s definition in the migrations with staging, and look for a run that stopped between its inserts",
                            ru:
                                "ключи выше расходятся: сравните определение \(object) в миграциях со staging и поищите запуск, остановившийся между своими вставками"
                        ),
                seconds: elapsed(started))
        } catch {
            return CheckResult(
                id: id, area: .quality, title: title, outcome: .fail, expected: expected,
                found: .verbatim(target.redact("\(error)")), evidence: evidence,
                remedy: Self.serverErrorRemedy, seconds: elapsed(started))
        }
    }

    /// The remedy of a query the server refused.
    static let serverErrorRemedy = Message(
        en: "the server's error above names what the query needs",
        ru: "ошибка сервера выше называет, чего не хватает запросу")

    /// Area 5: the newest `meta_job_runs` row of the job is the run verify just made (it started after
    /// the verification did, by the server's clock), finished ok with no error, with metrics, from the
    /// host's release.
    func metadataChecks(since: Date) async -> [CheckResult] {
        guard target.loaderHost else { return [] }
        let query = """
            SELECT status, toString(started_at), release_id, rows_orders + rows_tickets + rows_events + rows_shows, api_requests, \
            dateDiff('millisecond', started_at, now64(3)), isNotNull(finished_at), error \
            FROM meta_job_runs FINAL WHERE job = {job:String} ORDER BY started_at DESC LIMIT 1
            """
        let started = ContinuousClock.now
        let settings = await hostSettings()
        let evidence = clientCommand(query, parameters: ["job": settings.job]) + "\n# \(settings.origin)"
        let title = Message(
            en: "The newest meta_job_runs row is the run just made: ok, finished, no error, metrics, this release",
            ru:
                "Последняя строка meta_job_runs — только что сделанный запуск: ok, завершён, без ошибки, с метриками, этот релиз"
        )
        let rows: [[String?]]
        do {
            rows = try await target.admin.rows(query, settings: ["param_job": settings.job])
        } catch {
            return [
                CheckResult(
                    id: "metadata.last-run", area: .metadata, title: title, outcome: .error,
                    expected: Message(en: "the newest run of the job", ru: "последний запуск задания"),
                    found: .verbatim(target.redact("\(error)")), evidence: evidence,
                    seconds: elapsed(started))
            ]
        }
        guard let row = rows.first, row.count == 8 else {
            return [
                CheckResult(
                    id: "metadata.last-run", area: .metadata, title: title,
                    outcome: .fail, expected: Message(en: "a row", ru: "строка"),
                    found: Message(en: "no run recorded", ru: "ни одного запуска не записано"), evidence: evidence,
                    remedy: Message(
                        en: "the loader writes meta_job_runs as etl_writer: check its grants",
                        ru: "лоадер пишет meta_job_runs как etl_writer: проверьте его права"),
                    seconds: elapsed(started))
            ]
        }
        // Both are durations, each on one clock: the run's age on the server's, the verification's on
        // this machine's, so neither clock's offset matters.
        let ageSeconds = (Double(row[5] ?? "") ?? .infinity) / 1000
        let verifying = Date().timeIntervalSince(since)
        var problems: [Message] = []
        if ageSeconds > verifying + 2 {
            problems.append(
                Message(
                    en:
                        "the newest run started \(row[1] ?? "?"), \(Int(ageSeconds)) s ago by the server's clock, before this verification (\(Int(verifying)) s ago)",
                    ru:
                        "последний запуск начался \(row[1] ?? "?"), \(Int(ageSeconds)) с назад по часам сервера, до этой проверки (\(Int(verifying)) с назад)"
                ))
        }
        if row[0] != "ok" { problems.append(Message(en: "status \(row[0] ?? "?")", ru: "статус \(row[0] ?? "?")")) }
        if row[6] != "1" { problems.append(Message(en: "finished_at is not set", ru: "finished_at не заполнен")) }
        if let error = row[7], !error.isEmpty {
            problems.append(Message(en: "error: \(error)", ru: "ошибка: \(error)"))
        }
        if (UInt64(row[3] ?? "") ?? 0) == 0 || (UInt64(row[4] ?? "") ?? 0) == 0 {
            problems.append(Message(en: "no rows or requests counted", ru: "не посчитано ни строк, ни запросов"))
        }
        if let release = target.release, row[2] != release {
            problems.append(
                Message(
                    en: "release \(row[2] ?? "?") instead of \(release)", ru: "релиз \(row[2] ?? "?") вместо \(release)"
                ))
        }
        return [
            CheckResult(
                id: "metadata.last-run", area: .metadata, title: title,
                outcome: problems.isEmpty ? .pass : .fail,
                expected: Message(
                    en:
                        "started during this verification, status ok, finished_at set, error empty, rows and requests > 0, release \(target.release ?? "?")",
                    ru:
                        "начат во время этой проверки, статус ok, finished_at заполнен, error пуст, строк и запросов > 0, релиз \(target.release ?? "?")"
                ),
                found: problems.isEmpty
                    ? Message(
                        en: "ok at \(row[1] ?? "?"), \(Int(ageSeconds)) s ago, release \(row[2] ?? "?")",
                        ru: "ok в \(row[1] ?? "?"), \(Int(ageSeconds)) с назад, релиз \(row[2] ?? "?")")
                    : target.redact(Message.joined(problems, separator: "; ")),
                evidence: evidence,
                remedy: problems.isEmpty
                    ? nil
                    : Message(
                        en: "journalctl -u \(target.loaderService) shows the run",
                        ru: "запуск виден в journalctl -u \(target.loaderService)"),
                seconds: elapsed(started))
        ]
    }

    /// Area 8: every smoke check of the release answers zero violations.
    func smokeChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        let settings = await hostSettings()
        for smoke in target.smokeChecks {
            let started = ContinuousClock.now
            let title = Message(en: "smoke check \(smoke.name)", ru: "smoke-проверка \(smoke.name)")
            let expected = Message(en: "0 violations", ru: "нарушений: 0")
            let evidence =
                "clickhouse-client -d \(target.database) --param_job=\(settings.job) --param_max_lag_minutes=\(settings.maxLagMinutes) "
                + "--queries-file \(target.root)/current/checks/smoke/\(smoke.name).sql  # \(settings.origin)"
            do {
                let outcome = try await smoke.run(
                    on: target.admin, maxLagMinutes: settings.maxLagMinutes, job: settings.job)
                let sample = outcome.sample.isEmpty ? "" : ": " + target.redact(outcome.sample)
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: title, outcome: outcome.passed ? .pass : .fail,
                        expected: expected,
                        found: Message(
                            en: "\(outcome.violations) violation(s)\(sample)",
                            ru: "нарушений: \(outcome.violations)\(sample)"),
                        evidence: evidence,
                        remedy: outcome.passed
                            ? nil
                            : Message(
                                en: "the sample names the offending rows; the file's header says what it guards",
                                ru:
                                    "в выборке названы нарушающие строки; что охраняет проверка, сказано в заголовке её файла"
                            ),
                        seconds: elapsed(started)))
            } catch {
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: title, outcome: .error, expected: expected,
                        found: .verbatim(target.redact("\(error)")), evidence: evidence,
                        seconds: elapsed(started)))
            }
        }
        return results
    }

    /// The `clickhouse-client` command on the host that runs `query` with its `{name:Type}` parameters.
    func clientCommand(_ query: String, parameters: [String: String] = [:]) -> String {
        let flags = parameters.sorted { $0.key < $1.key }.map { " --param_\($0.key)=\(ShellQuote.quote($0.value))" }
        return "clickhouse-client -d \(target.database)\(flags.joined()) <<'SQL'\n\(query)\nSQL"
    }

    func scalar(_ query: String) async -> (value: String?, error: String?) {
        do {
            return (try await target.admin.value(query), nil)
        } catch {
            return (nil, target.redact("\(error)"))
        }
    }
}
