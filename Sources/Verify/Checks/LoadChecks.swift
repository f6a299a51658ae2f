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
        let result = VerifyFacts(output: run.output, command: "")
        let ok = result["Result"] == "success" && result["ExecMainStatus"] == "0"
        var results = [
            CheckResult(
                id: "load.run", area: .load, title: "The loader runs now: unit result success, exit 0",
                outcome: ok ? .pass : .fail,
                expected: "Result=success, ExecMainStatus=0",
                found: "Result=\(result["Result"] ?? "?"), ExecMainStatus=\(result["ExecMainStatus"] ?? "?")",
                evidence: "systemctl start \(target.loaderService)\n" + excerpt(run.output),
                remedy: ok
                    ? nil
                    : "journalctl -u \(target.loaderService) shows the run's error line; a 403 means QTICKETS_TOKEN is wrong",
                seconds: run.seconds)
        ]
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
}
