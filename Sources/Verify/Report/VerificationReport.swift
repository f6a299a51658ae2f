import Console
import Crypto
import Foundation
import Migrator

/// The result of `deployctl verify <env>`: every host's checks, the six success criteria, the
/// verdict; rendered as `TASK-QT-API-E2E-REPORT.md` (Russian by default) and `e2e-report.json`.
public struct VerificationReport: CommandOutput, Encodable {
    public static let currentSchema = "deployctl-e2e/1"

    public struct Host: Sendable, Encodable {
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

    /// What a partial run (`--only`, `--host`) covered; a full verification has none.
    public struct Scope: Sendable, Codable, Equatable {
        /// The areas run, in report order.
        public let areas: [CheckResult.Area]
        /// The hosts run (`--host`); nil for every host of the environment.
        public let hosts: [String]?

        public init(areas: Set<CheckResult.Area>?, hosts: [String]?) {
            self.areas = CheckResult.Area.allCases.filter { areas?.contains($0) ?? true }
            self.hosts = hosts
        }
    }

    /// Where the release's `bin/qtickets-api` came from.
    public struct Binary: Sendable, Codable, Equatable {
        /// SHA-256 of the binary, as the release manifest lists it.
        public let sha256: String
        /// Whether `release build --binary` took it from outside the checkout, so the revision does not describe it.
        public let builtElsewhere: Bool

        public init(sha256: String, builtElsewhere: Bool) {
            self.sha256 = sha256
            self.builtElsewhere = builtElsewhere
        }
    }

    public let schema: String
    public let environment: String
    /// The release fingerprint verified (the release `current` points at).
    public let release: String?
    /// The git revision the release's files came from (`<commit>` or `<commit>+dirty`), from its manifest.
    public let revision: String?
    public let binary: Binary?
    public let deployctlVersion: String
    public let startedAt: String
    public let finishedAt: String
    public let actor: String
    /// The migration head and the checksums of the applied migrations, by version.
    public let migrationHead: String?
    public let migrationChecksums: [String: String]
    /// Set for a partial run: it says so and is never a verdict on rolling out.
    public let partial: Scope?
    public let hosts: [Host]

    public init(
        environment: String, release: String?, revision: String?, binary: Binary? = nil, deployctlVersion: String,
        startedAt: Date, finishedAt: Date, actor: String,
        migrationHead: String?, migrationChecksums: [String: String], partial: Scope? = nil, hosts: [Host]
    ) {
        schema = Self.currentSchema
        self.environment = environment
        self.release = release
        self.revision = revision
        self.binary = binary
        self.deployctlVersion = deployctlVersion
        let format = ISO8601DateFormatter()
        self.startedAt = format.string(from: startedAt)
        self.finishedAt = format.string(from: finishedAt)
        self.actor = actor
        self.migrationHead = migrationHead
        self.migrationChecksums = migrationChecksums
        self.partial = partial
        self.hosts = hosts
    }

    public var checks: [CheckResult] { hosts.flatMap(\.checks) }
    public var blocking: [CheckResult] { checks.filter(\.blocks) }
    /// Ready to roll out: a full verification in which every blocker passed, every area ran checks,
    /// each of the six criteria is met, and every host runs the same release. A partial run never is.
    public var passed: Bool { partial == nil && reasons.isEmpty }
    /// No blocker failed among the checks that ran (what a partial run's exit status says).
    public var checksPassed: Bool { blocking.isEmpty }

    public var verdict: Verdict { (partial == nil ? passed : checksPassed) ? .success : .checkFailed }
    public var failureSummary: String {
        let english = reasons.map(\.english)
        return (partial.map { "partial verification (\(Self.scopeText($0, russian: false))): " } ?? "")
            + english.joined(separator: "; ")
    }

