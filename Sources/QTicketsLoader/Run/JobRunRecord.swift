import ClickHouse
import QTicketsAPI

/// A run's row in `meta_job_runs` (migration 0007): written as `running` when the run starts and
/// again, same `run_id`/`job`/`started_at` and a larger `_version`, as `ok` or `error` at the end.
public struct JobRunRecord: Sendable {
    public enum Status: String, Sendable {
        case running, ok, error
    }

    public var runID: String
    public var job: String
    public var startedAt: Instant
    public var finishedAt: Instant?
    public var status: Status
    public var windowStart: Instant?
    public var windowEnd: Instant?
    public var rows: [StagingTable: Int] = [:]
    public var apiRequests = 0
    public var retries = 0
    public var error = ""
    public var releaseID: String

    static let columns = [
        "run_id", "job", "started_at", "finished_at", "status", "window_start", "window_end", "rows_orders",
        "rows_tickets",
        "rows_events", "rows_shows", "rows_inventory", "api_requests", "retries", "error", "release_id", "_version",
    ]

    func write(to client: ClickHouseClient, version: Instant) async throws(ClickHouseError) {
        var row = JSONRowWriter(capacity: 512)
        row.beginRow()
        row.string("run_id", runID)
        row.string("job", job)
        row.instant("started_at", startedAt)
        row.instant("finished_at", status == .running ? nil : finishedAt)
        row.string("status", status.rawValue)
        row.instant("window_start", windowStart)
        row.instant("window_end", windowEnd)
        row.int("rows_orders", Int64(rows[.orders] ?? 0))
        row.int("rows_tickets", Int64(rows[.tickets] ?? 0))
        row.int("rows_events", Int64(rows[.events] ?? 0))
        row.int("rows_shows", Int64(rows[.shows] ?? 0))
        row.int("rows_inventory", Int64(rows[.inventory] ?? 0))
        row.int("api_requests", Int64(apiRequests))
        row.int("retries", Int64(retries))
        row.string("error", String(error.prefix(2000)))
        row.string("release_id", releaseID)
        row.int("_version", version.milliseconds)
        row.endRow()
        try await client.insert(into: "meta_job_runs", columns: Self.columns, jsonEachRow: row.buffer)
    }
}
