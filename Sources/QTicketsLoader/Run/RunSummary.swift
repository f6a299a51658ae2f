import TextSupport

/// What a run did, for the CLI, tests and the benchmark.
public struct RunSummary: Sendable {
    public struct Sample: Sendable {
        /// Rows a dry run would have inserted.
        public let rows: Int
        /// The first of them, as the JSONEachRow line that would have been sent.
        public let firstRow: String
    }

    /// The run's `meta_job_runs` row as last written.
    public let record: JobRunRecord
    public let dryRun: Bool
    /// `max(order_id)` before the run, and the last order id committed (or fetched, in a dry run).
    public let cursorBefore: Int64
    public let cursorAfter: Int64
    /// Per table, for a dry run.
    public let samples: [StagingTable: Sample]
    public let wallTime: Duration
    /// Time spent waiting for the API (backoff included), decoding its answers, and inserting.
    public let apiWaiting: Duration
    public let parsing: Duration
    public let warehouse: Duration

    public var succeeded: Bool { record.status == .ok }
}

extension Duration {
    /// The duration in seconds, fractional.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in seconds with two decimals (`12.34`), as the run's log line shows it.
    var secondsText: String {
        let hundredths = Int((seconds * 100).rounded())
        return "\(hundredths < 0 ? "-" : "")\(abs(hundredths / 100)).\(abs(hundredths % 100).zeroPadded(to: 2))"
    }
}