    /// Why the release is not ready; empty when it is. For a partial run: its blockers.
    public var reasons: [Message] {
        var reasons = blocking.map { check in check.found.map { "`\(check.id)`: \($0)" } }
        guard partial == nil else { return reasons }
        if hosts.isEmpty {
            reasons.append(Message(en: "no host was verified", ru: "ни один хост не проверен"))
        } else if release == nil || hosts.contains(where: { $0.release == nil }) {
            reasons.append(
                Message(
                    en: "a host has no current release (`current`)", ru: "на хосте нет текущего релиза (`current`)"))
        } else if Set(hosts.map(\.release)).count > 1 {
            reasons.append(Message(en: "the hosts do not all run one release", ru: "хосты работают на разных релизах"))
        }
        for area in CheckResult.Area.allCases where !checks.contains(where: { $0.area == area }) {
            let title = Self.areaTitle(area)
            reasons.append(
                Message(
                    en: "no check ran in area \"\(title.english)\"",
                    ru: "в области «\(title.russian)» не выполнено ни одной проверки"))
        }
        for (index, criterion) in Self.criteria.enumerated() {
            guard let why = criterionShortfall(criterion) else { continue }
            reasons.append(
                Message(
                    en: "criterion \(index + 1) \"\(criterion.title.english)\" is not met: \(why.english)",
                    ru: "критерий \(index + 1) «\(criterion.title.russian)» не выполнен: \(why.russian)"))
        }
        return reasons
    }

    /// The six success criteria of the original E2E task, each with the checks that decide it.
    public struct Criterion: Sendable {
        public let title: Message
        public let prefixes: [String]
    }

    public static let criteria = [
        Criterion(
            title: Message(en: "Migrations applied without errors", ru: "Миграция применена без ошибок"),
            prefixes: ["database."]),
        Criterion(
            title: Message(
                en: "The loader loaded data from the QTickets API", ru: "Лоадер успешно загрузил данные из QTickets API"
            ),
            prefixes: ["load.", "metadata."]),
        Criterion(
            title: Message(en: "The data is in the ClickHouse tables", ru: "Данные присутствуют в ClickHouse таблицах"),
            prefixes: ["quality."]),
        Criterion(
            title: Message(en: "The healthcheck says `ok`", ru: "Healthcheck показывает статус `ok`"),
            prefixes: ["monitoring."]),
        Criterion(
            title: Message(
                en: "The systemd service is set up and runs", ru: "Systemd сервис корректно настроен и работает"),
            prefixes: ["automation."]),
        Criterion(
            title: Message(en: "The data quality smoke checks pass", ru: "Smoke-проверки качества данных пройдены"),
            prefixes: ["smoke."]),
    ]

    /// Why `criterion` is not met, or nil when it is: no check decides it, a blocker among them
    /// failed, or none of them passed.
    func criterionShortfall(_ criterion: Criterion) -> Message? {
        let relevant = checks.filter { check in criterion.prefixes.contains { check.id.hasPrefix($0) } }
        let failed = relevant.filter(\.blocks).map { "`\($0.id)`" }.joined(separator: ", ")
        let skipped = relevant.filter { $0.outcome == .skip }.map { "`\($0.id)`" }.joined(separator: ", ")
        if relevant.isEmpty {
            return Message(en: "no check decides it", ru: "его не решает ни одна проверка")
        } else if !failed.isEmpty {
            return Message(en: "failed: \(failed)", ru: "не пройдено: \(failed)")
        } else if !relevant.contains(where: { $0.outcome == .pass }) {
            return skipped.isEmpty
                ? Message(en: "no check passed", ru: "ни одна проверка не пройдена")
                : Message(
                    en: "no check passed, skipped: \(skipped)",
                    ru: "ни одна проверка не пройдена, пропущены: \(skipped)")
        }
        return nil
    }

    /// Whether a partial run left every check of `criterion` out.
    func outOfScope(_ criterion: Criterion) -> Bool {
        guard let partial else { return false }
        return !partial.areas.contains { area in criterion.prefixes.contains { $0 == area.rawValue + "." } }
    }

