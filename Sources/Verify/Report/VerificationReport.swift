import Console
import Crypto
import Foundation
import Migrator

/// The result of `deployctl verify <env>`: every host's checks, the six success criteria, the
/// verdict; rendered as `TASK-QT-API-E2E-REPORT.md` (Russian by default) and `e2e-report.json`.
public struct VerificationReport: CommandOutput, Codable {
    public static let currentSchema = "deployctl-e2e/1"

    public struct Host: Sendable, Codable {
        public let host: String
        /// `SHA256:…` of the host key seen.
        public let hostKey: String
        public let release: String?
        public let checks: [CheckResult]
        /// How many times the failing checks ran (`--retry-timeout`); nil for a single run.
        public let attempts: Int?

        public init(host: String, hostKey: String, release: String?, checks: [CheckResult], attempts: Int = 1) {
            self.host = host
            self.hostKey = hostKey
            self.release = release
            self.checks = checks
            self.attempts = attempts > 1 ? attempts : nil
        }
    }

    public let schema: String
    public let environment: String
    /// The release fingerprint verified (the release `current` points at).
    public let release: String?
    public let revision: String?
    public let deployctlVersion: String
    public let startedAt: String
    public let finishedAt: String
    public let actor: String
    /// The migration head and the checksums of the applied migrations, by version.
    public let migrationHead: String?
    public let migrationChecksums: [String: String]
    public let hosts: [Host]

    public init(
        environment: String, release: String?, revision: String?, deployctlVersion: String, startedAt: Date,
        finishedAt: Date, actor: String,
        migrationHead: String?, migrationChecksums: [String: String], hosts: [Host]
    ) {
        schema = Self.currentSchema
        self.environment = environment
        self.release = release
        self.revision = revision
        self.deployctlVersion = deployctlVersion
        let format = ISO8601DateFormatter()
        self.startedAt = format.string(from: startedAt)
        self.finishedAt = format.string(from: finishedAt)
        self.actor = actor
        self.migrationHead = migrationHead
        self.migrationChecksums = migrationChecksums
        self.hosts = hosts
    }

    public var checks: [CheckResult] { hosts.flatMap(\.checks) }
    public var blocking: [CheckResult] { checks.filter(\.blocks) }
    /// Passed: no blocker failed, and every host runs the same release.
    public var passed: Bool { blocking.isEmpty && Set(hosts.map(\.release)).count == 1 && release != nil }

    public var verdict: Verdict { passed ? .success : .checkFailed }
    public var failureSummary: String {
        blocking.isEmpty
            ? "the hosts do not all run one release"
            : "\(blocking.count) blocking check(s) failed: " + blocking.map(\.id).joined(separator: ", ")
    }

    /// The six success criteria of the original E2E task, each with the checks that decide it.
    public struct Criterion: Sendable {
        public let russian: String
        public let english: String
        public let prefixes: [String]
    }

    public static let criteria = [
        Criterion(
            russian: "Миграция применена без ошибок", english: "Migrations applied without errors",
            prefixes: ["database."]),
        Criterion(
            russian: "Лоадер успешно загрузил данные из QTickets API",
            english: "The loader loaded data from the QTickets API", prefixes: ["load.", "metadata."]),
        Criterion(
            russian: "Данные присутствуют в ClickHouse таблицах", english: "The data is in the ClickHouse tables",
            prefixes: ["quality."]),
        Criterion(
            russian: "Healthcheck показывает статус `ok`", english: "The healthcheck says `ok`",
            prefixes: ["monitoring."]),
        Criterion(
            russian: "Systemd сервис корректно настроен и работает", english: "The systemd service is set up and runs",
            prefixes: ["automation."]),
        Criterion(
            russian: "Smoke-проверки качества данных пройдены", english: "The data quality smoke checks pass",
            prefixes: ["smoke."]),
    ]

