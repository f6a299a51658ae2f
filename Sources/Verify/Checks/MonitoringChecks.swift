import Environments
import Foundation
import Healthcheck
import HostScripts
import SSH

extension VerifySuite {
    /// Area 6: the healthcheck says ok on the command line; its service runs; `/healthz` and
    /// `/metrics` answer on the address the unit serves with the command line's verdict; and the
    /// healthcheck run again with thresholds below the data's real age turns, so that freshness
    /// detection is seen working rather than assumed.
    func monitoringChecks() async -> [CheckResult] {
        let manual =
            "sudo runuser -u \(target.environment.app.user) -- \(target.binary) healthcheck --env-file \(target.envFile)"
        let health = await healthcheck([])
        let report = health.report
        var results = [
            CheckResult(
                id: "monitoring.healthcheck", area: .monitoring,
                title: Message(en: "qtickets-api healthcheck answers ok", ru: "qtickets-api healthcheck отвечает ok"),
                outcome: health.status == 0 && report?.status == .ok ? .pass : .fail,
                expected: Message(en: "exit 0, verdict ok", ru: "код 0, вердикт ok"),
                found: Message(
                    en: "exit \(health.status), verdict \(report?.status.rawValue ?? "none")",
                    ru: "код \(health.status), вердикт \(report?.status.rawValue ?? "нет")"),
                evidence: manual + "\n" + excerpt(report?.render() ?? health.output),
                remedy: health.status == 0
                    ? nil
                    : Message(
                        en: "its output names the check that is not ok (freshness, last run, ClickHouse)",
                        ru: "его вывод называет проверку не в состоянии ok (свежесть, последний запуск, ClickHouse)"),
                seconds: health.seconds)
        ]
        results.append(await freshnessCheck(real: report, manual: manual))
        let serviceTitle = Message(en: "The healthcheck's service runs", ru: "Сервис healthcheck работает")
        guard let unit = target.units.first(where: { $0.hasSuffix(".service") && $0.contains("healthcheck") }) else {
            let units = target.units.joined(separator: ", ")
            results.append(
                CheckResult(
                    id: "monitoring.service", area: .monitoring, title: serviceTitle, outcome: .fail,
                    expected: Message(
                        en: "a healthcheck service among the release's units",
                        ru: "сервис healthcheck среди юнитов релиза"),
                    found: Message(
                        en: "the release ships no healthcheck unit (units: \(units))",
                        ru: "в релизе нет юнита healthcheck (юниты: \(units))"),
                    evidence: "ls \(target.root)/current/systemd",
                    remedy: Message(
                        en: "release the repository's systemd/qtickets_healthcheck.service with the loader",
                        ru: "включите в релиз systemd/qtickets_healthcheck.service из репозитория вместе с лоадером")))
            return results
        }
        let showCommand = "systemctl show -p ActiveState,SubState,NRestarts,ExecStart \(unit)"
        let shown = await run(showCommand)
        let show = ScriptAnswer(shown.status == 0 ? shown.stdout : "")
        let state = "\(show["ActiveState"] ?? "?")/\(show["SubState"] ?? "?")"
        results.append(
            CheckResult(
                id: "monitoring.service", area: .monitoring, title: serviceTitle,
                outcome: show["ActiveState"] == nil ? .error : state == "active/running" ? .pass : .fail,
                expected: Message(en: "\(unit) active/running", ru: "\(unit) в состоянии active/running"),
                found: show["ActiveState"] == nil
                    ? Message(
                        en: "systemctl show failed (exit \(shown.status)): \(excerpt(shown.output))",
                        ru: "systemctl show завершился с ошибкой (код \(shown.status)): \(excerpt(shown.output))")
                    : Message(
                        en: "\(state), restarted \(show["NRestarts"] ?? "?") time(s)",
                        ru: "\(state), перезапусков: \(show["NRestarts"] ?? "?")"),
                evidence: showCommand,
                remedy: state == "active/running"
                    ? nil
                    : Message(
                        en: "systemctl enable --now \(unit); journalctl -u \(unit) says why it stopped",
                        ru: "systemctl enable --now \(unit); почему он остановился, скажет journalctl -u \(unit)")))
        guard let address = Self.servedAddress(show["ExecStart"] ?? "") else {
            let execStart = show["ExecStart"]
            let found = Message(
                en: "the unit's ExecStart has no --serve ADDRESS:PORT: \(execStart ?? "none")",
                ru: "в ExecStart юнита нет --serve ADDRESS:PORT: \(execStart ?? "пусто")")
            for (id, title) in [("monitoring.healthz", Self.healthzTitle), ("monitoring.metrics", Self.metricsTitle)] {
                results.append(
                    CheckResult(
                        id: id, area: .monitoring, title: title, outcome: .error,
                        expected: Message(en: "the address the service serves", ru: "адрес, который слушает сервис"),
                        found: target.redact(found), evidence: showCommand))
            }
            return results
        }
        let healthz = await get("/healthz", from: address)
        let served = healthz.body.flatMap { try? HealthReport.decode($0) }
        let url = "http://\(address.host):\(address.port)"
        let sameVerdict = served != nil && served?.status == report?.status
        results.append(
            CheckResult(
                id: "monitoring.healthz", area: .monitoring, title: Self.healthzTitle,
                outcome: healthz.code == nil ? .error : healthz.code == 200 && sameVerdict ? .pass : .fail,
                expected: Message(
                    en: "HTTP 200 on \(url)/healthz, verdict \(report?.status.rawValue ?? "?") as on the command line",
                    ru: "HTTP 200 на \(url)/healthz, вердикт \(report?.status.rawValue ?? "?"), как в командной строке"),
                found: healthz.code.map { code in
                    Message(
                        en: "HTTP \(code), verdict \(served?.status.rawValue ?? "unreadable")"
                            + (sameVerdict ? "" : ", the command line said \(report?.status.rawValue ?? "none")"),
                        ru: "HTTP \(code), вердикт \(served?.status.rawValue ?? "не читается")"
                            + (sameVerdict ? "" : ", в командной строке \(report?.status.rawValue ?? "нет вердикта")"))
                } ?? healthz.problem,
                evidence: "curl -sS -w '%{http_code}\\n' \(url)/healthz  # on the host\n"
                    + excerpt(healthz.body.map { String(decoding: $0, as: UTF8.self) } ?? ""),
                remedy: healthz.code == 200 && sameVerdict
                    ? nil
                    : Message(
                        en:
                            "journalctl -u \(unit); the endpoint and the command read the same env file (\(target.envFile))",
                        ru:
                            "journalctl -u \(unit); эндпоинт и команда читают один и тот же env-файл (\(target.envFile))"
                    ),
                seconds: healthz.seconds))
        results.append(await metricsCheck(address: address, healthz: served ?? report, unit: unit))
        return results
    }

