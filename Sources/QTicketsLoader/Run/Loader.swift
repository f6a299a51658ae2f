import ClickHouse
import QTicketsAPI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One incremental load of QTickets into the staging tables (`qtickets-api run`).
///
/// 1. Events and their shows, every page (a small dimension, re-read each run).
/// 2. New orders by id cursor: `id > max(order_id)` of the staging table, id ascending, keyset
///    pages. Tickets are inserted before their orders, and batches in order, so the cursor (read
///    back from the orders table) always stands at the end of a complete batch: a failed run
///    loses nothing and the next one re-reads what was not committed.
/// 3. A re-scan of orders changed since the window start (payments, cancellations, refunds of
///    older orders): `updated_at >= window_start`, where the window reaches back
///    `QTICKETS_SINCE_HOURS`, or to 10 minutes before the last successful run started if that is
///    earlier, so a pipeline that was down for days catches up.
/// 4. Seat counters of every current show.
///
/// Re-delivered rows (overlapping windows, re-runs, retried inserts) collapse in the
/// ReplacingMergeTree tables: same key, `_version` = the time the answer was received.
/// Memory stays flat: pages are decoded, encoded into a bounded batch and dropped.
public struct Loader: Sendable {
    public let configuration: PipelineConfiguration
    public let log: RunLog
    /// Orders buffered before an insert (with their tickets). At most two batches live at once,
    /// one filling and one being inserted: with 10,000 a million-order load peaked at 93–108 MB,
    /// with 20,000 at 114–146 MB, at the same rate (about 25,000 orders/s on the testbed).
    public var batchOrders = 10_000
    /// Seat requests in flight at once.
    public var inventoryConcurrency = 4
    let clickhouse: ClickHouseClient

    public init(configuration: PipelineConfiguration, log: RunLog = .standardOutput) {
        self.configuration = configuration
        self.log = log
        self.clickhouse = ClickHouseClient(endpoint: configuration.clickhouse)
    }

    /// Runs one load. With `dryRun`, everything happens (state read from ClickHouse, every API call,
    /// parsing, validation, row encoding) but nothing is inserted and no `meta_job_runs` row is written.
    public func run(dryRun: Bool = false) async -> RunSummary {
        let clock = ContinuousClock()
        let began = clock.now
        let statistics = RequestStatistics()
        let api = configuration.apiClient(statistics: statistics)
        let timing = LoadTiming()
        let dryRunSink = dryRun ? DryRunSink() : nil
        let sink: any RowSink = dryRunSink ?? ClickHouseSink(client: clickhouse, timing: timing)
        var record = JobRunRecord(
            runID: UUID().uuidString.lowercased(), job: configuration.job, startedAt: Instant(Date()), status: .running,
            releaseID: configuration.releaseID)
        log.info(
            "run.start",
            [
                "run_id": record.runID, "job": record.job, "org": configuration.organisation,
                "release": record.releaseID, "dry_run": dryRun,
            ])
        let orders = OrderBatches(sink: sink, batchOrders: batchOrders, runID: record.runID)
        var cursorBefore: Int64 = 0

        /// Orders and tickets count what was committed, and the cursor stands at the end of the
        /// last committed batch, whether the run succeeded or stopped part way.
        func finish(_ error: LoaderError?) async -> RunSummary {
            let committed = await orders.committed
            record.rows[.orders] = committed.orders
            record.rows[.tickets] = committed.tickets
            let cursorAfter = max(cursorBefore, committed.lastOrderID ?? cursorBefore)
            record.apiRequests = statistics.requests
            record.retries = statistics.retries
            record.finishedAt = Instant(Date())
            record.status = error == nil ? .ok : .error
            record.error = error?.description ?? ""
            if !dryRun {
                do {
                    try await record.write(
                        to: clickhouse,
                        version: Instant(
                            milliseconds: max(Instant(Date()).milliseconds, record.startedAt.milliseconds + 1)))
                } catch {
                    log.error("run.record_failed", ["run_id": record.runID, "error": error.description])
                }
            }
            let summary = RunSummary(
                record: record, dryRun: dryRun, cursorBefore: cursorBefore, cursorAfter: cursorAfter,
                samples: dryRunSink?.samples.mapValues { RunSummary.Sample(rows: $0.rows, firstRow: $0.first) } ?? [:],
                wallTime: clock.now - began, apiWaiting: statistics.waiting, parsing: statistics.parsing,
                warehouse: timing.warehouseTime)
            var fields: KeyValuePairs<String, any CustomStringConvertible> {
                [
                    "run_id": record.runID, "status": record.status.rawValue, "orders": record.rows[.orders] ?? 0,
                    "tickets": record.rows[.tickets] ?? 0, "events": record.rows[.events] ?? 0,
                    "shows": record.rows[.shows] ?? 0,
                    "inventory": record.rows[.inventory] ?? 0, "api_requests": record.apiRequests,
                    "retries": record.retries,
                    "seconds": summary.wallTime.secondsText,
                    "api_wait_seconds": summary.apiWaiting.secondsText,
                    "parse_seconds": summary.parsing.secondsText,
                    "clickhouse_seconds": summary.warehouse.secondsText,
                ]
            }
            if let error {
                log.error("run.failed", ["run_id": record.runID, "error": error.description])
            }
            log.info("run.finish", fields)
            return summary
        }

        let state: WarehouseState
        do {
            state = try await WarehouseState.read(from: clickhouse, job: configuration.job)
        } catch {
            return await finish(error)
        }
        cursorBefore = state.maxOrderID
        let now = Instant(Date())
        var windowStart = Instant(milliseconds: now.milliseconds - Int64(configuration.sinceHours) * 3_600_000)
        if let lastOK = state.lastOKStartedAt {
            windowStart = min(windowStart, Instant(milliseconds: lastOK.milliseconds - 600_000))
        }
        record.windowStart = windowStart
        record.windowEnd = now
        if !dryRun {
            do {
                try await record.write(to: clickhouse, version: record.startedAt)
            } catch {
                return await finish(
                    LoaderError(
                        stage: "recording the run in meta_job_runs", message: error.description,
                        cause: .clickhouse(error)))
            }
        }

        do {
            let shows = try await loadEvents(api: api, sink: sink, record: &record)
            try await loadNewOrders(after: cursorBefore, api: api, batches: orders)
            if cursorBefore > 0 {
                try await rescan(since: windowStart, upTo: cursorBefore, api: api, batches: orders)
            }
            try await orders.drain()
            if configuration.loadInventory {
                record.rows[.inventory] = try await loadInventory(shows, api: api, sink: sink, runID: record.runID)
            }
        } catch {
            try? await orders.drain()
            return await finish(error)
        }
        return await finish(nil)
    }

