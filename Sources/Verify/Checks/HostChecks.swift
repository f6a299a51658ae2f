import AuditTrail
import Environments
import Foundation
import HostScripts
import SSH

extension VerifySuite {
    /// Area 7: what runs is what was released: files, units, their verification, the timer, recent runs, the journal.
    func automationChecks(_ facts: VerifyFacts) async -> [CheckResult] {
        var results: [CheckResult] = []
        let current = facts["current"] ?? ""
        let sums = facts.block("sums").trimmingCharacters(in: .whitespacesAndNewlines)
        let filesOK =
            facts["sums_present"] == "yes" && sums.isEmpty && (target.release == nil || current == target.release)
        results.append(
            check(
                "automation.files", .automation,
                Message(
                    en: "Files under current match the release manifest (re-hashed on the host)",
                    ru: "Файлы в current совпадают с манифестом релиза (хеши пересчитаны на хосте)"),
                passed: filesOK,
                expected: Message(
                    en: "release \(target.release ?? "?"), every file as signed",
                    ru: "релиз \(target.release ?? "?"), каждый файл как подписан"),
                found: filesOK
                    ? Message(en: "release \(current), all files match", ru: "релиз \(current), все файлы совпадают")
                    : !sums.isEmpty
                        ? .verbatim(sums)
                        : current.isEmpty
                            ? Message(en: "current is missing", ru: "current отсутствует")
                            : Message(en: "current is \(current)", ru: "current указывает на \(current)"),
                evidence: "cd \(target.root)/current && sha256sum -c SHA256SUMS",
                remedy: Message(
                    en: "redeploy the release: deployctl deploy \(target.environment.name)",
                    ru: "выложите релиз заново: deployctl deploy \(target.environment.name)")))
        var edited: [String] = []
        for unit in target.units {
            let sameUnit = facts["unit_same:\(unit)"] == "yes"
            let dropIn = facts.block("dropin:\(unit)")
            let wanted = (target.dropIns[unit] ?? nil) ?? ""
            if !sameUnit
                || dropIn.trimmingCharacters(in: .whitespacesAndNewlines)
                    != wanted.trimmingCharacters(in: .whitespacesAndNewlines)
            {
                edited.append(unit)
            }
        }
        results.append(
            check(
                "automation.units", .automation,
                Message(
                    en: "Units on the host are the ones the release installed",
                    ru: "Юниты на хосте те же, что установил релиз"),
                passed: edited.isEmpty,
                expected: Message(
                    en: target.units.joined(separator: ", ") + " as released",
                    ru: target.units.joined(separator: ", ") + " как в релизе"),
                found: edited.isEmpty
                    ? Message(en: "all as released", ru: "все как в релизе")
                    : Message(
                        en: "edited on the host: " + edited.joined(separator: ", "),
                        ru: "изменены на хосте: " + edited.joined(separator: ", ")),
                evidence: "cmp against \(target.root)/current/systemd",
                remedy: Message(
                    en: "deployctl deploy \(target.environment.name) puts them back (systemctl cat shows the edit)",
                    ru: "deployctl deploy \(target.environment.name) вернёт их (правку покажет systemctl cat)")))
        let override = facts["gate_override"].flatMap { AuditLine($0)?.record }
        results.append(
            check(
                "automation.gate-override", .automation,
                Message(en: "The running release came through its gate", ru: "Работающий релиз прошёл свой gate"),
                severity: .warning, passed: override == nil,
                expected: Message(en: "deployed with the gate open", ru: "выложен при открытом gate"),
                found: override.map(Self.gateOverride)
                    ?? Message(en: "no gate override for this release", ru: "gate для этого релиза не обходили"),
                evidence: "grep 'gate override' \(target.root)/shared/audit.jsonl",
                remedy: Message(
                    en: "verify the release on the staging environment, then deploy it again with the gate open",
                    ru: "проверьте релиз на staging-окружении, затем выложите его снова при открытом gate")))
        let analyze = facts.block("analyze").trimmingCharacters(in: .whitespacesAndNewlines)
        results.append(
            check(
                "automation.units-verify", .automation,
                Message(
                    en: "systemd-analyze verify accepts the installed units",
                    ru: "systemd-analyze verify принимает установленные юниты"),
                passed: analyze.isEmpty,
                expected: Message(en: "no output", ru: "пустой вывод"),
                found: analyze.isEmpty ? Message(en: "silent", ru: "вывод пуст") : .verbatim(excerpt(analyze)),
                evidence: "systemd-analyze verify \(target.units.joined(separator: " "))",
                remedy: Message(
                    en: "fix what it names in the unit files of the release",
                    ru: "исправьте в юнит-файлах релиза то, что он называет")))
        if let timer = target.timer {
            let show = VerifyFacts(output: facts.block("show:\(timer)"), command: "")
            let wanted = target.loaderHost
            let ok =
                wanted
                ? show["UnitFileState"] == "enabled" && show["ActiveState"] == "active"
                    && !(show["NextElapseUSecRealtime"] ?? "").isEmpty
                : show["ActiveState"] != "active"
            results.append(
                check(
                    "automation.timer", .automation,
                    wanted
                        ? Message(
                            en: "The loader's timer is enabled and active with a next run",
                            ru: "Таймер лоадера включён и активен, следующий запуск назначен")
                        : Message(en: "The loader's timer does not run here", ru: "Таймер лоадера здесь не работает"),
                    passed: ok,
                    expected: wanted
                        ? Message(
                            en: "enabled, active, next elapse set", ru: "enabled, active, следующий запуск назначен")
                        : .verbatim("inactive"),
                    found: Message(
                        en:
                            "\(show["UnitFileState"] ?? "?"), \(show["ActiveState"] ?? "?")/\(show["SubState"] ?? "?"), next \(show["NextElapseUSecRealtime"] ?? "-")",
                        ru:
                            "\(show["UnitFileState"] ?? "?"), \(show["ActiveState"] ?? "?")/\(show["SubState"] ?? "?"), следующий запуск \(show["NextElapseUSecRealtime"] ?? "-")"
                    ),
                    evidence: "systemctl show -p ActiveState,SubState,UnitFileState,NextElapseUSecRealtime \(timer)",
                    remedy: wanted
                        ? .verbatim("systemctl enable --now \(timer)")
                        : Message(
                            en: "systemctl disable --now \(timer): one database must not be loaded twice",
                            ru: "systemctl disable --now \(timer): одну базу нельзя загружать дважды")))
            if wanted {
                let fired = Self.timerFired(
                    now: facts["now_epoch"].flatMap(Int.init), deployed: facts["deployed_epoch"].flatMap(Int.init),
                    triggered: facts["triggered_epoch:\(timer)"].flatMap(Int.init),
                    period: facts["period:\(timer)"].flatMap(Int.init))
                results.append(
                    CheckResult(
                        id: "automation.timer-fired", area: .automation,
                        title: Message(
                            en: "The timer has fired since the deploy once it was due",
                            ru: "Таймер сработал после выкладки, когда подошёл срок"),
                        outcome: fired.outcome,
                        expected: Message(
                            en: "a trigger after the deploy, once two periods have passed",
                            ru: "срабатывание после выкладки, как только прошли два периода"),
                        found: fired.found,
                        evidence:
                            "systemctl show -p LastTriggerUSec,NextElapseUSecRealtime,TimersCalendar \(timer); stat -c %y \(target.root)/current",
                        remedy: fired.outcome == .fail
                            ? Message(
                                en:
                                    "systemctl list-timers \(timer) and journalctl -u \(timer) -u \(target.loaderService) say why it did not start the loader",
                                ru:
                                    "почему он не запустил лоадер, скажут systemctl list-timers \(timer) и journalctl -u \(timer) -u \(target.loaderService)"
                            )
                            : nil))
            }
        }
        let timerActive = target.timer.map {
            VerifyFacts(output: facts.block("show:\($0)"), command: "")["ActiveState"] == "active"
        }
        results.append(await recentRunsCheck(timerActive: timerActive ?? false))
        let journal = facts.block("journal").trimmingCharacters(in: .whitespacesAndNewlines)
        let deployed = facts["deployed_epoch"].flatMap(Int.init).map { "@\($0)" } ?? "<deploy>"
        let journalCommand =
            "journalctl -p err --since \(deployed) " + target.units.map { "-u \($0)" }.joined(separator: " ")
        let journalTitle = Message(
            en: "The journal since the deploy has no error lines",
            ru: "В журнале с момента выкладки нет строк с ошибками")
        let journalExpected = Message(en: "no priority err lines", ru: "ни одной строки с приоритетом err")
        if facts["journal_read"] != "yes" {
            let answer = facts["journal_read"]
            results.append(
                CheckResult(
                    id: "automation.journal", area: .automation, title: journalTitle,
                    severity: .warning, outcome: .error, expected: journalExpected,
                    found: Message(
                        en: "the journal could not be read: \(answer ?? "no answer")",
                        ru: "журнал не читается: \(answer ?? "ответа нет")"),
                    evidence: journalCommand,
                    remedy: Message(
                        en: "run it on the host; journalctl must be installed and readable",
                        ru: "выполните команду на хосте; journalctl должен быть установлен и доступен для чтения")))
        } else {
            results.append(
                check(
                    "automation.journal", .automation, journalTitle,
                    severity: .warning, passed: journal.isEmpty, expected: journalExpected,
                    found: journal.isEmpty ? Message(en: "none", ru: "нет") : .verbatim(excerpt(journal)),
                    evidence: journalCommand,
                    remedy: Message(
                        en: "read them: journalctl -p err -u \(target.loaderService)",
                        ru: "прочитайте их: journalctl -p err -u \(target.loaderService)")))
        }
        return results
    }

