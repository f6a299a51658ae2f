import ClickHouse
import Environments
import Foundation
import HostScripts
import SSH

extension VerifySuite {
    /// Area 3: the loader runs now, under its unit, and reaches the API with the configured token.
    func loadChecks() async -> [CheckResult] {
        guard target.loaderHost else {
            return [
                CheckResult(
                    id: "load.run", area: .load, title: "The loader runs under its unit", outcome: .skip,
                    expected: "a loader run",
                    found: "skipped: \(target.hostName) does not run the loader ([app] loader_hosts)")
            ]
        }
        let started = await shell(
            HostScriptSource.loaderRun.commandLine([target.loaderService]), timeout: .seconds(1200))
        let journal = await shell(
            ["journalctl", "-u", target.loaderService, "-n", "3", "--no-pager", "-o", "cat"].map(ShellQuote.quote)
                .joined(separator: " "))
        let run = (output: started.output + journal.output, seconds: started.seconds + journal.seconds)
        let result = VerifyFacts(output: started.output, command: "")
        let verdict = LoaderRunOutcome.judge(result.answer)
        var results = [
            CheckResult(
                id: "load.run", area: .load,
                title: "The loader runs now: systemctl start exits 0, result success, exit 0",
                outcome: verdict.problem == nil ? .pass : .fail,
                expected: "systemctl start exits 0 and runs the service anew: Result=success, ExecMainStatus=0",
                found: verdict.problem ?? verdict.found,
                evidence:
                    "systemctl start \(target.loaderService); systemctl show -p Result,ExecMainStatus \(target.loaderService)\n"
                    + excerpt(run.output),
                remedy: verdict.problem == nil
                    ? nil
                    : result["start_status"] != "0"
                        ? "systemctl status \(target.loaderService) says why systemd refuses it (masked: systemctl unmask \(target.loaderService))"
                        : "journalctl -u \(target.loaderService) shows the run's error line; a 403 means QTICKETS_TOKEN is wrong",
                seconds: run.seconds)
        ]
        if verdict.problem == nil { results.append(await runRowsCheck()) }
        let probe = await shell(
            HostScriptSource.releaseCommand.commandLine([target.envFile, target.binary, "check-api"]))
        results.append(
            CheckResult(
                id: "load.check-api", area: .load, title: "The host reaches the QTickets API with the configured token",
                outcome: probe.status == 0 ? .pass : .fail,
                expected: "qtickets-api check-api exits 0", found: "exit \(probe.status)",
                evidence: "qtickets-api check-api\n" + excerpt(probe.output),
                remedy: probe.status == 0
                    ? nil : "check QTICKETS_BASE_URL and QTICKETS_TOKEN in \(target.envFile) (deployctl secrets push)",
                seconds: probe.seconds))
        return results
    }