    func criterionMet(_ criterion: Criterion) -> Bool {
        let relevant = checks.filter { check in criterion.prefixes.contains { check.id.hasPrefix($0) } }
        return !relevant.isEmpty && !relevant.contains(where: \.blocks) && relevant.contains { $0.outcome == .pass }
    }

    // MARK: - Text

    public func render(_ terminal: Terminal) -> String {
        var lines = [
            (passed
                ? terminal.paint("ГОТОВО к выкладке / ready to roll out", "32;1")
                : terminal.paint("НЕ ГОТОВО / not ready", "31;1"))
                + ": \(environment), release \(release ?? "none")"
        ]
        for host in hosts {
            lines.append(
                terminal.bold(host.host) + "  " + terminal.dim(host.hostKey)
                    + (host.attempts.map { "  (\($0) attempts)" } ?? ""))
            lines.append(
                Terminal.table(
                    host.checks.map { check in
                        let status: CheckStatus =
                            check.outcome == .pass
                            ? .ok : (check.severity == .warning || check.outcome == .skip ? .warn : .fail)
                        return [
                            terminal.status(status), check.id, check.found.replacingOccurrences(of: "\n", with: " "),
                        ]
                    }))
        }
        let counts = Dictionary(grouping: checks, by: \.outcome).mapValues(\.count)
        lines.append(
            "\(counts[.pass] ?? 0) passed, \(counts[.fail] ?? 0) failed, \(counts[.skip] ?? 0) skipped, \(counts[.error] ?? 0) error(s)"
        )
        return lines.joined(separator: "\n")
    }

    /// `TASK-QT-API-E2E-REPORT.md`.
    public func markdown(language: ReportLanguage) -> String {
        let ru = language == .russian
        var md: [String] = []
        md.append(
            ru
                ? "# TASK-QT-API-E2E-REPORT: сквозная проверка пайплайна QTickets API"
                : "# TASK-QT-API-E2E-REPORT: end-to-end verification of the QTickets API pipeline")
        md.append("")
        if passed {
            md.append(ru ? "## Вердикт: ✅ ГОТОВО к выкладке" : "## Verdict: ✅ READY to roll out")
        } else {
            md.append(ru ? "## Вердикт: ❌ НЕ ГОТОВО к выкладке" : "## Verdict: ❌ NOT READY to roll out")
            md.append("")
            md.append(ru ? "Блокирующие причины:" : "Blocking reasons:")
            for check in blocking { md.append("- `\(check.id)`: \(check.found)") }
            if blocking.isEmpty {
                md.append(ru ? "- хосты работают на разных релизах" : "- the hosts do not all run one release")
            }
        }
        md.append("")
        md.append(ru ? "| Параметр | Значение |" : "| Item | Value |")
        md.append("| --- | --- |")
        let rows: [(String, String, String)] = [
            ("Окружение", "Environment", environment), ("Релиз (отпечаток)", "Release (fingerprint)", release ?? "—"),
            ("Git-ревизия", "Git revision", revision ?? "—"),
            (
                "Хосты", "Hosts",
                hosts.map { host in
                    "\(host.host) (\(host.hostKey))"
                        + (host.attempts.map { ru ? ", попыток: \($0)" : ", \($0) attempts" } ?? "")
                }.joined(separator: ", ")
            ),
            ("Голова миграций", "Migration head", migrationHead ?? "—"),
            ("Версия deployctl", "deployctl version", deployctlVersion),
            ("Начало", "Started", startedAt), ("Окончание", "Finished", finishedAt), ("Кто", "By", actor),
        ]
        for row in rows { md.append("| \(ru ? row.0 : row.1) | \(Self.cell(row.2)) |") }
        md.append("")
        md.append(ru ? "## Критерии успеха" : "## Success criteria")
        md.append("")
        for (index, criterion) in Self.criteria.enumerated() {
            md.append(
                "\(index + 1). \(criterionMet(criterion) ? "✅" : "❌") \(ru ? criterion.russian : criterion.english)")
        }
        for area in CheckResult.Area.allCases {
            let areaChecks = hosts.flatMap { host in host.checks.filter { $0.area == area }.map { (host.host, $0) } }
            guard !areaChecks.isEmpty else { continue }
            md.append("")
            md.append("## \(Self.areaTitle(area, russian: ru))")
            md.append("")
            md.append(
                ru
                    ? "| | Хост | Проверка | Ожидалось | Найдено | Время |"
                    : "| | Host | Check | Expected | Found | Time |")
            md.append("| --- | --- | --- | --- | --- | --- |")
            for (host, check) in areaChecks {
                let mark =
                    check.outcome == .pass ? "✅" : (check.outcome == .skip || check.severity == .warning ? "⚠️" : "❌")
                md.append(
                    "| \(mark) | \(host) | \(Self.cell(check.title)) | \(Self.cell(check.expected)) | \(Self.cell(check.found)) | \(String(format: "%.2f s", check.seconds)) |"
                )
            }
            for (host, check) in areaChecks where check.outcome != .pass && check.outcome != .skip {
                md.append("")
                md.append(
                    "**\(check.id)** (\(host)): " + (ru ? "что делать: " : "what to do: ")
                        + (check.remedy ?? (ru ? "см. вывод ниже" : "see the output below")))
                if !check.evidence.isEmpty {
                    md.append("")
                    md.append("```")
                    md.append(check.evidence)
                    md.append("```")
                }
            }
        }
        md.append("")
        md.append(
            ru
                ? "_Отчёт записан командой `deployctl verify`; каждая проверка выполнена самим deployctl, секреты скрыты. Машиночитаемая версия: `e2e-report.json`._"
                : "_Written by `deployctl verify`; deployctl ran every check itself, secrets are redacted. Machine-readable: `e2e-report.json`._"
        )
        return md.joined(separator: "\n") + "\n"
    }