    /// The healthcheck run again with the data and run thresholds at 0 (warning) and 1 minute
    /// (critical), below any real age: its `data` and `last_ok_run` checks must turn, while with the
    /// env file's thresholds (`real`) they were ok.
    private func freshnessCheck(real: HealthReport?, manual: String) async -> CheckResult {
        let lowered =
            [
                HealthThresholds.Variable.dataWarn, .runWarn,
            ].map { "\($0.rawValue)=0" }
            + [HealthThresholds.Variable.dataCritical, .runCritical].map { "\($0.rawValue)=1" }
        let run = await healthcheck(lowered.flatMap { ["--threshold", $0] })
        let judged = ["data", "last_ok_run"]
        func states(_ report: HealthReport?) -> Message {
            Message.joined(
                judged.map { name in
                    report?.check(name).map { .verbatim("\(name) \($0.status.rawValue)") }
                        ?? Message(en: "\(name) missing", ru: "\(name) отсутствует")
                }, separator: ", ")
        }
        let realOK = judged.allSatisfy { real?.check($0)?.status == .ok }
        let turned = judged.allSatisfy { [.warning, .critical].contains(run.report?.check($0)?.status) }
        let age = run.report?.check("data")?.ageSeconds
        return CheckResult(
            id: "monitoring.freshness-detected", area: .monitoring,
            title: Message(
                en: "Stale data is detected: thresholds below the data's age turn the healthcheck",
                ru: "Устаревшие данные замечены: пороги ниже возраста данных меняют вердикт healthcheck"),
            outcome: run.report == nil ? .error : realOK && turned ? .pass : .fail,
            expected: Message(
                en: "with the env file's thresholds data and last_ok_run ok; at 0/1 min warning or critical",
                ru: "с порогами из env-файла data и last_ok_run в ok; при 0/1 мин warning или critical"),
            found: Message(
                en:
                    "env file's thresholds: \(states(real).english); at 0/1 min: \(states(run.report).english) (exit \(run.status))"
                    + (age.map { "; the newest orders are \($0) s old" } ?? ""),
                ru:
                    "пороги из env-файла: \(states(real).russian); при 0/1 мин: \(states(run.report).russian) (код \(run.status))"
                    + (age.map { "; самым свежим заказам \($0) с" } ?? "")),
            evidence: manual + " --json " + lowered.map { "--threshold \($0)" }.joined(separator: " ") + "\n"
                + excerpt(run.report?.render() ?? run.output),
            remedy: realOK && turned
                ? nil
                : realOK
                    ? Message(
                        en:
                            "the release's healthcheck does not judge ages against its thresholds: this build must not go out",
                        ru: "healthcheck релиза не сравнивает возраст с порогами: эту сборку выкладывать нельзя")
                    : Message(
                        en:
                            "the data or the last successful run is already stale with the real thresholds: see monitoring.healthcheck",
                        ru:
                            "данные или последний успешный запуск устарели уже при настоящих порогах: см. monitoring.healthcheck"
                    ),
            seconds: run.seconds)
    }

