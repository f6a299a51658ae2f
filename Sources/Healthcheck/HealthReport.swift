import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The healthcheck's verdict on one job with every figure it was based on. `--json` prints it, the
/// HTTP endpoint answers with it, the E2E verification stores it; `render()` is the text form.
///
/// Ages are seconds computed by ClickHouse (`dateDiff('second', …, now64(3))`), so a workstation
/// whose clock is off cannot make a stale pipeline look fresh.
public struct HealthReport: Codable, Sendable, Equatable {
    /// One judged aspect of the pipeline.
    public struct Check: Codable, Sendable, Equatable {
        /// `clickhouse`, `last_run`, `last_ok_run` or `data`.
        public var name: String
        public var status: HealthStatus
        /// The age judged, in seconds, when there is one.
        public var ageSeconds: Int64?
        /// The age at which this check warns, when it judges an age.
        public var warnAfterSeconds: Int64?
        /// The age at which this check turns critical, when it judges an age.
        public var criticalAfterSeconds: Int64?
        /// One line for a person: what was found and, when it is not ok, what it means.
        public var message: String

        public init(
            name: String, status: HealthStatus, ageSeconds: Int64? = nil, warnAfterSeconds: Int64? = nil,
            criticalAfterSeconds: Int64? = nil, message: String
        ) {
            self.name = name
            self.status = status
            self.ageSeconds = ageSeconds
            self.warnAfterSeconds = warnAfterSeconds
            self.criticalAfterSeconds = criticalAfterSeconds
            self.message = message
        }
    }

    /// The newest run of the job (by start time), as `meta_job_runs FINAL` holds it.
    public struct Run: Codable, Sendable, Equatable {
        public var id: String
        /// `running`, `ok` or `error`.
        public var status: String
        public var startedAt: Date
        /// nil while the run is `running`.
        public var finishedAt: Date?
        /// The run's error text; empty unless the status is `error`.
        public var error: String
        /// Seconds since the run started, by the server's clock.
        public var startedAgeSeconds: Int64
        /// Rows the run inserted per entity (`orders`, `tickets`, `events`, `shows`, `inventory`:
        /// the `rows_<entity>` columns); nil in a report written before these were recorded.
        public var rows: [String: UInt64]?
        /// HTTP requests the run sent to the API, and how many of them were retries.
        public var apiRequests: UInt64?
        public var retries: UInt64?
        /// The deployctl release that ran it (`release_id`), empty when the binary had no release marker.
        public var releaseID: String?

        public init(
            id: String, status: String, startedAt: Date, finishedAt: Date?, error: String, startedAgeSeconds: Int64
        ) {
            self.id = id
            self.status = status
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.error = error
            self.startedAgeSeconds = startedAgeSeconds
        }
    }

    /// How fresh one staging table is (a row of `v_freshness`).
    public struct Freshness: Codable, Sendable, Equatable {
        /// `orders`, `tickets`, `events`, `shows` or `inventory`.
        public var entity: String
        /// Rows stored (every version).
        public var storedRows: UInt64
        /// The newest load time among them; nil while the table is empty.
        public var lastLoadedAt: Date?
        /// Seconds since ``lastLoadedAt``, by the server's clock.
        public var ageSeconds: Int64?

        /// The staging table the entity is loaded into (`stg_qtickets_<entity>`, migrations 0001 to 0004).
        public var table: String { "stg_qtickets_" + entity }

        public init(entity: String, storedRows: UInt64, lastLoadedAt: Date?, ageSeconds: Int64?) {
            self.entity = entity
            self.storedRows = storedRows
            self.lastLoadedAt = lastLoadedAt
            self.ageSeconds = ageSeconds
        }
    }

    /// The worst status of ``checks``.
    public var status: HealthStatus
    /// The job judged, `qtickets_api` for the loader.
    public var job: String
    /// When the check ran: the ClickHouse server's time, or this machine's when the server could not
    /// be asked.
    public var checkedAt: Date
    /// This machine's clock minus the server's, in seconds; nil when the server could not be asked.
    /// Shown for diagnosis only, since every age comes from the server.
    public var clockSkewSeconds: Int64?
    public var checks: [Check]
    /// The newest run; nil when the job never ran or the server could not be asked.
    public var lastRun: Run?
    /// The end of the newest successful run; nil when none succeeded.
    public var lastOkFinishedAt: Date?
    /// Seconds since ``lastOkFinishedAt``, by the server's clock.
    public var lastOkAgeSeconds: Int64?
    /// Runs of the job recorded in all, and how many of them succeeded, failed or are marked running.
    public var runsTotal: UInt64?
    public var runsOk: UInt64?
    public var runsError: UInt64?
    public var runsRunning: UInt64?
    /// API requests, and retries among them, of every recorded run of the job.
    public var apiRequestsTotal: UInt64?
    public var retriesTotal: UInt64?
    /// Staged order rows (every version) and the newest load time among them (`v_freshness`).
    public var ordersStored: UInt64?
    public var ordersLastLoadedAt: Date?
    /// Seconds since ``ordersLastLoadedAt``, by the server's clock.
    public var ordersAgeSeconds: Int64?
    /// Every staging table's freshness, by entity name; nil when the server could not be asked.
    public var freshness: [Freshness]?

    /// A report whose status is the worst of `checks` (unknown when there are none); the figures
    /// start out nil.
    public init(job: String, checkedAt: Date, checks: [Check]) {
        self.status = checks.map(\.status).max() ?? .unknown
        self.job = job
        self.checkedAt = checkedAt
        self.checks = checks
    }

    /// The check named `name`, if the report has it.
    public func check(_ name: String) -> Check? { checks.first { $0.name == name } }

    /// The report as pretty-printed JSON with ISO 8601 UTC times in milliseconds, keys sorted.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.timestamp(date))
        }
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a report written by ``json()``.
    ///
    /// - Throws: `DecodingError` when `data` is not such a report.
    public static func decode(_ data: Data) throws -> HealthReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = try? timestampParser.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
            }
            return date
        }
        return try decoder.decode(HealthReport.self, from: data)
    }

    /// `2026-05-04T10:11:12.345Z`: UTC, rounded to the millisecond (the format style would truncate
    /// `.345` stored as `.34499…` to `.344`).
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let fraction = Int((milliseconds % 1000 + 1000) % 1000)
        let whole = Date(timeIntervalSince1970: Double((milliseconds - Int64(fraction)) / 1000))
        return Date.ISO8601FormatStyle().format(whole).dropLast() + "." + fraction.zeroPadded(to: 3) + "Z"
    }

    static let timestampParser = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