    /// The run just made wrote its rows: the newest `meta_job_runs` row of the job is finished, and
    /// each staging table holds as many rows carrying its run id as it counted for that entity.
    func runRowsCheck() async -> CheckResult {
        let started = ContinuousClock.now
        let job = await hostSettings().job
        let entities = ["orders", "tickets", "events", "shows", "inventory"]
        let runQuery =
            "SELECT toString(run_id), status, " + entities.map { "rows_\($0)" }.joined(separator: ", ")
            + " FROM meta_job_runs FINAL WHERE job = {job:String} ORDER BY started_at DESC LIMIT 1"
        let title = "The run just made wrote the rows it counted, each carrying its run id"
        func failure(_ outcome: CheckResult.Outcome, _ found: String, _ evidence: String) -> CheckResult {
            CheckResult(
                id: "load.run-rows", area: .load, title: title, outcome: outcome,
                expected: "rows with the run's _run_id in each staging table = its rows_<entity> in meta_job_runs",
                found: target.redact(found), evidence: evidence,
                remedy:
                    "journalctl -u \(target.loaderService) shows the run; a run that stopped between its inserts leaves them short",
                seconds: elapsed(started))
        }
        let run: [String?]
        do {
            guard let row = try await target.admin.rows(runQuery, settings: ["param_job": job]).first,
                row.count == 2 + entities.count, row[0]?.isEmpty == false
            else {
                return failure(
                    .fail, "no run of \(job) in meta_job_runs", clientCommand(runQuery, parameters: ["job": job]))
            }
            run = row
        } catch {
            return failure(.error, "\(error)", clientCommand(runQuery, parameters: ["job": job]))
        }
        let id = run[0] ?? ""
        let countQuery =
            "SELECT "
            + entities.map { "(SELECT count() FROM stg_qtickets_\($0) WHERE _run_id = {run:UUID})" }
            .joined(separator: ", ")
        let evidence =
            clientCommand(runQuery, parameters: ["job": job]) + "\n"
            + clientCommand(countQuery, parameters: ["run": id])
        let carrying: [String?]
        do {
            guard let row = try await target.admin.rows(countQuery, settings: ["param_run": id]).first,
                row.count == entities.count
            else { return failure(.error, "the count query answered no row", evidence) }
            carrying = row
        } catch {
            return failure(.error, "\(error)", evidence)
        }
        var differing: [String] = []
        var figures: [String] = []
        for (offset, entity) in entities.enumerated() {
            let counted = run[2 + offset] ?? "?"
            let stored = carrying[offset] ?? "?"
            figures.append("\(entity) \(stored)")
            if counted != stored { differing.append("\(entity): \(counted) counted, \(stored) carrying the run id") }
        }
        if run[1] != "ok" { differing.insert("run \(id) has status \(run[1] ?? "?")", at: 0) }
        guard differing.isEmpty else { return failure(.fail, differing.joined(separator: "; "), evidence) }
        return CheckResult(
            id: "load.run-rows", area: .load, title: title, outcome: .pass,
            expected: "rows with the run's _run_id in each staging table = its rows_<entity> in meta_job_runs",
            found: "run \(id): " + figures.joined(separator: ", "), evidence: evidence, seconds: elapsed(started))
    }
}

/// How one loader run that `loader-run.sh` started ended, for verify's `load.run` and the deploy's
/// post-check alike.
public enum LoaderRunOutcome {
    /// `problem` is nil when `systemctl start` exited 0, the main process started anew (its
    /// monotonic start time moved, or systemd unloaded the finished unit) or a run the timer had
    /// just begun ended during the start (its exit time moved), and it ended with success and
    /// exit 0. A masked or refused unit, or one whose condition failed, keeps the previous run's
    /// result, which must not pass for this one.
    public static func judge(_ answer: ScriptAnswer) -> (problem: String?, found: String) {
        let found = "Result=\(answer["Result"] ?? "?"), ExecMainStatus=\(answer["ExecMainStatus"] ?? "?")"
        guard let status = answer["start_status"] else {
            return ("the host answered no start status: \(found)", found)
        }
        guard status == "0" else {
            return ("systemctl start exited \(status): \(answer["start_error"] ?? "")", found)
        }
        let before = answer["started_before"] ?? ""
        let after = answer["started_after"] ?? ""
        // A run the timer had begun just before is joined: its start was already read, its exit moves.
        let exited = answer["exited_after"].map { !$0.isEmpty && $0 != "0" && $0 != answer["exited_before"] } ?? false
        // 0: systemd unloaded the finished unit (nothing, no active timer, refers to it) and remembers
        // no start; whether this run happened is then metadata.last-run's to say.
        guard after.isEmpty || after == "0" || after != before || exited else {
            return (
                "systemctl start ran nothing (the main process did not start again; a condition failed?): \(found)",
                found
            )
        }
        guard answer["Result"] == "success", answer["ExecMainStatus"] == "0" else { return (found, found) }
        return (nil, found)
    }
}