    /// `/metrics` answers 200 in the text format and its verdict and newest run are `/healthz`'s.
    private func metricsCheck(address: (host: String, port: Int), healthz: HealthReport?, unit: String) async
        -> CheckResult
    {
        let metrics = await get("/metrics", from: address)
        let text = metrics.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let samples = Self.samples(text)
        var problems: [Message] = []
        if let code = metrics.code, code != 200 { problems.append(.verbatim("HTTP \(code)")) }
        if metrics.code != nil, !(metrics.contentType ?? "").hasPrefix("text/plain") {
            problems.append(
                Message(
                    en: "content type \(metrics.contentType ?? "none")",
                    ru: "тип содержимого \(metrics.contentType ?? "нет")"))
        }
        let verdict = healthz?.status.rawValue ?? "?"
        let states = HealthStatus.allCases.map(\.rawValue)
        let shown = states.filter { samples["qtickets_health_status{state=\"\($0)\"}"] == "1" }
        if shown != [verdict] {
            let said = shown.joined(separator: ", ")
            problems.append(
                Message(
                    en: "qtickets_health_status says \(shown.isEmpty ? "nothing" : said), /healthz \(verdict)",
                    ru: "qtickets_health_status показывает \(shown.isEmpty ? "пустоту" : said), /healthz — \(verdict)"))
        }
        if let run = healthz?.lastRun, samples["qtickets_last_run_status{status=\"\(run.status)\"}"] != "1" {
            problems.append(
                Message(
                    en: "qtickets_last_run_status is not \(run.status) as the newest run in /healthz",
                    ru: "qtickets_last_run_status не \(run.status), в отличие от последнего запуска в /healthz"))
        }
        let url = "http://\(address.host):\(address.port)/metrics"
        let lines = text.split(separator: "\n").filter {
            $0.hasPrefix("qtickets_health_status") || $0.hasPrefix("qtickets_last_run_status")
        }
        return CheckResult(
            id: "monitoring.metrics", area: .monitoring, title: Self.metricsTitle,
            outcome: metrics.code == nil ? .error : problems.isEmpty ? .pass : .fail,
            expected: Message(
                en: "HTTP 200 text/plain on \(url), qtickets_health_status{state=\"\(verdict)\"} 1 as /healthz",
                ru: "HTTP 200 text/plain на \(url), qtickets_health_status{state=\"\(verdict)\"} 1, как /healthz"),
            found: metrics.code == nil
                ? metrics.problem
                : problems.isEmpty
                    ? Message(
                        en: "HTTP 200, \(samples.count) samples, verdict \(verdict) as /healthz",
                        ru: "HTTP 200, сэмплов: \(samples.count), вердикт \(verdict), как /healthz")
                    : Message.joined(problems, separator: "; "),
            evidence: "curl -sS \(url) | grep -E '^qtickets_(health|last_run)_status'  # on the host\n"
                + excerpt(lines.joined(separator: "\n")),
            remedy: problems.isEmpty && metrics.code != nil ? nil : .verbatim("journalctl -u \(unit)"),
            seconds: metrics.seconds)
    }

