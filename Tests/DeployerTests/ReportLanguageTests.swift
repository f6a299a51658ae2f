import ClickHouse
import Environments
import Foundation
import Testbed
import Testing

@testable import Verify

/// The E2E report in each of its languages: the Russian one has no English sentence outside
/// identifiers, commands and what hosts and servers said; the English one has no Russian. The
/// checks come from the golden scenarios, from the suite run against a host that answers nothing
/// and a ClickHouse that refuses connections, and from the builders of the checks' findings.
@Suite("the report in Russian and in English, every sentence from one catalogue")
struct ReportLanguageTests {
    /// Words that stay Latin in a Russian sentence: commands and their subcommands, product names,
    /// systemd's states, the team's own jargon, the areas and the test environment's name.
    static let terms: Set<String> = Set(CheckResult.Area.allCases.map(\.rawValue)).union([
        "museshow", "version",
        "API", "ClickHouse", "QTickets", "HTTP", "SSH", "native", "systemctl", "journalctl", "deployctl", "docker",
        "curl", "start", "enable", "disable", "status", "logs", "show", "cat", "list", "timers", "migrate", "up",
        "repair", "release", "build", "deploy", "unmask", "secrets", "push", "verify", "healthcheck", "staging",
        "gate", "smoke", "loopback", "health", "check", "healthy", "starting", "running", "active", "inactive",
        "enabled", "masked", "ok", "warning", "critical", "data", "checkout", "Systemd", "writer", "GRANT", "INSERT",
        "SELECT", "ON", "TO", "err", "run", "id", "env", "text", "plain",
    ])

