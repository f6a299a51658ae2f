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
                    id: "load.run", area: .load,
                    title: Message(en: "The loader runs under its unit", ru: "Лоадер запускается под своим юнитом"),
                    outcome: .skip, expected: Self.aLoaderRun, found: notALoaderHost)
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
                title: Message(
                    en: "The loader runs now: systemctl start exits 0, result success, exit 0",
                    ru: "Лоадер запускается сейчас: systemctl start завершается с кодом 0, результат success, код 0"),
                outcome: verdict.problem == nil ? .pass : .fail,
                expected: Message(
                    en: "systemctl start exits 0 and runs the service anew: Result=success, ExecMainStatus=0",
                    ru:
                        "systemctl start завершается с кодом 0 и заново запускает сервис: Result=success, ExecMainStatus=0"
                ),
                found: verdict.problem ?? .verbatim(verdict.found),
                evidence:
                    "systemctl start \(target.loaderService); systemctl show -p Result,ExecMainStatus \(target.loaderService)\n"
                    + excerpt(run.output),
                remedy: verdict.problem == nil
                    ? nil
                    : result["start_status"] != "0"
                        ? Message(
                            en:
                                "systemctl status \(target.loaderService) says why systemd refuses it (masked: systemctl unmask \(target.loaderService))",
                            ru:
                                "почему systemd отказывается его запускать, скажет systemctl status \(target.loaderService) (masked: systemctl unmask \(target.loaderService))"
                        )
                        : Message(
                            en:
                                "journalctl -u \(target.loaderService) shows the run's error line; a 403 means QTICKETS_TOKEN is wrong",
                            ru:
                                "строку с ошибкой запуска покажет journalctl -u \(target.loaderService); 403 значит, что QTICKETS_TOKEN неверен"
                        ),
                seconds: run.seconds)
        ]
        if verdict.problem == nil { results.append(await runRowsCheck()) }
        let probe = await shell(
            HostScriptSource.releaseCommand.commandLine([target.envFile, target.binary, "check-api"]))
        results.append(
            CheckResult(
                id: "load.check-api", area: .load,
                title: Message(
                    en: "The host reaches the QTickets API with the configured token",
                    ru: "Хост достучался до QTickets API с настроенным токеном"),
                outcome: probe.status == 0 ? .pass : .fail,
                expected: Message(
                    en: "qtickets-api check-api exits 0", ru: "qtickets-api check-api завершается с кодом 0"),
                found: Message(en: "exit \(probe.status)", ru: "код \(probe.status)"),
                evidence: "qtickets-api check-api\n" + excerpt(probe.output),
                remedy: probe.status == 0
                    ? nil
                    : Message(
                        en: "check QTICKETS_BASE_URL and QTICKETS_TOKEN in \(target.envFile) (deployctl secrets push)",
                        ru: "проверьте QTICKETS_BASE_URL и QTICKETS_TOKEN в \(target.envFile) (deployctl secrets push)"),
                seconds: probe.seconds))
        return results
    }

    /// The expected of a check only a loader host runs.
    static let aLoaderRun = Message(en: "a loader run", ru: "запуск лоадера")

    /// Why a check only a loader host runs was skipped here.
    var notALoaderHost: Message {
        Message(
            en: "skipped: \(target.hostName) does not run the loader ([app] loader_hosts)",
            ru: "пропущено: \(target.hostName) не запускает лоадер ([app] loader_hosts)")
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
        let title = Message(
            en: "The run just made wrote the rows it counted, each carrying its run id",
            ru: "Только что сделанный запуск записал столько строк, сколько насчитал, и в каждой его run id")
        let expected = Message(
            en: "rows with the run's _run_id in each staging table = its rows_<entity> in meta_job_runs",
            ru: "строк с _run_id запуска в каждой staging-таблице = его rows_<entity> в meta_job_runs")
        func failure(_ outcome: CheckResult.Outcome, _ found: Message, _ evidence: String) -> CheckResult {
            CheckResult(
                id: "load.run-rows", area: .load, title: title, outcome: outcome, expected: expected,
                found: target.redact(found), evidence: evidence,
                remedy: Message(
                    en:
                        "journalctl -u \(target.loaderService) shows the run; a run that stopped between its inserts leaves them short",
                    ru:
                        "запуск виден в journalctl -u \(target.loaderService); если запуск остановился между вставками, строк не хватает"
                ),
                seconds: elapsed(started))
        }
        let run: [String?]
        do {
            guard let row = try await target.admin.rows(runQuery, settings: ["param_job": job]).first,
                row.count == 2 + entities.count, row[0]?.isEmpty == false
            else {
                return failure(
                    .fail, Message(en: "no run of \(job) in meta_job_runs", ru: "в meta_job_runs нет запусков \(job)"),
                    clientCommand(runQuery, parameters: ["job": job]))
            }
            run = row
        } catch {
            return failure(.error, .verbatim("\(error)"), clientCommand(runQuery, parameters: ["job": job]))
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
            else {
                return failure(
                    .error, Message(en: "the count query answered no row", ru: "запрос подсчёта не вернул строки"),
                    evidence)
            }
            carrying = row
        } catch {
            return failure(.error, .verbatim("\(error)"), evidence)
        }
        var differing: [Message] = []
        var figures: [String] = []
        for (offset, entity) in entities.enumerated() {
            let counted = run[2 + offset] ?? "?"
            let stored = carrying[offset] ?? "?"
            figures.append("\(entity) \(stored)")
            if counted != stored {
                differing.append(
                    Message(
                        en: "\(entity): \(counted) counted, \(stored) carrying the run id",
                        ru: "\(entity): насчитано \(counted), с run id запуска \(stored)"))
            }
        }
        if run[1] != "ok" {
            differing.insert(
                Message(en: "run \(id) has status \(run[1] ?? "?")", ru: "у запуска \(id) статус \(run[1] ?? "?")"),
                at: 0)
        }
        guard differing.isEmpty else { return failure(.fail, Message.joined(differing, separator: "; "), evidence) }
        let figured = figures.joined(separator: ", ")
        return CheckResult(
            id: "load.run-rows", area: .load, title: title, outcome: .pass, expected: expected,
            found: Message(en: "run \(id): \(figured)", ru: "запуск \(id): \(figured)"), evidence: evidence,
            seconds: elapsed(started))
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
    public static func judge(_ answer: ScriptAnswer) -> (problem: Message?, found: String) {
        let found = "Result=\(answer["Result"] ?? "?"), ExecMainStatus=\(answer["ExecMainStatus"] ?? "?")"
        guard let status = answer["start_status"] else {
            return (
                Message(
                    en: "the host answered no start status: \(found)", ru: "хост не сообщил статус запуска: \(found)"),
                found
            )
        }
        guard status == "0" else {
            let error = answer["start_error"] ?? ""
            return (
                Message(
                    en: "systemctl start exited \(status): \(error)",
                    ru: "systemctl start завершился с кодом \(status): \(error)"), found
            )
        }
        let before = answer["started_before"] ?? ""
        let after = answer["started_after"] ?? ""
        // A run the timer had begun just before is joined: its start was already read, its exit moves.
        let exited = answer["exited_after"].map { !$0.isEmpty && $0 != "0" && $0 != answer["exited_before"] } ?? false
        // 0: systemd unloaded the finished unit (nothing, no active timer, refers to it) and remembers
        // no start; whether this run happened is then metadata.last-run's to say.
        guard after.isEmpty || after == "0" || after != before || exited else {
            return (
                Message(
                    en:
                        "systemctl start ran nothing (the main process did not start again; a condition failed?): \(found)",
                    ru:
                        "systemctl start ничего не запустил (главный процесс не стартовал заново; не выполнилось условие?): \(found)"
                ), found
            )
        }
        guard answer["Result"] == "success", answer["ExecMainStatus"] == "0" else { return (.verbatim(found), found) }
        return (nil, found)
    }
}
