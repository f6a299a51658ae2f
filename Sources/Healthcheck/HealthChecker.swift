import ClickHouse

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Judges the health of a pipeline job from what it recorded in ClickHouse: `meta_job_runs` and the
/// `v_freshness` view of the shipped schema, in the client's database.
///
/// Rules, each a check in the report; the report's status is the worst of them:
/// - `clickhouse`: the server cannot be reached, refuses the credentials, lacks the schema or fails
///   the query → **unknown** with the error, and no other check is judged, since nothing can be.
/// - `last_run` (the newest run by start time): none recorded → **critical**; `ok` → ok; `error` →
///   **warning** with its error text (one failed run is not an outage, `last_ok_run` escalates by age);
///   `running` for longer than `runStuckAfter` → **warning**, the run looks stuck or crashed (the unit
///   kills a hung run after its 20-minute start timeout, so its final row never comes); a shorter
///   `running` → ok, in progress.
/// - `last_ok_run`: no successful run ever → **critical** "no successful run recorded"; otherwise the
///   age of its end against `runWarnAfter` / `runCriticalAfter`.
/// - `data`: the age of the newest loaded orders row against `dataWarnAfter` / `dataCriticalAfter`;
///   no orders at all → **warning** (a dashboard without data is not healthy, but the runs say more).
///
/// Every age is computed by the server (`dateDiff('second', …, now64(3))`) from UTC columns, so a
/// workstation or monitoring host with a wrong clock, or a naive local timestamp, cannot shift it.
public struct HealthChecker: Sendable {
    public let client: any ClickHouseQuerying
    public let job: String
    public let thresholds: HealthThresholds

    /// `client` must resolve unqualified names in the pipeline's database (`zakaz`) and be allowed
    /// to read `meta_job_runs` and `v_freshness`: `etl_writer` (SELECT on `zakaz.*`) is, while
    /// `datalens_reader` (dashboard views only) is not and gets the unknown verdict (ACCESS_DENIED).
    public init(
        client: any ClickHouseQuerying, job: String = "qtickets_api", thresholds: HealthThresholds = HealthThresholds()
    ) {
        self.client = client
        self.job = job
        self.thresholds = thresholds
    }

    /// Asks ClickHouse and judges; never throws, a failure to ask is the `unknown` verdict.
    ///
    /// - Parameter now: this machine's time, used for `checkedAt` only when the server cannot be
    ///   asked, and to show the clock skew otherwise.
    public func evaluate(now: Date = Date()) async -> HealthReport {
        let runs: RunFigures
        let freshness: FreshnessFigures
        do {
            runs = try RunFigures(try await client.rows(RunFigures.query, settings: ["param_job": job]))
            freshness = try FreshnessFigures(try await client.rows(FreshnessFigures.query))
        } catch {
            let check = HealthReport.Check(name: "clickhouse", status: .unknown, message: Self.explain(error))
            return HealthReport(job: job, checkedAt: now, checks: [check])
        }
        var report = HealthReport(
            job: job, checkedAt: runs.serverNow,
            checks: [lastRunCheck(runs), lastOkRunCheck(runs), dataCheck(freshness.orders)])
        report.clockSkewSeconds = Int64((now.timeIntervalSince(runs.serverNow)).rounded())
        report.lastRun = runs.last
        report.lastOkFinishedAt = runs.lastOkFinishedAt
        report.lastOkAgeSeconds = runs.lastOkAgeSeconds
        report.runsTotal = runs.total
        report.runsOk = runs.ok
        report.runsError = runs.error
        report.runsRunning = runs.running
        report.apiRequestsTotal = runs.apiRequests
        report.retriesTotal = runs.retries
        report.ordersStored = freshness.orders.storedRows
        report.ordersLastLoadedAt = freshness.orders.lastLoadedAt
        report.ordersAgeSeconds = freshness.orders.ageSeconds
        report.freshness = freshness.tables
        return report
    }

