import ArgumentParser
import Healthcheck
import QTicketsAPI
import QTicketsLoader
import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension QTicketsAPICommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One incremental load: events, new orders, changed orders, seat counters.",
            discussion: """
                With --dry-run it calls the API, parses, validates and shows what it would insert, and writes nothing.
                With --metrics-file PATH.prom it also writes the run's figures there in the Prometheus text format,
                atomically, for node_exporter's textfile collector (the same metrics as healthcheck --serve's /metrics).
                """
        )

        @OptionGroup var options: ConfigurationOptions

        @Flag(help: "Do everything but the writes, and print what would be inserted.")
        var dryRun = false

        @Option(
            help: ArgumentHelp(
                "Write the run's metrics to this file (replaced atomically) for node_exporter's textfile collector.",
                valueName: "path.prom"))
        var metricsFile: String?

        func validate() throws {
            if let metricsFile {
                guard metricsFile.hasSuffix(".prom") else {
                    throw ValidationError(
                        "--metrics-file must end in .prom: node_exporter's textfile collector reads only those")
                }
                guard !dryRun else { throw ValidationError("--metrics-file records a run; --dry-run makes none") }
            }
        }

        func run() async throws {
            let configuration = try options.load()
            let summary = await Loader(configuration: configuration).run(dryRun: dryRun)
            if let metricsFile {
                do {
                    try MetricsFile.write(Self.metrics(of: summary.record).metrics(), to: metricsFile)
                } catch {
                    RunLog.standardOutput.error("run.metrics_file_failed", ["error": error.description])
                    throw ExitCode(ExitStatus.failed)
                }
            }
            if dryRun {
                print("dry run: nothing was written")
                let width = StagingTable.allCases.map(\.rawValue.count).max() ?? 0
                for table in StagingTable.allCases {
                    let sample = summary.samples[table]
                    print(
                        "  \(table.rawValue.padded(to: width))  \(sample?.rows ?? 0) rows"
                    )
                }
                for table in StagingTable.allCases {
                    if let sample = summary.samples[table] { print("first \(table.entity) row: \(sample.firstRow)") }
                }
            }
            if !summary.succeeded { throw ExitCode(ExitStatus.failed) }
        }

        /// The run's `meta_job_runs` row as the healthcheck reads it back, so the file and `/metrics`
        /// show the same figures under the same names.
        static func metrics(of record: JobRunRecord, now: Date = Date()) -> HealthReport.Run {
            var run = HealthReport.Run(
                id: record.runID, status: record.status.rawValue, startedAt: record.startedAt.date,
                finishedAt: record.status == .running ? nil : record.finishedAt?.date, error: record.error,
                startedAgeSeconds: Int64(now.timeIntervalSince(record.startedAt.date).rounded(.down)))
            run.rows = Dictionary(
                uniqueKeysWithValues: StagingTable.allCases.map { ($0.entity, UInt64(record.rows[$0] ?? 0)) })
            run.apiRequests = UInt64(record.apiRequests)
            run.retries = UInt64(record.retries)
            run.releaseID = record.releaseID
            return run
        }
    }
}