    static let healthzTitle = Message(
        en: "/healthz answers 200 with the command line's verdict",
        ru: "/healthz отвечает 200 с тем же вердиктом, что и командная строка")
    static let metricsTitle = Message(
        en: "/metrics answers and agrees with /healthz", ru: "/metrics отвечает и согласуется с /healthz")

    /// Runs the release's healthcheck as the app user with `--json` and `arguments`, and reads its report.
    private func healthcheck(_ arguments: [String]) async -> (
        status: Int32, report: HealthReport?, output: String, seconds: Double
    ) {
        let answer = await run(
            HostScriptSource.releaseCommand.commandLine(
                [target.envFile, target.binary, "healthcheck", "--json"] + arguments))
        return (answer.status, try? HealthReport.decode(Data(answer.stdout.utf8)), answer.output, answer.seconds)
    }

    /// `shell(_:)` with the standard output apart, for answers that are parsed.
    private func run(_ command: String) async -> (status: Int32, stdout: String, output: String, seconds: Double) {
        let started = ContinuousClock.now
        do {
            let result = try await target.host.run(command, options: .init(timeout: .seconds(120)))
            return (
                result.exitStatus, target.redact(result.stdoutText),
                target.redact(result.stdoutText + result.stderrText), elapsed(started)
            )
        } catch {
            return (255, "", target.redact("\(error)"), elapsed(started))
        }
    }

    /// `path` of the healthcheck's server at `address` on the host, through an SSH tunnel.
    private func get(_ path: String, from address: (host: String, port: Int)) async -> HTTPProbe.Answer {
        let started = ContinuousClock.now
        do {
            let tunnel = try target.host.openTunnel(toPort: address.port, host: address.host)
            defer { tunnel.close() }
            var answer = await HTTPProbe.get("http://127.0.0.1:\(tunnel.localPort)\(path)")
            if answer.code == nil, let refused = tunnel.lastError {
                answer.problem = Message(
                    en: "\(address.host):\(address.port) on the host: \(refused)",
                    ru: "\(address.host):\(address.port) на хосте: \(refused)")
            }
            answer.seconds = elapsed(started)
            return answer
        } catch {
            return HTTPProbe.Answer(
                problem: target.redact(
                    Message(
                        en: "no tunnel to \(address.host):\(address.port): \(error)",
                        ru: "нет туннеля к \(address.host):\(address.port): \(error)")))
        }
    }

    /// The address `--serve ADDRESS:PORT` (or `--serve=…`) in a unit's `ExecStart` as `systemctl show`
    /// prints it, with a wildcard address asked on its loopback.
    static func servedAddress(_ execStart: String) -> (host: String, port: Int)? {
        guard let match = execStart.firstMatch(of: /--serve[= ]+(\S+):(\d+)(?:\s|;|$)/), let port = Int(match.2),
            (1...65535).contains(port)
        else { return nil }
        let host = String(match.1).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        switch host {
        case "0.0.0.0", "": return ("127.0.0.1", port)
        case "::": return ("::1", port)
        default: return (host, port)
        }
    }

    /// The samples of a text exposition, by name with labels as written, and their value.
    static func samples(_ text: String) -> [String: String] {
        var samples: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return samples
    }
}