    func lastRunCheck(_ runs: RunFigures) -> HealthReport.Check {
        guard let run = runs.last else {
            return HealthReport.Check(
                name: "last_run", status: .critical,
                message:
                    "no run of \(job) recorded: the timer has not started the loader yet, or it cannot write meta_job_runs"
            )
        }
        let started = AgeText(run.startedAgeSeconds)
        func verdict(_ status: HealthStatus, _ message: String, stuckAfter: Int64? = nil) -> HealthReport.Check {
            HealthReport.Check(
                name: "last_run", status: status, ageSeconds: run.startedAgeSeconds, warnAfterSeconds: stuckAfter,
                message: message)
        }
        let stuckAfter = thresholds.runStuckAfter.wholeSeconds
        switch run.status {
        case "ok":
            return verdict(.ok, "run \(run.id) ok, started \(started) ago")
        case "error":
            return verdict(.warning, "run \(run.id) failed, started \(started) ago: \(run.error)")
        case "running" where run.startedAgeSeconds >= stuckAfter:
            return verdict(
                .warning,
                "run \(run.id) started \(started) ago and is still marked running: it looks stuck or crashed "
                    + "(the unit's start timeout kills a hung run, which then never writes its final row)",
                stuckAfter: stuckAfter)
        case "running":
            return verdict(.ok, "run \(run.id) in progress, started \(started) ago", stuckAfter: stuckAfter)
        default:
            return verdict(.warning, "run \(run.id) has status '\(run.status)', which is none of running, ok, error")
        }
    }

    func lastOkRunCheck(_ runs: RunFigures) -> HealthReport.Check {
        guard let age = runs.lastOkAgeSeconds else {
            return HealthReport.Check(name: "last_ok_run", status: .critical, message: "no successful run recorded")
        }
        return judge(
            name: "last_ok_run", age: age, warn: thresholds.runWarnAfter, critical: thresholds.runCriticalAfter,
            message: "last successful run finished \(AgeText(age)) ago")
    }

    func dataCheck(_ orders: HealthReport.Freshness) -> HealthReport.Check {
        guard orders.storedRows > 0, let age = orders.ageSeconds else {
            return HealthReport.Check(
                name: "data", status: .warning, message: "no orders loaded: the dashboards are empty")
        }
        return judge(
            name: "data", age: age, warn: thresholds.dataWarnAfter, critical: thresholds.dataCriticalAfter,
            message: "newest orders row loaded \(AgeText(age)) ago")
    }

    private func judge(name: String, age: Int64, warn: Duration, critical: Duration, message: String)
        -> HealthReport.Check
    {
        let status: HealthStatus = age >= critical.wholeSeconds ? .critical : age >= warn.wholeSeconds ? .warning : .ok
        return HealthReport.Check(
            name: name, status: status, ageSeconds: age, warnAfterSeconds: warn.wholeSeconds,
            criticalAfterSeconds: critical.wholeSeconds,
            message: message)
    }

    static func explain(_ error: any Error) -> String {
        guard let error = error as? ClickHouseError else { return "cannot read the pipeline's state: \(error)" }
        switch (error.kind, error.code) {
        case (.transport, _), (.timeout, _):
            return "ClickHouse is unreachable: \(error)"
        case (_, 192?), (_, 193?), (_, 194?), (_, 195?), (_, 516?):
            return "ClickHouse refused the healthcheck's credentials (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD): \(error)"
        case _ where error.isMissingTable || error.code == 47:
            return
                "the pipeline's schema is missing or incomplete; apply the migrations (deployctl migrate up): \(error)"
        case (_, 497?):
            return "the healthcheck's ClickHouse user may not read meta_job_runs or v_freshness: \(error)"
        default:
            return "ClickHouse failed the healthcheck query: \(error)"
        }
    }
}

/// What `meta_job_runs` says about one job, ages by the server's clock.
struct RunFigures {
    /// The newest run is picked as a whole tuple: argMax over a Nullable column alone would skip the
    /// NULL finished_at of a running row and return an older run's end.
    static let query = """
        SELECT
            toUnixTimestamp64Milli(now64(3)) AS server_now,
            count() AS total_runs,
            countIf(status = 'ok') AS ok_runs,
            countIf(status = 'error') AS error_runs,
            countIf(status = 'running') AS running_runs,
            argMax(
                (
                    toString(run_id), toString(status), started_at, finished_at, error, rows_orders, rows_tickets,
                    rows_events, rows_shows, rows_inventory, api_requests, retries, toString(release_id)
                ),
                started_at) AS last,
            last.1 AS last_run_id,
            last.2 AS last_status,
            toUnixTimestamp64Milli(last.3) AS last_started_at,
            toUnixTimestamp64Milli(last.4) AS last_finished_at,
            last.5 AS last_error,
            dateDiff('second', last.3, now64(3)) AS last_started_age,
            toUnixTimestamp64Milli(maxIf(finished_at, status = 'ok')) AS last_ok_finished_at,
            dateDiff('second', maxIf(finished_at, status = 'ok'), now64(3)) AS last_ok_age,
            last.6 AS last_rows_orders,
            last.7 AS last_rows_tickets,
            last.8 AS last_rows_events,
            last.9 AS last_rows_shows,
            last.10 AS last_rows_inventory,
            last.11 AS last_api_requests,
            last.12 AS last_retries,
            last.13 AS last_release_id,
            sum(api_requests) AS api_requests_total,
            sum(retries) AS retries_total
        FROM meta_job_runs FINAL
        WHERE job = {job:String}
        """