    /// The loader's last run succeeded, read when the check runs (after the load area's own run). A
    /// unit that never ran since boot also says `Result=success`, systemd's default: that fails while
    /// the timer is active (it keeps the unit loaded, with its last run). Without an active timer
    /// systemd unloads the finished unit and keeps no run to judge: skipped, automation.timer fails.
    func recentRunsCheck(timerActive: Bool) async -> CheckResult {
        let title = Message(en: "The loader's last run succeeded", ru: "Последний запуск лоадера успешен")
        guard target.loaderHost else {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .skip,
                expected: Self.aLoaderRun, found: notALoaderHost)
        }
        let command = "systemctl show -p Result,ExecMainStatus,ExecMainStartTimestamp \(target.loaderService)"
        let shown = await shell(command)
        let show = VerifyFacts(output: shown.output, command: command)
        guard shown.status == 0, let result = show["Result"] else {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .error,
                expected: Message(en: "Result=success of a run", ru: "Result=success у запуска"),
                found: Message(
                    en: "systemctl show failed (exit \(shown.status))",
                    ru: "systemctl show завершился с ошибкой (код \(shown.status))"),
                evidence: command + "\n" + excerpt(shown.output))
        }
        let started = show["ExecMainStartTimestamp"] ?? ""
        let ran = !started.isEmpty && started != "n/a"
        let passed = ran && result == "success" && show["ExecMainStatus"] == "0"
        let expected = Message(
            en: "a run since boot with Result=success, exit 0",
            ru: "запуск после загрузки хоста с Result=success, код 0")
        if !ran && !timerActive {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .skip, expected: expected,
                found: Message(
                    en:
                        "skipped: the timer is not active (automation.timer), and systemd keeps no run of a unit nothing refers to",
                    ru:
                        "пропущено: таймер не активен (automation.timer), а systemd не хранит запусков юнита, на который ничто не ссылается"
                ),
                evidence: command)
        }
        let status = show["ExecMainStatus"] ?? "?"
        return check(
            "automation.recent-runs", .automation, title, passed: passed, expected: expected,
            found: ran
                ? Message(
                    en: "Result=\(result), exit \(status), started \(started)",
                    ru: "Result=\(result), код \(status), начат \(started)")
                : Message(
                    en:
                        "never ran since the host booted (Result=\(result) is systemd's default for a unit that never ran)",
                    ru:
                        "ни разу не запускался после загрузки хоста (Result=\(result) systemd ставит по умолчанию юниту, который не запускался)"
                ),
            evidence: command,
            remedy: ran
                ? .verbatim("journalctl -u \(target.loaderService)")
                : Message(
                    en:
                        "the timer has not started it yet: systemctl list-timers; run one now: systemctl start \(target.loaderService)",
                    ru:
                        "таймер его ещё не запускал: systemctl list-timers; запустите сейчас: systemctl start \(target.loaderService)"
                ))
    }

    /// Whether a calendar timer fired after the deploy: required once two of its periods have passed
    /// since (its randomized delay and a tick missed at the switch fit in), before that not yet due.
    /// Times are the host's, in seconds since the epoch; a fact that was not read is an error.
    static func timerFired(now: Int?, deployed: Int?, triggered: Int?, period: Int?) -> (
        outcome: CheckResult.Outcome, found: Message
    ) {
        guard let now, let deployed else {
            return (
                .error,
                Message(
                    en: "the host did not say when current was switched or what time it is",
                    ru: "хост не сообщил, когда переключили current и который сейчас час")
            )
        }
        guard let period, period > 0 else {
            return (
                .error,
                Message(
                    en: "the timer has no OnCalendar= period to judge by (systemctl show -p TimersCalendar)",
                    ru: "у таймера нет периода OnCalendar=, по которому судить (systemctl show -p TimersCalendar)")
            )
        }
        let since = now - deployed
        let minutes = { (seconds: Int) in "\(seconds / 60) min" }
        let minutesRussian = { (seconds: Int) in "\(seconds / 60) мин" }
        if let triggered, triggered >= deployed {
            return (
                .pass,
                Message(
                    en: "fired \(minutes(now - triggered)) ago, \(minutes(triggered - deployed)) after the deploy",
                    ru:
                        "сработал \(minutesRussian(now - triggered)) назад, через \(minutesRussian(triggered - deployed)) после выкладки"
                )
            )
        }
        let due = 2 * period
        if since < due {
            return (
                .pass,
                Message(
                    en:
                        "not due yet: deployed \(minutes(since)) ago, the timer fires every \(minutes(period)) and must have fired within \(minutes(due))",
                    ru:
                        "срок ещё не подошёл: выложено \(minutesRussian(since)) назад, таймер срабатывает каждые \(minutesRussian(period)) и должен сработать в течение \(minutesRussian(due))"
                )
            )
        }
        return (
            .fail,
            Message(
                en: "has not fired in the \(minutes(since)) since the deploy, though it fires every \(minutes(period))"
                    + (triggered.map { "; last fired \(minutes(now - $0)) ago, before the deploy" }
                        ?? "; never fired since boot"),
                ru:
                    "не сработал за \(minutesRussian(since)) после выкладки, хотя срабатывает каждые \(minutesRussian(period))"
                    + (triggered.map { "; последний раз сработал \(minutesRussian(now - $0)) назад, до выкладки" }
                        ?? "; ни разу не сработал после загрузки хоста"))
        )
    }

    /// A gate override's audit entry, as `AuditRecord.gateOverrideSummary` says it in English.
    static func gateOverride(_ record: AuditRecord) -> Message {
        let closed = record.changes.first.map {
            " (gate сообщал: "
                + $0.replacingOccurrences(of: AuditRecord.gateOverrideChange(closedBecause: ""), with: "") + ")"
        }
        return Message(
            en: record.gateOverrideSummary,
            ru: "выложен при закрытом gate: \(record.actor), \(record.at): \(record.detail ?? "причина не указана")"
                + (closed ?? ""))
    }
}
