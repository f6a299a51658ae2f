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
        let noClickHouse = Message(
            en: "ClickHouse does not answer (environment.clickhouse-answers)",
            ru: "ClickHouse не отвечает (environment.clickhouse-answers)")
        begin(.database)
        if wanted.contains(.database) {
            results += clickhouse ? await databaseChecks() : [Self.skipped(.database, because: noClickHouse)]
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
            results += clickhouse ? await qualityChecks() : [Self.skipped(.quality, because: noClickHouse)]
        }
        begin(.metadata)
        if wanted.contains(.metadata) {
            results +=
                clickhouse && loaded
                ? await metadataChecks(since: started)
                : [
                    Self.skipped(
                        .metadata,
                        because: clickhouse
                            ? Message(en: "the loader run failed (load.run)", ru: "запуск лоадера не удался (load.run)")
                            : noClickHouse)
                ]
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
                results += clickhouse ? await smokeChecks() : [Self.skipped(.smoke, because: noClickHouse)]
            }
        }
        return results
    }

    /// The one result of an area whose checks could not run, and why.
    public static func skipped(_ area: CheckResult.Area, because reason: Message) -> CheckResult {
        CheckResult(
            id: "\(area.rawValue).skipped", area: area,
            title: Message(en: "\(area.rawValue) checks", ru: "проверки области \(area.rawValue)"), outcome: .skip,
            expected: .verbatim("-"),
            found: Message(en: "skipped: \(reason.english)", ru: "пропущено: \(reason.russian)"))
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
        _ area: CheckResult.Area, release: String?, count: Int, gap: Message?, root: String, environment: String
    ) -> CheckResult {
        let smoke = area == .smoke
        let folder = smoke ? "checks/smoke" : "systemd"
        let passed = gap == nil && count > 0
        let none = Message(
            en: "no \(smoke ? "smoke check(s)" : "unit(s)"): release \(release ?? "(none)") has none under \(folder)/",
            ru: "\(smoke ? "smoke-проверок" : "юнитов") нет: в релизе \(release ?? "(нет)") ничего нет в \(folder)/")
        return CheckResult(
            id: smoke ? "smoke.shipped" : "automation.units-shipped", area: area,
            title: smoke
                ? Message(en: "The release ships its smoke checks", ru: "Релиз содержит свои smoke-проверки")
                : Message(en: "The release ships its systemd units", ru: "Релиз содержит свои юниты systemd"),
            outcome: passed ? .pass : .fail,
            expected: smoke
                ? Message(
                    en: "at least one checks/smoke/*.sql file, each readable",
                    ru: "хотя бы один файл checks/smoke/*.sql, каждый читается")
                : Message(
                    en: "at least one systemd/*.service or *.timer file, each readable",
                    ru: "хотя бы один файл systemd/*.service или *.timer, каждый читается"),
            found: gap
                ?? (count == 0
                    ? none
                    : Message(
                        en: "\(count) \(smoke ? "smoke check(s)" : "unit(s)")",
                        ru: "\(smoke ? "smoke-проверок" : "юнитов"): \(count)")),
            evidence: "ls \(root)/current/\(folder)",
            remedy: passed
                ? nil
                : release == nil
                    ? Message(
                        en: "deploy a release first: deployctl deploy \(environment)",
                        ru: "сначала выложите релиз: deployctl deploy \(environment)")
                    : Message(
                        en:
                            "build the release from a checkout that has \(folder)/ (deployctl release build), then deploy it",
                        ru:
                            "соберите релиз из checkout, в котором есть \(folder)/ (deployctl release build), и выложите его"
                    ))
    }

    // MARK: - Helpers

    func check(
        _ id: String, _ area: CheckResult.Area, _ title: Message, severity: CheckResult.Severity = .blocker,
        passed: Bool, expected: Message,
        found: Message, evidence: String, remedy: Message
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
