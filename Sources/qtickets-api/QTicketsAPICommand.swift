import ArgumentParser
import EnvFile
import QTicketsLoader
import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@main
struct QTicketsAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qtickets-api",
        abstract: "Loads QTickets sales into ClickHouse; runs on the server under systemd.",
        discussion: """
            Configuration comes from the environment (the unit's EnvironmentFile) or from --env-file:
            QTICKETS_BASE_URL, QTICKETS_TOKEN, QTICKETS_SINCE_HOURS, ORG_NAME, CLICKHOUSE_HOST,
            CLICKHOUSE_PORT, CLICKHOUSE_DB, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD [, CLICKHOUSE_SECURE,
            JOB_NAME, QTICKETS_PAGE_SIZE, QTICKETS_SKIP_INVENTORY, HEALTHCHECK_*].
            Exit status: 0 done, 1 the run failed, 78 invalid configuration (healthcheck: 0 ok, 1 warning, 2 critical, 3 unknown).
            """,
        subcommands: [Run.self, CheckAPI.self, CheckConfig.self, HealthcheckCommand.self]
    )
}

/// Exit statuses shared by the subcommands (sysexits' EX_CONFIG for configuration).
enum ExitStatus {
    static let failed: Int32 = 1
    static let invalidConfiguration: Int32 = 78
}

struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .customLong("env-file"),
        help: "Read variables from this KEY=VALUE file; its values win over the environment.")
    var environmentFile: String?

    /// The loader's configuration, or exit 78 with every problem named.
    func load() throws -> PipelineConfiguration {
        try configuration(orExit: ExitStatus.invalidConfiguration) {
            try PipelineConfiguration(environment: $0, releaseID: ReleaseMarker.current())
        }
    }

    /// The healthcheck's configuration, or exit 3 (unknown: it cannot even look) with every problem
    /// named; `overriding` (the `--threshold` values) wins over the environment and the env file.
    func loadHealthcheck(overriding: [String: String] = [:]) throws -> HealthcheckConfiguration {
        try configuration(orExit: 3, overriding: overriding) { try HealthcheckConfiguration(environment: $0) }
    }

    private func configuration<T>(
        orExit status: Int32, overriding: [String: String] = [:], _ make: ([String: String]) throws -> T
    ) throws -> T {
        var environment = ProcessInfo.processInfo.environment
        do {
            if let environmentFile {
                environment.merge(try EnvironmentFile(path: environmentFile).values) { _, file in file }
            }
            environment.merge(overriding) { _, override in override }
            return try make(environment)
        } catch {
            StandardStream.error.write("qtickets-api: \(error)\n")
            throw ExitCode(status)
        }
    }
}

/// The release this binary belongs to: the `RELEASE` file deployctl writes next to `bin/`.
enum ReleaseMarker {
    static func current() -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let marker = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "RELEASE")
        guard let text = try? String(contentsOf: marker, encoding: .utf8) else { return "" }
        return text.trimmingWhitespace()
    }
}
