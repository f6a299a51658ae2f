import ClickHouse
import Environments
import Foundation

extension VerifySuite {
    /// Area 4: the staging tables hold rows, facts reconcile with staging, every dashboard view answers with rows.
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
        let views = Self.objects(createdBy: target.migrations).filter {
            $0.hasPrefix("v_") && !$0.hasPrefix("v_check_")
        }
        for view in views {
            let query = "SELECT count() FROM \(view)"
            let count = await scalar(query)
            let rows = UInt64(count.value ?? "") ?? 0
            // Seat counters exist only while a show is on sale: an empty v_inventory is worth a look, not a veto.
            let severity: CheckResult.Severity = view.contains("inventory") && count.error == nil ? .warning : .blocker
            results.append(
                CheckResult(
                    id: "quality.view.\(view)", area: .quality, title: "dashboard view \(view) answers with rows",
                    severity: severity,
                    outcome: count.error != nil ? .fail : rows > 0 ? .pass : .fail,
                    expected: "the view answers and returns rows", found: count.error ?? "\(rows) row(s)",
                    evidence: query,
                    remedy: count.error != nil
                        ? "the server's error above names what the view's query needs"
                        : "no rows: the data it reads is empty"))
        }
        return results
    }

    /// Area 5: the newest `meta_job_runs` row of the job is the run verify just made, ok, with metrics, from the host's release.
    func metadataChecks(since: Date) async -> [CheckResult] {
        guard target.loaderHost else { return [] }
        let query = """
            SELECT status, toString(started_at), release_id, rows_orders + rows_tickets + rows_events + rows_shows, api_requests, \
            toUnixTimestamp(started_at) FROM meta_job_runs FINAL WHERE job = 'qtickets_api' ORDER BY started_at DESC LIMIT 1
            """
        let started = ContinuousClock.now
        guard let row = try? await target.admin.rows(query).first, row.count == 6 else {
            return [
                CheckResult(
                    id: "metadata.last-run", area: .metadata, title: "meta_job_runs records the run just made",
                    outcome: .fail, expected: "a row",
                    found: "no run recorded", evidence: query,
                    remedy: "the loader writes meta_job_runs as etl_writer: check its grants", seconds: elapsed(started)
                )
            ]
        }
        let fresh = (Double(row[5] ?? "") ?? 0) >= since.timeIntervalSince1970 - 5
        var problems: [String] = []
        if !fresh { problems.append("the newest run started \(row[1] ?? "?"), before this verification") }
        if row[0] != "ok" { problems.append("status \(row[0] ?? "?")") }
        if (UInt64(row[3] ?? "") ?? 0) == 0 || (UInt64(row[4] ?? "") ?? 0) == 0 {
            problems.append("no rows or requests counted")
        }
        if let release = target.release, row[2] != release {
            problems.append("release \(row[2] ?? "?") instead of \(release)")
        }
        return [
            CheckResult(
                id: "metadata.last-run", area: .metadata,
                title: "The newest meta_job_runs row is the run just made: ok, metrics, this release",
                outcome: problems.isEmpty ? .pass : .fail,
                expected: "status ok, rows and requests > 0, release \(target.release ?? "?")",
                found: problems.isEmpty
                    ? "ok at \(row[1] ?? "?"), release \(row[2] ?? "?")" : problems.joined(separator: "; "),
                evidence: query,
                remedy: problems.isEmpty ? nil : "journalctl -u \(target.loaderService) shows the run",
                seconds: elapsed(started))
        ]
    }

    /// Area 8: every smoke check of the release answers zero violations.
    func smokeChecks() async -> [CheckResult] {
        var results: [CheckResult] = []
        for smoke in target.smokeChecks {
            let started = ContinuousClock.now
            do {
                let outcome = try await smoke.run(on: target.admin)
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: "smoke check \(smoke.name)",
                        outcome: outcome.passed ? .pass : .fail,
                        expected: "0 violations",
                        found: "\(outcome.violations) violation(s)"
                            + (outcome.sample.isEmpty ? "" : ": " + target.redact(outcome.sample)),
                        evidence: "checks/smoke/\(smoke.name).sql",
                        remedy: outcome.passed
                            ? nil : "the sample names the offending rows; the file's header says what it guards",
                        seconds: elapsed(started)))
            } catch {
                results.append(
                    CheckResult(
                        id: "smoke.\(smoke.name)", area: .smoke, title: "smoke check \(smoke.name)", outcome: .error,
                        expected: "0 violations",
                        found: target.redact("\(error)"), evidence: "checks/smoke/\(smoke.name).sql",
                        seconds: elapsed(started)))
            }
        }
        return results
    }

    func scalar(_ query: String) async -> (value: String?, error: String?) {
        do {
            return (try await target.admin.value(query), nil)
        } catch {
            return (nil, target.redact("\(error)"))
        }
    }
}
