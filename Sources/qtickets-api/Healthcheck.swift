import ArgumentParser
import ClickHouse
import HTTPServer
import Healthcheck
import QTicketsLoader
import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension QTicketsAPICommand {
    struct HealthcheckCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "healthcheck",
            abstract: "Freshness of the last successful run and of the data against thresholds.",
            discussion: """
                Exit status (monitoring conventions): 0 ok, 1 warning, 2 critical, 3 unknown.
                Thresholds: HEALTHCHECK_RUN_WARN_MINUTES, HEALTHCHECK_RUN_CRITICAL_MINUTES,
                HEALTHCHECK_DATA_WARN_MINUTES, HEALTHCHECK_DATA_CRITICAL_MINUTES, HEALTHCHECK_RUN_STUCK_MINUTES.
                With --serve ADDRESS:PORT the same verdict is served at /healthz and /healthz/<job>
                (200 ok or warning, 503 otherwise, JSON) and, in the Prometheus text format, at /metrics
                (always 200) until SIGTERM.
                """)

        @OptionGroup var options: ConfigurationOptions

        @Flag(help: "Print the report as JSON.")
        var json = false

        @Option(help: "Serve the verdict over HTTP on this address, e.g. 127.0.0.1:18080.")
        var serve: String?

        @Option(
            name: .customLong("threshold"),
            help: ArgumentHelp(
                "One threshold over the environment and the env file, e.g. HEALTHCHECK_DATA_WARN_MINUTES=0 (repeatable): deployctl verify lowers the data thresholds below the data's age to see the check turn.",
                valueName: "VARIABLE=MINUTES"))
        var thresholds: [String] = []

        func validate() throws {
            if let serve, Self.address(serve) == nil {
                throw ValidationError("--serve takes ADDRESS:PORT, e.g. 127.0.0.1:18080")
            }
            for threshold in thresholds where Self.threshold(threshold) == nil {
                throw ValidationError(
                    "--threshold takes VARIABLE=MINUTES, VARIABLE one of "
                        + HealthThresholds.Variable.allCases.map(\.rawValue).joined(separator: ", ")
                        + "; not \(threshold)")
            }
        }

        /// `VARIABLE=MINUTES` as its variable and value, nil when VARIABLE is no threshold's.
        static func threshold(_ text: String) -> (variable: String, value: String)? {
            guard let equals = text.firstIndex(of: "="),
                let variable = HealthThresholds.Variable(rawValue: String(text[..<equals]))
            else { return nil }
            return (variable.rawValue, String(text[text.index(after: equals)...]))
        }

        static func address(_ text: String) -> (host: String, port: Int)? {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else {
                return nil
            }
            let host = String(text[..<colon]).trimming(where: { $0 == "[" || $0 == "]" })
            return host.isEmpty ? nil : (host, port)
        }

        func run() async throws {
            let overrides = Dictionary(thresholds.compactMap(Self.threshold), uniquingKeysWith: { $1 })
            let configuration = try options.loadHealthcheck(overriding: overrides)
            let checker = HealthChecker(
                client: ClickHouseClient(endpoint: configuration.clickhouse), job: configuration.job,
                thresholds: configuration.thresholds)
            if let serve, let (host, port) = Self.address(serve) {
                try await Self.serve(checker: checker, host: host, port: port)
                return
            }
            let report = await checker.evaluate()
            if json {
                StandardStream.output.write(String(decoding: report.json(), as: UTF8.self) + "\n")
            } else {
                print(report.render())
            }
            throw ExitCode(report.status.exitCode)
        }

        static func serve(checker: HealthChecker, host: String, port: Int) async throws {
            let server: HealthServer
            do {
                server = try await HealthServer.start(host: host, port: port, checker: checker)
            } catch {
                StandardStream.error.write("qtickets-api: \(error)\n")
                throw ExitCode(ExitStatus.failed)
            }
            RunLog.standardOutput.info(
                "healthcheck.serving", ["address": "\(host):\(server.port)", "job": checker.job])
            await Termination.wait()
            await server.stop()
            RunLog.standardOutput.info("healthcheck.stopped")
        }
    }
}