    /// Runs of two or more Latin words, not all of them `terms`, in the prose of `markdown`: its text
    /// without code blocks and spans (commands, SQL, evidence) and without `values`, the text a check
    /// quotes as the host or server said it.
    static func englishSentences(in markdown: String, values: Set<String>) -> [String] {
        var prose = markdown.replacingOccurrences(of: "```[^`]*```", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "`[^`]*`", with: " ", options: .regularExpression)
        for value in values.sorted(by: { $0.count > $1.count }) where value.count > 3 {
            prose = prose.replacingOccurrences(of: VerificationReport.cell(value), with: " ")
        }
        var sentences: [String] = []
        for line in prose.split(separator: "\n") {
            var run: [String] = []
            func close() {
                if run.count >= 2 && !run.allSatisfy(terms.contains) { sentences.append(run.joined(separator: " ")) }
                run = []
            }
            for token in line.split(whereSeparator: \.isWhitespace) {
                let word = token.trimmingCharacters(in: CharacterSet(charactersIn: ",;:()«»\"'.!?*_—"))
                if !word.isEmpty, word.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    run.append(word)
                    // A colon or semicolon ends a clause: what follows is its own.
                    if token.hasSuffix(":") || token.hasSuffix(";") { close() }
                } else {
                    close()
                }
            }
            close()
        }
        return sentences
    }

    static func messages(_ check: CheckResult) -> [Message] {
        [check.title, check.expected, check.found] + (check.remedy.map { [$0] } ?? [])
    }

    /// A check that shows `found`, for the builders that make only a finding.
    static func showing(_ found: Message, _ index: Int) -> CheckResult {
        CheckResult(
            id: "automation.builder-\(index)", area: .automation, title: VerificationReportTests.title("builder"),
            outcome: .fail, expected: VerificationReportTests.expected, found: found)
    }

    /// The raw text the builders below are given, which their findings quote as it is.
    static let quoted: Set<String> = [
        "Failed to start x.service: Unit x.service is masked.", "Error: no such object: ch-zakaz", "exited",
        "unhealthy", "hotfix",
    ]

    /// Every finding the builders make, from answers that reach each of their branches.
    static func builderFindings() -> [Message] {
        let containers = ["running healthy", "running starting", "running unhealthy", "running ", "exited ", ""]
            .map { VerifySuite.containerVerdict($0).found }
        let deployed = 1_000_000
        let timers = [
            (deployed + 1200, deployed, deployed + 900, 900), (deployed + 600, deployed, nil, 900),
            (deployed + 3600, deployed, deployed - 60, 900), (deployed + 3600, deployed, nil, 900),
        ].map { VerifySuite.timerFired(now: $0.0, deployed: $0.1, triggered: $0.2, period: $0.3).found }
        let timerErrors = [
            VerifySuite.timerFired(now: nil, deployed: deployed, triggered: nil, period: 900).found,
            VerifySuite.timerFired(now: deployed, deployed: deployed, triggered: nil, period: nil).found,
        ]
        let loaderRuns = [
            "Result=success", "start_status=1\nstart_error=Failed to start x.service: Unit x.service is masked.",
            "started_before=100\nstart_status=0\nstarted_after=100\nResult=success\nExecMainStatus=0",
            "start_status=0\nstarted_after=200\nResult=exit-code\nExecMainStatus=1",
        ].compactMap { LoaderRunOutcome.judge(VerifyFacts(output: $0, command: "").answer).problem }
        let reconciliations = Reconciliation.all.values.sorted { $0.object < $1.object }.flatMap {
            [$0.unit, $0.source] + ($0.emptyMeaning.map { [$0] } ?? [])
        }
        return containers + timers + timerErrors + loaderRuns + reconciliations + [VerifySuite.serverErrorRemedy]
    }

    /// `shippedCheck` for a release without smoke checks or units, and for a host without a release.
    static let shippedChecks = [
        VerifySuite.shippedCheck(
            .smoke, release: "0123456789abcdef", count: 2, gap: nil, root: "/opt/zakaz_dashboard",
            environment: "museshow"),
        VerifySuite.shippedCheck(
            .automation, release: "0123456789abcdef", count: 0, gap: nil, root: "/opt/zakaz_dashboard",
            environment: "museshow"),
        VerifySuite.shippedCheck(
            .automation, release: nil, count: 0, gap: nil, root: "/opt/zakaz_dashboard", environment: "museshow"),
    ]

    /// The suite's own results on museshow's host, which answers every command with nothing, while
    /// ClickHouse refuses connections: the areas that need it are skipped, the others fail.
    static func suiteResults() async throws -> [CheckResult] {
        let environment = try VerifyInstructionsTests.environment("museshow")
        let refused = ClickHouseClient(
            endpoint: ClickHouseEndpoint(url: URL(string: "http://127.0.0.1:1")!, user: "admin", password: "secret"),
            readAttempts: 1)
        let target = VerifyTarget(
            environment: environment, hostName: "museshow", host: InMemoryHost(label: "museshow"), admin: refused,
            writer: refused, root: "/opt/zakaz_dashboard", envFile: "/opt/zakaz_dashboard/secrets/.env.qtickets_api",
            unitsDirectory: "/etc/systemd/system", release: "0123456789abcdef",
            units: ["qtickets_api.service", "qtickets_api.timer", "qtickets_healthcheck.service"], migrations: [],
            smokeChecks: [SmokeCheck(name: "no_negative_amounts", sql: "SELECT 0, ''")], loaderHost: true,
            dropIns: [:], redact: Redactor(secrets: []))
        return await VerifySuite(target: target).run()
    }

    /// Every report the tests know: the golden scenarios and one of every check built here.
    static func reports() async throws -> [(name: String, report: VerificationReport)] {
        let built =
            try await suiteResults() + shippedChecks + builderFindings().enumerated().map { showing($1, $0) }
        return VerificationReportTests.scenarios + [("built", VerificationReportTests.report(built))]
    }

    @Test("the Russian report has no English sentence outside identifiers, commands, evidence and quoted values")
    func russianHasNoEnglish() async throws {
        for (name, report) in try await Self.reports() {
            let values = Set(report.checks.flatMap(Self.messages).filter { $0.english == $0.russian }.map(\.english))
                .union(Self.quoted)
            let english = Self.englishSentences(in: report.markdown(language: .russian), values: values)
            #expect(english.isEmpty, "\(name).ru.md: \(english)")
        }
    }

    @Test("the English report has no Cyrillic")
    func englishHasNoRussian() async throws {
        for (name, report) in try await Self.reports() {
            let markdown = report.markdown(language: .english)
            let russian = markdown.split(separator: "\n").filter {
                $0.range(of: "\\p{Cyrillic}", options: .regularExpression) != nil
            }
            #expect(russian.isEmpty, "\(name).en.md: \(russian)")
        }
    }

    @Test("every sentence of every check, criterion, area and verdict reason is there in both languages")
    func everyMessageHasBothLanguages() async throws {
        let reports = try await Self.reports()
        let messages =
            reports.flatMap { $0.report.checks.flatMap(Self.messages) + $0.report.reasons }
            + VerificationReport.criteria.map(\.title) + CheckResult.Area.allCases.map(VerificationReport.areaTitle)
        for message in messages {
            #expect(!message.english.isEmpty && !message.russian.isEmpty, "\(message)")
            #expect(
                message.english.range(of: "\\p{Cyrillic}", options: .regularExpression) == nil,
                "English with Russian: \(message)")
        }
        let sentences = messages.filter { $0.english != $0.russian }
        #expect(
            sentences.allSatisfy { $0.russian.range(of: "\\p{Cyrillic}", options: .regularExpression) != nil },
            "a sentence whose Russian has no Russian word")
        #expect(sentences.count > 100, "the built checks cover the catalogue: \(sentences.count) sentences")
    }

    @Test("e2e-report.json keeps the English in its fields and carries the Russian beside it in ru")
    func jsonCarriesBothLanguages() throws {
        let report = try #require(VerificationReportTests.scenarios.first { $0.name == "fail" }?.report)
        let json = try JSONSerialization.jsonObject(with: try report.json()) as? [String: Any]
        let checks = ((json?["hosts"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]]) ?? []
        let run = try #require(checks.first { $0["id"] as? String == "load.run" })
        #expect(run["found"] as? String == "exit 1: 403 from the API")
        let russian = try #require(run["ru"] as? [String: String])
        #expect(
            russian["found"] == "код 1: API ответил 403" && russian["remedy"] == "проверьте QTICKETS_TOKEN в env-файле")
    }
}