    /// JUnit XML, one test case per check, for CI.
    public func junit() -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failures = checks.filter { $0.outcome == .fail }.count
        let errors = checks.filter { $0.outcome == .error }.count
        var xml = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"deployctl verify \(escape(environment))\" tests=\"\(checks.count)\" failures=\"\(failures)\" errors=\"\(errors)\">",
        ]
        for host in hosts {
            xml.append("  <testsuite name=\"\(escape(host.host))\" tests=\"\(host.checks.count)\">")
            for check in host.checks {
                xml.append(
                    "    <testcase classname=\"\(escape(check.area.rawValue))\" name=\"\(escape(check.id))\" time=\"\(String(format: "%.3f", check.seconds))\">"
                )
                switch check.outcome {
                case .fail:
                    xml.append("      <failure message=\"\(escape(check.found))\">\(escape(check.evidence))</failure>")
                case .error:
                    xml.append("      <error message=\"\(escape(check.found))\">\(escape(check.evidence))</error>")
                case .skip: xml.append("      <skipped message=\"\(escape(check.found))\"/>")
                case .pass: break
                }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    /// The JSON of `e2e-report.json`.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    static func areaTitle(_ area: CheckResult.Area, russian: Bool) -> String {
        let titles: [CheckResult.Area: (String, String)] = [
            .environment: ("1. Окружение", "1. Environment"), .database: ("2. База данных", "2. Database"),
            .load: ("3. Загрузка данных", "3. Data load"), .quality: ("4. Качество данных", "4. Data quality"),
            .metadata: ("5. Метаданные", "5. Metadata"), .monitoring: ("6. Мониторинг", "6. Monitoring"),
            .automation: ("7. Автоматизация", "7. Automation"), .smoke: ("8. Smoke-проверки", "8. Smoke checks"),
        ]
        let title = titles[area] ?? (area.rawValue, area.rawValue)
        return russian ? title.0 : title.1
    }
}

/// The language of the Markdown report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case russian = "ru", english = "en"
}

extension Data {
    /// Lowercase hex SHA-256.
    public var sha256Hex: String { SHA256.hash(data: self).hexadecimal }
}
