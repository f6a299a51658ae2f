import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import Notify
import SSH
import Verify

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Run the E2E suite on every host, write TASK-QT-API-E2E-REPORT.md and e2e-report.json, and record the verdict on the environment.",
        discussion: """
            The eight areas of the original E2E task: environment, database, load, quality, metadata, monitoring, automation, \
            smoke. Only checks deployctl runs count; a check that saw no data has failed. The verdict is stored on the \
            environment (hosts, ClickHouse, audit log), where a production gate reads it. Exit status: 0 passed, 1 failed, \
            2 configuration, 3 unreachable.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(
        help:
            "Only these areas (environment, database, load, quality, metadata, monitoring, automation, smoke); a partial run records no verdict."
    )
    var only: [String] = []
    @Option(help: "The report's language: ru (default) or en.") var lang = "ru"
    @Option(
        help:
            "Where the report files go (default: the current folder; a partial run there writes TASK-QT-API-E2E-REPORT.partial.md and e2e-report.partial.json, leaving the last full report alone)."
    )
    var outputDir: String?
    @Option(help: "Also write the checks as JUnit XML to this file.") var junit: String?
    @Option(
        help:
            "The key that signs the verification record the gate reads (default: the release signing key, --signing-key); production's [gate] trusted_verifiers must list its public key."
    )
    var verifierKey: String?
    @Flag(help: "List the areas and exit.") var list = false
    @Flag(
        help:
            "Print the manual procedure behind each area for this environment (the commands to run by hand, the possible problems) and exit; nothing is connected to."
    )
    var instructions = false
    @Option(
        help: ArgumentHelp(
            "Run the failing checks again on fresh state until they pass or this much time is up (90s, 5m, 1h; useful right after a deploy).",
            valueName: "duration"))
    var retryTimeout: RetryTimeout?

    /// `--retry-timeout`: a whole number followed by s, m or h (plain seconds without a unit).
    struct RetryTimeout: ExpressibleByArgument {
        let duration: Duration

        init?(argument: String) {
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
            let unit = argument.last.flatMap { units[$0] }
            guard let number = Int(unit == nil ? argument : String(argument.dropLast())), number >= 0, number <= 86_400
            else { return nil }
            duration = .seconds(number * (unit ?? 1))
        }
    }

    /// `--instructions`: the Markdown procedure.
    struct Instructions: CommandOutput {
        let environment: String
        let language: String
        let markdown: String
        func render(_ terminal: Terminal) -> String { markdown }
    }

    struct Areas: CommandOutput {
        let areas: [String]
        func render(_ terminal: Terminal) -> String { areas.joined(separator: "\n") }
    }

    /// The verifier key: `--verifier-key`, else the release signing key.
    private func verifierKeyFile() throws(CommandFailure) -> SigningKey {
        let path = verifierKey ?? options.signingKeyPath
        do throws(SigningKeyError) {
            return try SigningKey.load(path: path)
        } catch {
            throw CommandFailure(
                .invalidConfiguration, "verifier_key",
                "a verification's verdict is recorded signed, and the verifier key \(error.path) \(error.reason); `deployctl release keygen` makes one, --verifier-key names another"
            )
        }
    }

    func run() async throws {
        if list {
            return try await global.report("verify") { Areas(areas: CheckResult.Area.allCases.map(\.rawValue)) }
        }
        if instructions {
            return try await global.report("verify") {
                guard let language = ReportLanguage(rawValue: lang) else {
                    throw CommandFailure(.usage, "lang", "--lang takes ru or en")
                }
                let environment = try global.environment(target.environment)
                return Instructions(
                    environment: environment.name, language: language.rawValue,
                    markdown: VerifyInstructions(environment: environment, language: language).markdown())
            }
        }
        try await global.report("verify") {
            guard let language = ReportLanguage(rawValue: lang) else {
                throw CommandFailure(.usage, "lang", "--lang takes ru or en")
            }
            var areas: Set<CheckResult.Area>?
            if !only.isEmpty {
                let parsed = only.compactMap(CheckResult.Area.init(rawValue:))
                guard parsed.count == only.count else {
                    throw CommandFailure(
                        .usage, "only",
                        "--only takes \(CheckResult.Area.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                areas = Set(parsed)
            }
            // A full run records its verdict signed: the key is loaded before anything runs; a
            // partial one (--only, --host) records nothing and needs none.
            let verifier = areas == nil && target.host == nil ? try verifierKeyFile() : nil
            return try await global.withSession(target) { environment, session in
                let store = ReleaseStore.of(checkout: options.checkoutPath)
                let report = try await global.withProgress {
                    try await Verification(
                        environment: environment, store: store, actor: Workstation.actor,
                        deployctlVersion: BuildInfo.versionLine
                    )
                    .run(
                        in: session, only: areas, hostsOnly: target.host.map { [$0] },
                        retryFor: retryTimeout?.duration ?? .zero)
                }
                let json = try report.json()
                let reportPath = try write(report, json: json, language: language, environment: environment.name)
                if let partial = report.partial {
                    FileHandle.standardError.write(
                        Data(
                            "verify: partial verification (\(VerificationReport.scopeText(partial, russian: false))): no verdict recorded, report written to \(reportPath)\n"
                                .utf8))
                } else {
                    if report.release != nil, let verifier {
                        let log = VerificationLog(environment: environment)
                        // The audit chains' heads, carried signed and kept here: anchors for `audit verify`.
                        let heads = await AuditLog(
                            layout: HostLayout(environment), database: environment.clickhouse.stateDatabase
                        )
                        .heads(in: session)
                        try AuditAnchorStore().record(heads, of: environment.name)
                        let record = VerificationRecord(
                            report: report, reportSHA256: json.sha256Hex,
                            sums: try await log.currentChecksums(in: session), auditHeads: heads)
                        try await log.store(try record.signed(with: verifier), in: session)
                    }
                    await announce(NotificationMessage(verification: report, reportPath: reportPath), for: environment)
                }
                return report
            }
        }
    }

    /// The report's file names in the output folder: a partial run in the default folder takes
    /// `.partial` names, so the last full report there stays as it was; `--output-dir` is asked for.
    static func reportNames(partial: Bool, outputDirGiven: Bool) -> (markdown: String, json: String) {
        partial && !outputDirGiven
            ? ("TASK-QT-API-E2E-REPORT.partial.md", "e2e-report.partial.json")
            : ("TASK-QT-API-E2E-REPORT.md", "e2e-report.json")
    }

    /// The report beside the user, its JSON, optional JUnit, and a copy of both in the local history.
    ///
    /// - Returns: The absolute path of the Markdown report.
    private func write(_ report: VerificationReport, json: Data, language: ReportLanguage, environment: String) throws
        -> String
    {
        let manager = FileManager.default
        let directory = outputDir ?? "."
        let names = Self.reportNames(partial: report.partial != nil, outputDirGiven: outputDir != nil)
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let markdown = Data(report.markdown(language: language).utf8)
        let reportURL = URL(fileURLWithPath: directory).appendingPathComponent(names.markdown).standardizedFileURL
        try markdown.write(to: reportURL)
        try json.write(to: URL(fileURLWithPath: directory).appendingPathComponent(names.json))
        if let junit { try Data(report.junit().utf8).write(to: URL(fileURLWithPath: junit)) }
        let stamp = report.finishedAt.replacingOccurrences(of: ":", with: "")
        let history = options.checkoutPath + "/.deployctl/verifications/\(environment)"
        let name = "\(stamp)-\(report.release ?? "none")\(report.partial == nil ? "" : "-partial")"
        try manager.createDirectory(atPath: history, withIntermediateDirectories: true)
        try markdown.write(to: URL(fileURLWithPath: "\(history)/\(name).md"))
        try json.write(to: URL(fileURLWithPath: "\(history)/\(name).json"))
        return reportURL.path
    }
}
