import Console
import Foundation
import Testing
import Verify

@testable import Deployer

/// The E2E report's verdict and its three renderings (Markdown in both languages, JSON, JUnit),
/// from fixed results: no host, no clock. The golden files are under `Tests/Fixtures/VerificationReport`;
/// `DEPLOYCTL_UPDATE_GOLDEN=1` rewrites them from the current renderers (then read the diff).
@Suite("The verification report: its verdict and its Markdown, JSON and JUnit renderings")
struct VerificationReportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/VerificationReport")
    static let hostKey = "SHA256:" + String(repeating: "k", count: 43)
    static let release = "0123456789abcdef"

    static func pass(_ id: String, _ area: CheckResult.Area, severity: CheckResult.Severity = .blocker)
        -> CheckResult
    {
        CheckResult(
            id: id, area: area, title: title(id), severity: severity, outcome: .pass, expected: expected,
            found: Message(en: "as it is", ru: "как есть"), evidence: "command for \(id)", seconds: 0.25)
    }

    /// The title of a check made up for a scenario.
    static func title(_ id: String) -> Message { Message(en: "check \(id)", ru: "проверка \(id)") }
    /// What a made-up check wanted.
    static let expected = Message(en: "as it should be", ru: "как должно быть")

    /// A passing check in every area, as a healthy install gives.
    static let healthy: [CheckResult] = [
        pass("environment.clickhouse-unit", .environment), pass("environment.clickhouse-answers", .environment),
        pass("environment.ports", .environment, severity: .warning), pass("database.migrations", .database),
        pass("database.objects", .database), pass("database.writer-can-insert", .database), pass("load.run", .load),
        pass("load.check-api", .load), pass("quality.staging", .quality), pass("quality.view.v_sales_14d", .quality),
        pass("metadata.last-run", .metadata), pass("monitoring.healthcheck", .monitoring),
        pass("automation.units-shipped", .automation), pass("automation.files", .automation),
        pass("automation.gate-override", .automation, severity: .warning), pass("automation.timer", .automation),
        pass("smoke.shipped", .smoke), pass("smoke.no_negative_amounts", .smoke),
    ]

    /// `healthy` with the checks of the same id replaced.
    static func healthy(with changes: [CheckResult], dropping dropped: Set<String> = []) -> [CheckResult] {
        healthy.filter { !dropped.contains($0.id) }.map { check in changes.first { $0.id == check.id } ?? check }
            + changes.filter { change in !healthy.contains { $0.id == change.id } }
    }

    static func report(
        _ checks: [CheckResult], partial: VerificationReport.Scope? = nil,
        binary: VerificationReport.Binary? = .init(sha256: String(repeating: "b", count: 64), builtElsewhere: false),
        revision: String? = "0123456789ab", attempts: Int = 1
    ) -> VerificationReport {
        VerificationReport(
            environment: "museshow", release: release, revision: revision, binary: binary,
            deployctlVersion: "deployctl 1.0.0 (test)", startedAt: Date(timeIntervalSince1970: 1_796_000_000),
            finishedAt: Date(timeIntervalSince1970: 1_796_000_042), actor: "ops@workstation",
            migrationHead: "0009_views", migrationChecksums: ["0001": String(repeating: "c", count: 64)],
            partial: partial,
            hosts: [
                VerificationReport.Host(
                    host: "museshow", hostKey: hostKey, release: release, checks: checks, attempts: attempts)
            ])
    }

    static func fail(
        _ id: String, _ area: CheckResult.Area, found: Message, evidence: String = "", remedy: Message? = nil,
        severity: CheckResult.Severity = .blocker, outcome: CheckResult.Outcome = .fail
    ) -> CheckResult {
        CheckResult(
            id: id, area: area, title: title(id), severity: severity, outcome: outcome, expected: expected,
            found: found, evidence: evidence, remedy: remedy, seconds: 1.5)
    }

    static func skip(_ area: CheckResult.Area, _ reason: Message) -> CheckResult {
        VerifySuite.skipped(area, because: reason)
    }

    static let noClickHouse = Message(
        en: "ClickHouse does not answer (environment.clickhouse-answers)",
        ru: "ClickHouse не отвечает (environment.clickhouse-answers)")

    /// One run of each kind, by the name of its golden files.
    static let scenarios: [(name: String, report: VerificationReport)] = [
        ("pass", report(healthy)),
        (
            "fail",
            report(
                healthy(
                    with: [
                        fail(
                            "load.run", .load,
                            found: Message(en: "exit 1: 403 from the API", ru: "код 1: API ответил 403"),
                            evidence: "systemctl start qtickets_api.service\nstatus=error | error=<403>",
                            remedy: Message(
                                en: "check QTICKETS_TOKEN in the env file", ru: "проверьте QTICKETS_TOKEN в env-файле")),
                        skip(
                            .metadata,
                            Message(en: "the loader run failed (load.run)", ru: "запуск лоадера не удался (load.run)")),
                    ], dropping: ["metadata.last-run"]), attempts: 3)
        ),
        (
            "skip",
            report(
                healthy(
                    with: [
                        fail(
                            "environment.clickhouse-answers", .environment, found: .verbatim("connection refused"),
                            evidence: "SELECT 1", remedy: .verbatim("systemctl start clickhouse-server")),
                        skip(.database, noClickHouse), skip(.quality, noClickHouse), skip(.metadata, noClickHouse),
                        skip(.smoke, noClickHouse),
                    ],
                    dropping: [
                        "database.migrations", "database.objects", "database.writer-can-insert", "quality.staging",
                        "quality.view.v_sales_14d", "metadata.last-run", "smoke.no_negative_amounts",
                    ]))
        ),
        (
            "error",
            report(
                healthy(with: [
                    fail(
                        "smoke.no_negative_amounts", .smoke,
                        found: .verbatim("Code: 60. Unknown table zakaz.stg_qtickets_orders"),
                        evidence: "checks/smoke/no_negative_amounts.sql", outcome: .error)
                ]))
        ),
        (
            "partial",
            report(
                healthy.filter { $0.area == .environment || $0.area == .automation },
                partial: .init(areas: [.environment, .automation], hosts: nil))
        ),
        (
            "partial-fail",
            report(
                healthy(with: [
                    fail(
                        "automation.timer", .automation,
                        found: Message(en: "qtickets_api.timer is disabled", ru: "qtickets_api.timer выключен"),
                        evidence: "systemctl is-enabled qtickets_api.timer",
                        remedy: .verbatim("systemctl enable --now qtickets_api.timer"))
                ]).filter { $0.area == .automation }, partial: .init(areas: [.automation], hosts: ["museshow"]))
        ),
        (
            "warning",
            report(
                healthy(with: [
                    fail(
                        "automation.gate-override", .automation,
                        found: Message(
                            en: "deployed past a closed gate: hotfix", ru: "выложен при закрытом gate: hotfix"),
                        evidence: "grep 'gate override' /opt/zakaz_dashboard/shared/audit.jsonl",
                        remedy: Message(
                            en: "verify the release on staging, then deploy it again",
                            ru: "проверьте релиз на staging, затем выложите его снова"), severity: .warning),
                    fail(
                        "environment.ports", .environment,
                        found: Message(en: "8123 on 0.0.0.0", ru: "8123 на 0.0.0.0"), severity: .warning),
                ]), binary: .init(sha256: String(repeating: "e", count: 64), builtElsewhere: true),
                revision: "0123456789ab+dirty")
        ),
        (
            "no-smoke",
            report(
                healthy(
                    with: [
                        VerifySuite.shippedCheck(
                            .smoke, release: release, count: 0, gap: nil, root: "/opt/zakaz_dashboard",
                            environment: "museshow")
                    ], dropping: ["smoke.no_negative_amounts", "monitoring.healthcheck"]), binary: nil,
                revision: nil)
        ),
    ]

    @Test(
        "each run renders exactly its golden Markdown (ru, en), JSON and JUnit",
        arguments: ["pass", "fail", "skip", "error", "partial", "partial-fail", "warning", "no-smoke"])
    func golden(_ name: String) throws {
        let report = try #require(Self.scenarios.first { $0.name == name }?.report)
        let renderings = [
            ("\(name).ru.md", report.markdown(language: .russian)),
            ("\(name).en.md", report.markdown(language: .english)),
            ("\(name).json", String(decoding: try report.json(), as: UTF8.self)),
            ("\(name).junit.xml", report.junit()),
        ]
        for (file, text) in renderings {
            let url = Self.fixtures.appendingPathComponent(file)
            if ProcessInfo.processInfo.environment["DEPLOYCTL_UPDATE_GOLDEN"] == "1" {
                try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            let golden = try String(contentsOf: url, encoding: .utf8)
            #expect(text == golden, "\(file) differs from its golden file:\n\(text)")
        }
    }

    @Test("every golden e2e-report.json validates against docs/e2e-report.schema.json")
    func goldenJSONFollowsTheSchema() throws {
        let schema = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/e2e-report.schema.json")
        for (name, _) in Self.scenarios {
            let validation = Process()
            validation.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            validation.arguments = [
                "-c",
                "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                Self.fixtures.appendingPathComponent("\(name).json").path, schema.path,
            ]
            try validation.run()
            validation.waitUntilExit()
            #expect(validation.terminationStatus == 0, "\(name).json validates")
        }
    }

    @Test("ready only when every criterion is met: no smoke check or an area without checks is not ready, and says why")
    func readyNeedsEveryCriterion() throws {
        #expect(Self.report(Self.healthy).passed)
        let report = try #require(Self.scenarios.first { $0.name == "no-smoke" }?.report)
        #expect(!report.passed && report.verdict == .checkFailed)
        let markdown = report.markdown(language: .russian)
        #expect(!markdown.contains("✅ ГОТОВО"), "\(markdown)")
        #expect(markdown.contains("## Вердикт: ❌ НЕ ГОТОВО к выкладке"))
        #expect(markdown.contains("6. ❌ Smoke-проверки качества данных пройдены: не пройдено: `smoke.shipped`"))
        #expect(markdown.contains("4. ❌ Healthcheck показывает статус `ok`: его не решает ни одна проверка"))
        #expect(markdown.contains("## 6. Мониторинг\n\n❌ _Ни одной проверки в этой области"), "the empty area is shown")
        #expect(report.failureSummary.contains("no check ran in area \"6. Monitoring\""), "\(report.failureSummary)")
        // Only skips in a criterion's checks: not met either.
        let skipped = try #require(Self.scenarios.first { $0.name == "skip" }?.report)
        #expect(!skipped.passed)
        #expect(
            skipped.markdown(language: .english).contains(
                "1. ❌ Migrations applied without errors: no check passed, skipped: `database.skipped`"))
        // A warning does not keep the release back.
        let warning = try #require(Self.scenarios.first { $0.name == "warning" }?.report)
        #expect(warning.passed && warning.markdown(language: .russian).contains("## Вердикт: ✅ ГОТОВО к выкладке"))
    }

    @Test("a partial run says so in its title and verdict, is never ready, and its record never counts as a pass")
    func partialIsNeverReady() throws {
        let report = try #require(Self.scenarios.first { $0.name == "partial" }?.report)
        #expect(report.checksPassed && !report.passed && report.verdict == .success)
        let russian = report.markdown(language: .russian)
        #expect(russian.hasPrefix("# TASK-QT-API-E2E-REPORT: частичная проверка: environment, automation\n"))
        #expect(
            russian.contains("## Вердикт: ⚠️ частичная проверка: environment, automation, это не вердикт о выкладке"))
        #expect(!russian.contains("ГОТОВО"), "\(russian)")
        let english = report.markdown(language: .english)
        #expect(english.contains("## Verdict: ⚠️ partial verification: environment, automation"))
        #expect(!english.contains("READY"))
        #expect(english.contains("4. ➖ The healthcheck says `ok` (not checked: partial verification)"))
        #expect(english.contains("## 8. Smoke checks\n\n_Not checked: partial verification._"))
        #expect(
            !VerificationRecord(report: report, reportSHA256: "x", sums: nil).passed, "a partial pass opens no gate")
        let failed = try #require(Self.scenarios.first { $0.name == "partial-fail" }?.report)
        #expect(failed.verdict == .checkFailed && failed.failureSummary.contains("automation.timer"))
        #expect(
            failed.markdown(language: .russian).contains(
                "## Вердикт: ❌ частичная проверка: automation; хост museshow, НЕ ГОТОВО к выкладке"))
    }

    @Test("JUnit: the verdict is a test case of its own; a failed warning is no failure")
    func junitVerdict() throws {
        let noSmoke = try #require(Self.scenarios.first { $0.name == "no-smoke" }?.report).junit()
        #expect(noSmoke.contains("name=\"verdict.ready\"") && noSmoke.contains("<failure message=\"not ready"))
        let warning = try #require(Self.scenarios.first { $0.name == "warning" }?.report).junit()
        #expect(!warning.contains("<failure") && warning.contains("<system-out>warning: deployed past a closed gate"))
        #expect(
            try #require(Self.scenarios.first { $0.name == "partial" }?.report).junit().contains(
                "<skipped message=\"partial verification"))
    }
}