    /// The entities of `rows_<entity>`, in the order the query answers them.
    static let entities = ["orders", "tickets", "events", "shows", "inventory"]

    let serverNow: Date
    let total, ok, error, running: UInt64
    let last: HealthReport.Run?
    let lastOkFinishedAt: Date?
    let lastOkAgeSeconds: Int64?
    /// Requests and retries of every recorded run of the job.
    let apiRequests, retries: UInt64

    init(_ rows: [[String?]]) throws(ClickHouseError) {
        let row = try Row(rows, columns: 24, query: "meta_job_runs")
        serverNow = try row.date(0)
        total = try row.unsigned(1)
        ok = try row.unsigned(2)
        error = try row.unsigned(3)
        running = try row.unsigned(4)
        if total == 0 {
            last = nil
        } else {
            var run = HealthReport.Run(
                id: row.text(6), status: row.text(7), startedAt: try row.date(8), finishedAt: try row.optionalDate(9),
                error: row.text(10),
                startedAgeSeconds: try row.signed(11))
            var perEntity: [String: UInt64] = [:]
            for (offset, entity) in Self.entities.enumerated() { perEntity[entity] = try row.unsigned(14 + offset) }
            run.rows = perEntity
            run.apiRequests = try row.unsigned(19)
            run.retries = try row.unsigned(20)
            run.releaseID = row.text(21)
            last = run
        }
        lastOkFinishedAt = try row.optionalDate(12)
        lastOkAgeSeconds = try row.optionalSigned(13)
        apiRequests = try row.unsigned(22)
        retries = try row.unsigned(23)
    }
}

/// What `v_freshness` says about every staging table; the data check judges the orders.
struct FreshnessFigures {
    static let query = """
        SELECT entity, stored_rows, toUnixTimestamp64Milli(last_loaded_at), seconds_since_load
        FROM v_freshness
        ORDER BY entity
        """

    let tables: [HealthReport.Freshness]
    let orders: HealthReport.Freshness

    init(_ rows: [[String?]]) throws(ClickHouseError) {
        var tables: [HealthReport.Freshness] = []
        for fields in rows {
            let row = try Row([fields], columns: 4, query: "v_freshness")
            tables.append(
                HealthReport.Freshness(
                    entity: row.text(0), storedRows: try row.unsigned(1), lastLoadedAt: try row.optionalDate(2),
                    ageSeconds: try row.optionalSigned(3)))
        }
        guard let orders = tables.first(where: { $0.entity == "orders" }) else {
            throw ClickHouseError(
                kind: .decoding, message: "the v_freshness query answered no orders row among \(rows.count) rows")
        }
        self.tables = tables
        self.orders = orders
    }
}

/// One answer row of a healthcheck query, read field by field; a field of the wrong shape is a
/// decoding error naming the query.
struct Row {
    let fields: [String?]
    let query: String

    init(_ rows: [[String?]], columns: Int, query: String) throws(ClickHouseError) {
        guard rows.count == 1, rows[0].count == columns else {
            throw ClickHouseError(
                kind: .decoding,
                message:
                    "the \(query) query answered \(rows.count) rows of \(rows.first?.count ?? 0) columns, expected one row of \(columns)"
            )
        }
        fields = rows[0]
        self.query = query
    }

    func text(_ index: Int) -> String { fields[index] ?? "" }

    func unsigned(_ index: Int) throws(ClickHouseError) -> UInt64 {
        guard let value = fields[index].flatMap(UInt64.init) else { throw mismatch(index, "a count") }
        return value
    }

    func signed(_ index: Int) throws(ClickHouseError) -> Int64 {
        guard let value = fields[index].flatMap(Int64.init) else { throw mismatch(index, "a number") }
        return value
    }

    func optionalSigned(_ index: Int) throws(ClickHouseError) -> Int64? {
        fields[index] == nil ? nil : try signed(index)
    }

    func date(_ index: Int) throws(ClickHouseError) -> Date {
        Date(timeIntervalSince1970: Double(try signed(index)) / 1000)
    }

    func optionalDate(_ index: Int) throws(ClickHouseError) -> Date? {
        fields[index] == nil ? nil : try date(index)
    }

    private func mismatch(_ index: Int, _ expected: String) -> ClickHouseError {
        ClickHouseError(
            kind: .decoding,
            message:
                "the \(query) query answered \(fields[index] ?? "NULL") in column \(index + 1), expected \(expected)")
    }
}