    private func loadEvents(api: QTicketsClient, sink: any RowSink, record: inout JobRunRecord)
        async throws(LoaderError) -> [(show: Int64, event: Int64)]
    {
        var shows: [(show: Int64, event: Int64)] = []
        let horizon = Instant(milliseconds: Instant(Date()).milliseconds - 86_400_000)
        let perPage = min(configuration.pageSize, 100)
        var page = 1
        while true {
            let answer: (page: Page<Event>, receivedAt: Instant)
            do {
                answer = try await api.page("events", ListQuery(page: page, perPage: perPage), of: Event.self)
            } catch {
                throw LoaderError(stage: "fetching events page \(page)", message: error.description, cause: .api(error))
            }
            var rows = DimensionRows(runID: record.runID)
            for event in answer.page.data {
                rows.add(event, version: answer.receivedAt)
                guard event.deletedAt == nil else { continue }
                for show in event.shows where show.deletedAt == nil && (show.finishAt ?? show.startAt) >= horizon {
                    shows.append((show.id, event.id))
                }
            }
            try await sink.write(.events, rows.events)
            try await sink.write(.shows, rows.shows)
            record.rows[.events, default: 0] += rows.events.rows
            record.rows[.shows, default: 0] += rows.shows.rows
            let pages =
                (answer.page.paging.total + max(1, answer.page.paging.perPage) - 1) / max(1, answer.page.paging.perPage)
            if answer.page.data.isEmpty || page >= pages { break }
            page += 1
        }
        log.info(
            "events.loaded",
            ["events": record.rows[.events] ?? 0, "shows": record.rows[.shows] ?? 0, "current_shows": shows.count])
        return shows
    }

    /// Keyset pages of `id > cursor`.
    private func loadNewOrders(after cursor: Int64, api: QTicketsClient, batches: OrderBatches)
        async throws(LoaderError)
    {
        var last = cursor
        while true {
            let page = try await orderPage(after: last, api: api, stage: "fetching orders after id \(last)")
            try await batches.add(page.orders, version: page.receivedAt)
            last = page.orders.last?.id ?? last
            if page.orders.count < configuration.pageSize { break }
        }
        try await batches.flush()
        log.info("orders.new", ["after_id": cursor, "last_id": last])
    }