    /// `environment, automation; host prod2` (Russian: `…; хост prod2`).
    public static func scopeText(_ scope: Scope, russian: Bool) -> String {
        var parts: [String] = []
        if scope.areas.count < CheckResult.Area.allCases.count {
            parts.append(scope.areas.map(\.rawValue).joined(separator: ", "))
        }
        if let hosts = scope.hosts {
            parts.append(
                (russian ? (hosts.count == 1 ? "хост " : "хосты ") : (hosts.count == 1 ? "host " : "hosts "))
                    + hosts.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    // MARK: - Text

    public func render(_ terminal: Terminal) -> String {
        let headline: String
        if let partial {
            headline =
                terminal.paint(
                    "частичная проверка / partial verification: \(Self.scopeText(partial, russian: false))",
                    checksPassed ? "33;1" : "31;1") + (checksPassed ? ", no blocker failed" : ", a blocker failed")
        } else {
            headline =
                passed
                ? terminal.paint("ГОТОВО к выкладке / ready to roll out", "32;1")
                : terminal.paint("НЕ ГОТОВО / not ready", "31;1")
        }
        var lines = [headline + ": \(environment), release \(release ?? "none")"]
        if partial == nil, !passed {
            lines += reasons.map { "  " + $0.english }
        }
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
                            terminal.status(status), check.id,
                            check.found.english.replacingOccurrences(of: "\n", with: " "),
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
        let scope = partial.map { Self.scopeText($0, russian: ru) }
        if let scope {
            md.append(
                ru
                    ? "# TASK-QT-API-E2E-REPORT: частичная проверка: \(scope)"
                    : "# TASK-QT-API-E2E-REPORT: partial verification: \(scope)")
        } else {
            md.append(
                ru
                    ? "# TASK-QT-API-E2E-REPORT: сквозная проверка пайплайна QTickets API"
                    : "# TASK-QT-API-E2E-REPORT: end-to-end verification of the QTickets API pipeline")
        }
        md.append("")
        md += verdictSection(scope: scope, language: language)
        md.append("")
        md.append(ru ? "| Параметр | Значение |" : "| Item | Value |")
        md.append("| --- | --- |")
        for row in summaryRows(russian: ru) { md.append("| \(row.0) | \(Self.cell(row.1)) |") }
        md.append("")
        md.append(ru ? "## Критерии успеха" : "## Success criteria")
        md.append("")
        for (index, criterion) in Self.criteria.enumerated() {
            let title = criterion.title.text(language)
            if outOfScope(criterion) {
                md.append(
                    "\(index + 1). ➖ \(title) "
                        + (ru ? "(не проверялся: частичная проверка)" : "(not checked: partial verification)"))
            } else if let why = criterionShortfall(criterion) {
                md.append("\(index + 1). ❌ \(title): \(why.text(language))")
            } else {
                md.append("\(index + 1). ✅ \(title)")
            }
        }
        for area in CheckResult.Area.allCases {
            md.append("")
            md += areaSection(area, language: language)
        }
        md.append("")
        md.append(
            ru
                ? "_Отчёт записан командой `deployctl verify`; каждая проверка выполнена самим deployctl, секреты скрыты. Машиночитаемая версия: `e2e-report.json`._"
                : "_Written by `deployctl verify`; deployctl ran every check itself, secrets are redacted. Machine-readable: `e2e-report.json`._"
        )
        return md.joined(separator: "\n") + "\n"
    }

    private func verdictSection(scope: String?, language: ReportLanguage) -> [String] {
        let ru = language == .russian
        var md: [String] = []
        if let scope, checksPassed {
            md.append(
                ru
                    ? "## Вердикт: ⚠️ частичная проверка: \(scope), это не вердикт о выкладке"
                    : "## Verdict: ⚠️ partial verification: \(scope), no verdict on rolling out")
            md.append("")
            md.append(
                ru
                    ? "Проверенные области пройдены. Вердикт о выкладке даёт только полная проверка (`deployctl verify \(environment)` без `--only` и `--host`); частичная проверка не записывается на окружение и не открывает gate."
                    : "The areas checked passed. Only a full verification (`deployctl verify \(environment)` without `--only` or `--host`) gives a verdict on rolling out; a partial one is not recorded on the environment and opens no gate."
            )
            return md
        }
        if passed {
            return [ru ? "## Вердикт: ✅ ГОТОВО к выкладке" : "## Verdict: ✅ READY to roll out"]
        }
        if let scope {
            md.append(
                ru
                    ? "## Вердикт: ❌ частичная проверка: \(scope), НЕ ГОТОВО к выкладке"
                    : "## Verdict: ❌ partial verification: \(scope), NOT READY to roll out")
        } else {
            md.append(ru ? "## Вердикт: ❌ НЕ ГОТОВО к выкладке" : "## Verdict: ❌ NOT READY to roll out")
        }
        md.append("")
        md.append(ru ? "Блокирующие причины:" : "Blocking reasons:")
        for reason in reasons { md.append("- " + reason.text(language)) }
        return md
    }

    private func summaryRows(russian ru: Bool) -> [(String, String)] {
        var revisionText = revision ?? "—"
        if let revision, binary?.builtElsewhere == true {
            revisionText =
                revision
                + (ru
                    ? " (юниты, миграции, smoke-проверки; не бинарник qtickets-api)"
                    : " (units, migrations, smoke checks; not the qtickets-api binary)")
        }
        var rows: [(String, String)] = [
            (ru ? "Окружение" : "Environment", environment),
            (ru ? "Релиз (отпечаток)" : "Release (fingerprint)", release ?? "—"),
            (ru ? "Git-ревизия" : "Git revision", revisionText),
        ]
        if let binary {
            let origin =
                binary.builtElsewhere
                ? (ru ? "собран вне checkout (`release build --binary`)" : "built elsewhere (`release build --binary`)")
                : (ru ? "собран из checkout этой ревизии" : "built from the checkout at this revision")
            rows.append(("qtickets-api", "sha256 \(binary.sha256), \(origin)"))
        }
        if let partial {
            rows.append(
                (
                    ru ? "Объём проверки" : "Scope",
                    (ru ? "частичная проверка: " : "partial verification: ") + Self.scopeText(partial, russian: ru)
                ))
        }
        rows += [
            (
                ru ? "Хосты" : "Hosts",
                hosts.map { host in
                    "\(host.host) (\(host.hostKey))"
                        + (host.attempts.map { ru ? ", попыток: \($0)" : ", \($0) attempts" } ?? "")
                }.joined(separator: ", ")
            ),
            (ru ? "Голова миграций" : "Migration head", migrationHead ?? "—"),
            (ru ? "Версия deployctl" : "deployctl version", deployctlVersion),
            (ru ? "Начало" : "Started", startedAt), (ru ? "Окончание" : "Finished", finishedAt),
            (ru ? "Кто" : "By", actor),
        ]
        return rows
    }

    /// One area's table, what to do for each failure, or a line saying why the area has no checks.
    private func areaSection(_ area: CheckResult.Area, language: ReportLanguage) -> [String] {
        let ru = language == .russian
        var md = ["## \(Self.areaTitle(area).text(language))", ""]
        let areaChecks = hosts.flatMap { host in host.checks.filter { $0.area == area }.map { (host.host, $0) } }
        guard !areaChecks.isEmpty else {
            if let partial, !partial.areas.contains(area) {
                md.append(ru ? "_Не проверялась: частичная проверка._" : "_Not checked: partial verification._")
            } else {
                md.append(
                    ru
                        ? "❌ _Ни одной проверки в этой области: она не может считаться пройденной._"
                        : "❌ _No check ran in this area: it cannot count as passed._")
            }
            return md
        }
        md.append(
            ru
                ? "| | Хост | Проверка | Ожидалось | Найдено | Время |"
                : "| | Host | Check | Expected | Found | Time |")
        md.append("| --- | --- | --- | --- | --- | --- |")
        for (host, check) in areaChecks {
            let mark =
                check.outcome == .pass ? "✅" : (check.outcome == .skip || check.severity == .warning ? "⚠️" : "❌")
            md.append(
                "| \(mark) | \(host) | \(Self.cell(check.title.text(language))) | \(Self.cell(check.expected.text(language))) | \(Self.cell(check.found.text(language))) | \(String(format: "%.2f s", check.seconds)) |"
            )
        }
        for (host, check) in areaChecks where check.outcome != .pass && check.outcome != .skip {
            md.append("")
            md.append(
                "**\(check.id)** (\(host)): " + (ru ? "что делать: " : "what to do: ")
                    + (check.remedy ?? Message(en: "see the output below", ru: "см. вывод ниже")).text(language))
            if !check.evidence.isEmpty {
                md.append("")
                md.append("```")
                md.append(check.evidence)
                md.append("```")
            }
        }
        return md
    }

    /// JUnit XML, one test case per check, for CI, and one for the verdict itself (`verdict.ready`:
    /// failed with the reasons when not ready, skipped for a partial run). A warning that failed is
    /// a passing test case that says so in its output, as it does not keep the release back. In
    /// English whatever the report's language, as CI tools and their readers expect.
    public func junit() -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failing = checks.filter { $0.blocks && $0.outcome == .fail }.count
        let errors = checks.filter { $0.blocks && $0.outcome == .error }.count
        let verdictFails = partial == nil && !passed
        let name =
            "deployctl verify \(environment)"
            + (partial.map { " (partial: \(Self.scopeText($0, russian: false)))" } ?? "")
        var xml = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"\(escape(name))\" tests=\"\(checks.count + 1)\" failures=\"\(failing + (verdictFails ? 1 : 0))\" errors=\"\(errors)\">",
        ]
        for host in hosts {
            xml.append("  <testsuite name=\"\(escape(host.host))\" tests=\"\(host.checks.count)\">")
            for check in host.checks {
                xml.append(
                    "    <testcase classname=\"\(escape(check.area.rawValue))\" name=\"\(escape(check.id))\" time=\"\(String(format: "%.3f", check.seconds))\">"
                )
                switch check.outcome {
                case .fail where check.severity == .warning, .error where check.severity == .warning:
                    xml.append("      <system-out>warning: \(escape(check.found.english))</system-out>")
                case .fail:
                    xml.append(
                        "      <failure message=\"\(escape(check.found.english))\">\(escape(check.evidence))</failure>")
                case .error:
                    xml.append(
                        "      <error message=\"\(escape(check.found.english))\">\(escape(check.evidence))</error>")
                case .skip: xml.append("      <skipped message=\"\(escape(check.found.english))\"/>")
                case .pass: break
                }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("  <testsuite name=\"verdict\" tests=\"1\">")
        xml.append("    <testcase classname=\"verdict\" name=\"verdict.ready\" time=\"0.000\">")
        if let partial {
            xml.append(
                "      <skipped message=\"\(escape("partial verification (\(Self.scopeText(partial, russian: false))): no verdict on rolling out"))\"/>"
            )
        } else if !passed {
            let reasons = reasons.map(\.english)
            xml.append(
                "      <failure message=\"\(escape("not ready: \(reasons.count) reason(s)"))\">\(escape(reasons.joined(separator: "\n")))</failure>"
            )
        }
        xml.append("    </testcase>")
        xml.append("  </testsuite>")
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    /// The JSON of `e2e-report.json`: English text in each check's fields, the Russian in its `ru`.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    static func areaTitle(_ area: CheckResult.Area) -> Message {
        switch area {
        case .environment: Message(en: "1. Environment", ru: "1. Окружение")
        case .database: Message(en: "2. Database", ru: "2. База данных")
        case .load: Message(en: "3. Data load", ru: "3. Загрузка данных")
        case .quality: Message(en: "4. Data quality", ru: "4. Качество данных")
        case .metadata: Message(en: "5. Metadata", ru: "5. Метаданные")
        case .monitoring: Message(en: "6. Monitoring", ru: "6. Мониторинг")
        case .automation: Message(en: "7. Automation", ru: "7. Автоматизация")
        case .smoke: Message(en: "8. Smoke checks", ru: "8. Smoke-проверки")
        }
    }
}

extension Data {
    /// Lowercase hex SHA-256.
    public var sha256Hex: String { SHA256.hash(data: self).hexadecimal }
}
