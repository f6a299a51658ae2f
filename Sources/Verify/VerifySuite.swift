import ClickHouse
import Environments
import Foundation
import SSH

/// The E2E verification of one host, in the eight areas of the original script: environment,
/// database, data load, data quality, metadata, monitoring, automation, smoke checks. Only checks
/// deployctl runs itself count, and a check that saw no data has failed, not passed. A check whose
/// prerequisite failed is skipped and names it.
public struct VerifySuite: Sendable {
    public let target: VerifyTarget

    public init(target: VerifyTarget) {
        self.target = target
    }

    /// Every check's result, in area order; `only` limits the areas.
    public func run(only: Set<CheckResult.Area>? = nil) async -> [CheckResult] {
        let started = Date()
        let wanted = only ?? Set(CheckResult.Area.allCases)
        let observer = VerifyProgress.observer
        let label = target.hostName
        func begin(_ area: CheckResult.Area) { if wanted.contains(area) { observer?(label, area) } }
        begin(.environment)
        let factsRun = await shell(VerifyFacts.commandLine(for: target), timeout: .seconds(120))
        let facts = VerifyFacts(output: factsRun.output, command: "facts")
        var results: [CheckResult] = []
        let environment = await environmentChecks(facts)
        if wanted.contains(.environment) { results += environment }
        let clickhouse = environment.first { $0.id == "environment.clickhouse-answers" }?.outcome == .pass
        func skipped(_ area: CheckResult.Area, because reason: String) -> CheckResult {
            CheckResult(
                id: "\(area.rawValue).skipped", area: area, title: "\(area.rawValue) checks", outcome: .skip,
                expected: "-", found: "skipped: \(reason)")
        }
        let noClickHouse = "ClickHouse does not answer (environment.clickhouse-answers)"
        begin(.database)
        if wanted.contains(.database) {
            results += clickhouse ? await databaseChecks() : [skipped(.database, because: noClickHouse)]
        }
        var loaded = true
        begin(.load)
        if wanted.contains(.load) || wanted.contains(.metadata) {
            let load = await loadChecks()
            loaded = !load.contains { $0.id == "load.run" && $0.outcome == .fail }
            if wanted.contains(.load) { results += load }
        }
        begin(.quality)
        if wanted.contains(.quality) {
            results += clickhouse ? await qualityChecks() : [skipped(.quality, because: noClickHouse)]
        }
        begin(.metadata)
        if wanted.contains(.metadata) {
            results +=
                clickhouse && loaded
                ? await metadataChecks(since: started)
                : [skipped(.metadata, because: clickhouse ? "the loader run failed (load.run)" : noClickHouse)]
        }
        begin(.monitoring)
        if wanted.contains(.monitoring) { results += await monitoringChecks() }
        begin(.automation)
        if wanted.contains(.automation) { results += [shippedCheck(.automation)] + (await automationChecks(facts)) }
        begin(.smoke)
        if wanted.contains(.smoke) {
            let shipped = shippedCheck(.smoke)
            results.append(shipped)
            if shipped.outcome == .pass {
                results += clickhouse ? await smokeChecks() : [skipped(.smoke, because: noClickHouse)]
            }
        }
        return results
    }

    /// Whether the release carries its units (`.automation`) or its smoke checks (`.smoke`): a
    /// release without them cannot pass criterion 5 or 6, and this check says why.
    func shippedCheck(_ area: CheckResult.Area) -> CheckResult {
        Self.shippedCheck(
            area, release: target.release, count: area == .smoke ? target.smokeChecks.count : target.units.count,
            gap: target.releaseGaps[area], root: target.root, environment: target.environment.name)
    }

    /// `shippedCheck` from what it looks at: `count` files loaded, `gap` why some could not be.
    public static func shippedCheck(
        _ area: CheckResult.Area, release: String?, count: Int, gap: String?, root: String, environment: String
    ) -> CheckResult {
        let smoke = area == .smoke
        let folder = smoke ? "checks/smoke" : "systemd"
        let what = smoke ? "smoke check(s)" : "unit(s)"
        let passed = gap == nil && count > 0
        return CheckResult(
            id: smoke ? "smoke.shipped" : "automation.units-shipped", area: area,
            title: smoke ? "The release ships its smoke checks" : "The release ships its systemd units",
            outcome: passed ? .pass : .fail,
            expected:
                "at least one \(smoke ? "checks/smoke/*.sql" : "systemd/*.service or *.timer") file, each readable",
            found: gap
                ?? (count == 0
                    ? "no \(what): release \(release ?? "(none)") has none under \(folder)/" : "\(count) \(what)"),
            evidence: "ls \(root)/current/\(folder)",
            remedy: passed
                ? nil
                : release == nil
                    ? "deploy a release first: deployctl deploy \(environment)"
                    : "build the release from a checkout that has \(folder)/ (deployctl release build), then deploy it")
    }

    // MARK: - Helpers

    func check(
        _ id: String, _ area: CheckResult.Area, _ title: String, severity: CheckResult.Severity = .blocker,
        passed: Bool, expected: String,
        found: String, evidence: String, remedy: String
    ) -> CheckResult {
        CheckResult(
            id: id, area: area, title: title, severity: severity, outcome: passed ? .pass : .fail, expected: expected,
            found: target.redact(found),
            evidence: target.redact(evidence), remedy: passed ? nil : remedy)
    }

    /// Runs a command on the host (as the SSH layer's exec, through sudo where the environment says).
    func shell(_ command: String, timeout: Duration = .seconds(120)) async -> (
        status: Int32, output: String, seconds: Double
    ) {
        let started = ContinuousClock.now
        do {
            let result = try await target.host.run(command, options: .init(timeout: timeout))
            return (result.exitStatus, target.redact(result.stdoutText + result.stderrText), elapsed(started))
        } catch {
            return (255, target.redact("\(error)"), elapsed(started))
        }
    }

    /// The last lines of `text`, at most 12.
    func excerpt(_ text: String) -> String {
        target.redact(text.split(separator: "\n").suffix(12).joined(separator: "\n"))
    }

    func elapsed(_ started: ContinuousClock.Instant) -> Double {
        started.duration(to: .now).secondsValue
    }
}