    /// Orders with `id ≤ upTo` changed since `since`. The filter is re-checked here too: a server
    /// that ignored `updated_at` would still be handled correctly, just slower (and it is logged).
    private func rescan(since: Instant, upTo: Int64, api: QTicketsClient, batches: OrderBatches)
        async throws(LoaderError)
    {
        var after: Int64 = 0
        var matched = 0
        var outside = 0
        while true {
            let page = try await orderPage(
                after: after, upTo: upTo, conditions: [.init("updated_at", ">=", .string(since.iso8601()))], api: api,
                stage: "re-scanning orders changed since \(since)")
            let changed = page.orders.filter { $0.updatedAt >= since }
            matched += changed.count
            outside += page.orders.count - changed.count
            try await batches.add(changed, version: page.receivedAt)
            after = page.orders.last?.id ?? after
            if page.orders.count < configuration.pageSize { break }
        }
        try await batches.flush()
        if outside > 0 {
            log.warning(
                "orders.rescan_filter_ignored",
                ["outside_window": outside, "hint": "the API did not apply updated_at; filtered here"])
        }
        log.info("orders.rescan", ["since": since, "changed": matched])
    }

    /// One keyset page of orders: `id > after` (and `id ≤ upTo`) plus `conditions`, id ascending.
    /// Ids outside that range or out of order mean the server dropped the request body, which would
    /// page forever; that stops the run.
    private func orderPage(
        after: Int64, upTo: Int64? = nil, conditions: [ListQuery.Condition] = [], api: QTicketsClient, stage: String
    ) async throws(LoaderError) -> (orders: [Order], receivedAt: Instant) {
        var filter = conditions + [.init("id", ">", .int(after))]
        if let upTo { filter.append(.init("id", "<=", .int(upTo))) }
        let answer: (page: Page<Order>, receivedAt: Instant)
        do {
            answer = try await api.orders(
                ListQuery(where: filter, orderBy: ["id": "asc"], page: 1, perPage: configuration.pageSize))
        } catch {
            throw LoaderError(stage: stage, message: error.description, cause: .api(error))
        }
        var previous = after
        for order in answer.page.data {
            guard order.id > previous, order.id <= upTo ?? .max else {
                let range = "id > \(after)" + (upTo.map { ", id ≤ \($0)" } ?? "")
                throw LoaderError(
                    stage: stage,
                    message:
                        "the API answered order \(order.id) for a filter \(range), id ascending: it ignored the request body",
                    cause: .api(QTicketsError(kind: .filterIgnored, message: "filter ignored")))
            }
            previous = order.id
        }
        return (answer.page.data, answer.receivedAt)
    }

    private func loadInventory(
        _ shows: [(show: Int64, event: Int64)], api: QTicketsClient, sink: any RowSink, runID: String
    ) async throws(LoaderError) -> Int {
        var rows = InventoryRows(runID: runID)
        var next = 0
        let concurrency = inventoryConcurrency
        let result: Result<Void, LoaderError> = await withTaskGroup(
            of: Result<(Int64, Int64, SeatCounters, Instant), LoaderError>.self
        ) { group in
            func start(_ index: Int) {
                let (show, event) = shows[index]
                group.addTask {
                    do throws(QTicketsError) {
                        let answer = try await api.seatCounters(show: show)
                        return .success((show, event, answer.counters, answer.receivedAt))
                    } catch {
                        return .failure(
                            LoaderError(
                                stage: "fetching seats of show \(show)", message: error.description, cause: .api(error))
                        )
                    }
                }
            }
            while next < min(concurrency, shows.count) {
                start(next)
                next += 1
            }
            while let outcome = await group.next() {
                switch outcome {
                case .success(let (show, event, counters, at)):
                    rows.add(show: show, event: event, counters: counters, at: at)
                    if next < shows.count {
                        start(next)
                        next += 1
                    }
                case .failure(let error):
                    group.cancelAll()
                    return .failure(error)
                }
            }
            return .success(())
        }
        try result.get()
        try await sink.write(.inventory, rows.rows)
        log.info("inventory.loaded", ["shows": rows.rows.rows])
        return rows.rows.rows
    }
}

/// What the warehouse says about earlier runs: the order cursor and the last successful start.
struct WarehouseState {
    let maxOrderID: Int64
    let lastOKStartedAt: Instant?

    static func read(from client: ClickHouseClient, job: String) async throws(LoaderError) -> WarehouseState {
        do {
            let cursor = try await client.rows("SELECT max(order_id) FROM stg_qtickets_orders")
            let runs = try await client.rows(
                "SELECT count(), toUnixTimestamp64Milli(max(started_at)) FROM meta_job_runs FINAL WHERE job = \(ClickHouseSQL.literal(job)) AND status = 'ok'"
            )
            let okRuns = Int(runs.first?[0] ?? "") ?? 0
            return WarehouseState(
                maxOrderID: Int64(cursor.first?[0] ?? "") ?? 0,
                lastOKStartedAt: okRuns > 0
                    ? (runs.first?[1] ?? nil).flatMap { Int64($0) }.map(Instant.init(milliseconds:)) : nil)
        } catch {
            throw LoaderError(
                stage: "reading the order cursor and the last successful run", message: error.description,
                cause: .clickhouse(error))
        }
    }
}
