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
                    id: "quality.\(table)", area: .quality, title: "\(table) has rows",
                    outcome: (UInt64(count.value ?? "") ?? 0) > 0 ? .pass : .fail,
                    expected: "at least one row", found: count.value.map { "\($0) row(s)" } ?? count.error ?? "?",
                    evidence: query,
                    remedy:
                        "a check that saw no data has failed: run the loader (systemctl start \(target.loaderService)) and look at its journal"
                ))
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
                    id: "quality.view.\(object)", area: .quality, title: "dashboard view \(object) answers with rows",
                    outcome: count.error != nil ? .fail : rows > 0 ? .pass : .fail,
                    expected: "the view answers and returns rows", found: count.error ?? "\(rows) row(s)",
                    evidence: query,
                    remedy: count.error != nil
                        ? "the server's error above names what the view's query needs"
                        : "no rows: the data it reads is empty"))
        }
        return results
    }

    /// One object against what staging says it should hold.
    private func reconciled(_ reconciliation: Reconciliation, job: String) async -> CheckResult {
        let started = ContinuousClock.now
        let object = reconciliation.object
        let id = object.hasPrefix("v_") ? "quality.view.\(object)" : "quality.\(object)"
        let title = "\(object) holds what staging says it should"
        let expected = "as many \(reconciliation.unit) as \(reconciliation.source), none differing"
        let evidence = clientCommand(reconciliation.query, parameters: ["job": job])
        do {
            let answer = try await reconciliation.run(on: target.admin, job: job)
            let agrees = answer.expected == answer.found && answer.differing.isEmpty
            // Seat counters exist only while a show is on sale: no inventory at all is worth a look, not a veto.
            let emptyInventory = object == "v_inventory" && answer.expected == 0 && answer.found == 0
            let found: String
            if agrees && answer.expected == 0 && !reconciliation.emptyMeaning.isEmpty {
                found = "0 \(reconciliation.unit): \(reconciliation.emptyMeaning)"
            } else if agrees {
                found = "\(answer.found) \(reconciliation.unit), as staging says"
            } else {
                found =
                    "\(answer.found) \(reconciliation.unit) in \(object), \(answer.expected) in staging"
                    + (answer.differing.isEmpty ? "" : "; differing: \(answer.differing)")
            }
            return CheckResult(
                id: id, area: .quality, title: title, severity: emptyInventory ? .warning : .blocker,
                outcome: agrees && !emptyInventory ? .pass : .fail, expected: expected, found: target.redact(found),
                evidence: evidence,
                remedy: agrees && !emptyInventory
                    ? nil
                    : emptyInventory
                        ? "no show has seat counters: check that shows are on sale and QTICKETS_SKIP_INVENTORY is not set"
                        : "the keys above disagree: compare \(object)'s definition in the migrations with staging, and look for a run that stopped between its inserts",
                seconds: elapsed(started))
        } catch {
            return CheckResult(
                id: id, area: .quality, title: title, outcome: .fail, expected: expected,
                found: target.redact("\(error)"), evidence: evidence,
                remedy: "the server's error above names what the query needs", seconds: elapsed(started))
        }
    }

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
        let title = "The newest meta_job_runs row is the run just made: ok, finished, no error, metrics, this release"
        let rows: [[String?]]
        do {
            rows = try await target.admin.rows(query, settings: ["param_job": settings.job])
        } catch {
            return [
                CheckResult(
                    id: "metadata.last-run", area: .metadata, title: title, outcome: .error,
                    expected: "the newest run of the job", found: target.redact("\(error)"), evidence: evidence,
                    seconds: elapsed(started))
            ]
        }
        guard let row = rows.first, row.count == 8 else {
            return [
                CheckResult(
                    id: "metadata.last-run", area: .metadata, title: title,
                    outcome: .fail, expected: "a row",
                    found: "no run recorded", evidence: evidence,
                    remedy: "the loader writes meta_job_runs as etl_writer: check its grants", seconds: elapsed(started)
                )
            ]
        }
        // Both are durations, each on one clock: the run's age on the server's, the verification's on
        // this machine's, so neither clock's offset matters.
        let ageSeconds = (Double(row[5] ?? "") ?? .infinity) / 1000
        let verifying = Date().timeIntervalSince(since)
        var problems: [String] = []
        if ageSeconds > verifying + 2 {
            problems.append(
                "the newest run started \(row[1] ?? "?"), \(Int(ageSeconds)) s ago by the server's clock, before this verification (\(Int(verifying)) s ago)"
            )
        }
        if row[0] != "ok" { problems.append("status \(row[0] ?? "?")") }
        if row[6] != "1" { problems.append("finished_at is not set") }
        if let error = row[7], !error.isEmpty { problems.append("error: \(error)") }
        if (UInt64(row[3] ?? "") ?? 0) == 0 || (UInt64(row[4] ?? "") ?? 0) == 0 {
            problems.append("no rows or requests counted")
        }
        if let release = target.release, row[2] != release {
            problems.append("release \(row[2] ?? "?") instead of \(release)")
        }
        return [
            CheckResult(
                id: "metadata.last-run", area: .metadata, title: title,
                outcome: problems.isEmpty ? .pass : .fail,
                expected:
                    "started during this verification, status ok, finished_at set, error empty, rows and requests > 0, release \(target.release ?? "?")",
                found: problems.isEmpty
                    ? "ok at \(row[1] ?? "?"), \(Int(ageSeconds)) s ago, release \(row[2] ?? "?")"
                    : target.redact(problems.joined(separator: "; ")),
                evidence: evidence,
                remedy: problems.isEmpty ? nil : "journalctl -u \(target.loaderService) shows the run",
                seconds: elapsed(started))
        ]
    }

    /// Area 8: every smoke check of the release answers zero violations.
    func smokeChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        let settings = await hostSettings()
        for smoke in target.smokeChecks {
            let started = ContinuousClock.now
            let evidence =
                "clickhouse-client -d \(target.database) --param_job=\(settings.job) --param_max_lag_minutes=\(settings.maxLagMinutes) "
                + "--queries-file \(target.root)/current/checks/smoke/\(smoke.name).sql  # \(settings.origin)"
            do {
                let outcome = try await smoke.run(
                    on: target.admin, maxLagMinutes: settings.maxLagMinutes, job: settings.job)
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: "smoke check \(smoke.name)",
                        outcome: outcome.passed ? .pass : .fail,
                        expected: "0 violations",
                        found: "\(outcome.violations) violation(s)"
                            + (outcome.sample.isEmpty ? "" : ": " + target.redact(outcome.sample)),
                        evidence: evidence,
                        remedy: outcome.passed
                            ? nil : "the sample names the offending rows; the file's header says what it guards",
                        seconds: elapsed(started)))
            } catch {
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: "smoke check \(smoke.name)", outcome: .error,
                        expected: "0 violations",
                        found: target.redact("\(error)"), evidence: evidence,
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
