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
                "Files under current match the release manifest (re-hashed on the host)", passed: filesOK,
                expected: "release \(target.release ?? "?"), every file as signed",
                found: filesOK
                    ? "release \(current), all files match"
                    : (sums.isEmpty ? "current is \(current.isEmpty ? "missing" : current)" : sums),
                evidence: "cd \(target.root)/current && sha256sum -c SHA256SUMS",
                remedy: "redeploy the release: deployctl deploy \(target.environment.name)"))
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
                "automation.units", .automation, "Units on the host are the ones the release installed",
                passed: edited.isEmpty,
                expected: target.units.joined(separator: ", ") + " as released",
                found: edited.isEmpty ? "all as released" : "edited on the host: " + edited.joined(separator: ", "),
                evidence: "cmp against \(target.root)/current/systemd",
                remedy: "deployctl deploy \(target.environment.name) puts them back (systemctl cat shows the edit)"))
        let override = facts["gate_override"].flatMap { AuditLine($0)?.record }
        results.append(
            check(
                "automation.gate-override", .automation, "The running release came through its gate",
                severity: .warning, passed: override == nil,
                expected: "deployed with the gate open",
                found: override?.gateOverrideSummary ?? "no gate override for this release",
                evidence: "grep 'gate override' \(target.root)/shared/audit.jsonl",
                remedy: "verify the release on the staging environment, then deploy it again with the gate open"))
        let analyze = facts.block("analyze").trimmingCharacters(in: .whitespacesAndNewlines)
        results.append(
            check(
                "automation.units-verify", .automation, "systemd-analyze verify accepts the installed units",
                passed: analyze.isEmpty,
                expected: "no output", found: analyze.isEmpty ? "silent" : excerpt(analyze),
                evidence: "systemd-analyze verify \(target.units.joined(separator: " "))",
                remedy: "fix what it names in the unit files of the release"))
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
                        ? "The loader's timer is enabled and active with a next run"
                        : "The loader's timer does not run here",
                    passed: ok, expected: wanted ? "enabled, active, next elapse set" : "inactive",
                    found:
                        "\(show["UnitFileState"] ?? "?"), \(show["ActiveState"] ?? "?")/\(show["SubState"] ?? "?"), next \(show["NextElapseUSecRealtime"] ?? "-")",
                    evidence: "systemctl show -p ActiveState,SubState,UnitFileState,NextElapseUSecRealtime \(timer)",
                    remedy: wanted
                        ? "systemctl enable --now \(timer)"
                        : "systemctl disable --now \(timer): one database must not be loaded twice"))
            if wanted {
                let fired = Self.timerFired(
                    now: facts["now_epoch"].flatMap(Int.init), deployed: facts["deployed_epoch"].flatMap(Int.init),
                    triggered: facts["triggered_epoch:\(timer)"].flatMap(Int.init),
                    period: facts["period:\(timer)"].flatMap(Int.init))
                results.append(
                    CheckResult(
                        id: "automation.timer-fired", area: .automation,
                        title: "The timer has fired since the deploy once it was due", outcome: fired.outcome,
                        expected: "a trigger after the deploy, once two periods have passed",
                        found: fired.found,
                        evidence:
                            "systemctl show -p LastTriggerUSec,NextElapseUSecRealtime,TimersCalendar \(timer); stat -c %y \(target.root)/current",
                        remedy: fired.outcome == .fail
                            ? "systemctl list-timers \(timer) and journalctl -u \(timer) -u \(target.loaderService) say why it did not start the loader"
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
        if facts["journal_read"] != "yes" {
            results.append(
                CheckResult(
                    id: "automation.journal", area: .automation,
                    title: "The journal since the deploy has no error lines",
                    severity: .warning, outcome: .error, expected: "no priority err lines",
                    found: "the journal could not be read: \(facts["journal_read"] ?? "no answer")",
                    evidence: journalCommand, remedy: "run it on the host; journalctl must be installed and readable"))
        } else {
            results.append(
                check(
                    "automation.journal", .automation, "The journal since the deploy has no error lines",
                    severity: .warning, passed: journal.isEmpty,
                    expected: "no priority err lines", found: journal.isEmpty ? "none" : excerpt(journal),
                    evidence: journalCommand,
                    remedy: "read them: journalctl -p err -u \(target.loaderService)"))
        }
        return results
    }

    /// The loader's last run succeeded, read when the check runs (after the load area's own run). A
    /// unit that never ran since boot also says `Result=success`, systemd's default: that fails while
    /// the timer is active (it keeps the unit loaded, with its last run). Without an active timer
    /// systemd unloads the finished unit and keeps no run to judge: skipped, automation.timer fails.
    func recentRunsCheck(timerActive: Bool) async -> CheckResult {
        let title = "The loader's last run succeeded"
        guard target.loaderHost else {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .skip,
                expected: "a loader run",
                found: "skipped: \(target.hostName) does not run the loader ([app] loader_hosts)")
        }
        let command = "systemctl show -p Result,ExecMainStatus,ExecMainStartTimestamp \(target.loaderService)"
        let shown = await shell(command)
        let show = VerifyFacts(output: shown.output, command: command)
        guard shown.status == 0, let result = show["Result"] else {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .error,
                expected: "Result=success of a run", found: "systemctl show failed (exit \(shown.status))",
                evidence: command + "\n" + excerpt(shown.output))
        }
        let started = show["ExecMainStartTimestamp"] ?? ""
        let ran = !started.isEmpty && started != "n/a"
        let passed = ran && result == "success" && show["ExecMainStatus"] == "0"
        if !ran && !timerActive {
            return CheckResult(
                id: "automation.recent-runs", area: .automation, title: title, outcome: .skip,
                expected: "a run since boot with Result=success, exit 0",
                found:
                    "skipped: the timer is not active (automation.timer), and systemd keeps no run of a unit nothing refers to",
                evidence: command)
        }
        return check(
            "automation.recent-runs", .automation, title, passed: passed,
            expected: "a run since boot with Result=success, exit 0",
            found: ran
                ? "Result=\(result), exit \(show["ExecMainStatus"] ?? "?"), started \(started)"
                : "never ran since the host booted (Result=\(result) is systemd's default for a unit that never ran)",
            evidence: command,
            remedy: ran
                ? "journalctl -u \(target.loaderService)"
                : "the timer has not started it yet: systemctl list-timers; run one now: systemctl start \(target.loaderService)"
        )
    }

    /// Whether a calendar timer fired after the deploy: required once two of its periods have passed
    /// since (its randomized delay and a tick missed at the switch fit in), before that not yet due.
    /// Times are the host's, in seconds since the epoch; a fact that was not read is an error.
    static func timerFired(now: Int?, deployed: Int?, triggered: Int?, period: Int?) -> (
        outcome: CheckResult.Outcome, found: String
    ) {
        guard let now, let deployed else {
            return (.error, "the host did not say when current was switched or what time it is")
        }
        guard let period, period > 0 else {
            return (.error, "the timer has no OnCalendar= period to judge by (systemctl show -p TimersCalendar)")
        }
        let since = now - deployed
        let minutes = { (seconds: Int) in "\(seconds / 60) min" }
        if let triggered, triggered >= deployed {
            return (.pass, "fired \(minutes(now - triggered)) ago, \(minutes(triggered - deployed)) after the deploy")
        }
        let due = 2 * period
        if since < due {
            return (
                .pass,
                "not due yet: deployed \(minutes(since)) ago, the timer fires every \(minutes(period)) and must have fired within \(minutes(due))"
            )
        }
        return (
            .fail,
            "has not fired in the \(minutes(since)) since the deploy, though it fires every \(minutes(period))"
                + (triggered.map { "; last fired \(minutes(now - $0)) ago, before the deploy" }
                    ?? "; never fired since boot")
        )
    }
}
