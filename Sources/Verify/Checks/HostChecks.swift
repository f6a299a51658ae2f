import AuditTrail
import Environments
import Foundation
import HostScripts
import SSH

extension VerifySuite {
    /// Area 7: what runs is what was released: files, units, their verification, the timer, recent runs, the journal.
    func automationChecks(_ facts: VerifyFacts) -> [CheckResult] {
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
        }
        let service = VerifyFacts(output: facts.block("show:\(target.loaderService)"), command: "")
        let lastResult = service["Result"] ?? "?"
        results.append(
            check(
                "automation.recent-runs", .automation, "The loader's recent runs succeeded",
                passed: lastResult == "success",
                expected: "Result=success", found: "Result=\(lastResult), exit \(service["ExecMainStatus"] ?? "?")",
                evidence: "systemctl show -p Result,ExecMainStatus \(target.loaderService)",
                remedy: "journalctl -u \(target.loaderService)"))
        let journal = facts.block("journal").trimmingCharacters(in: .whitespacesAndNewlines)
        results.append(
            check(
                "automation.journal", .automation, "The journal since the deploy has no error lines",
                severity: .warning, passed: journal.isEmpty,
                expected: "no priority err lines", found: journal.isEmpty ? "none" : excerpt(journal),
                evidence: "journalctl -p err --since <deploy>",
                remedy: "read them: journalctl -p err -u \(target.loaderService)"))
        return results
    }
}
