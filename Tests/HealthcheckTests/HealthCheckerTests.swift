import ClickHouse
import Foundation
import Healthcheck
import Testbed
import Testing

/// Rows a loader leaves in `meta_job_runs` and `stg_qtickets_orders`, timed by the server's clock.
enum RecordedRuns {
    /// A run that started `startedMinutesAgo` and, unless `status` is running, finished a minute later.
    static func run(_ status: String, startedMinutesAgo: Int, error: String = "", job: String = "qtickets_api")
        -> String
    {
        let finished = status == "running" ? "NULL" : "now64(3) - INTERVAL \(startedMinutesAgo * 60 - 60) SECOND"
        return """
            INSERT INTO meta_job_runs (run_id, job, started_at, finished_at, status, error, _version)
            VALUES (generateUUIDv4(), \(ClickHouseSQL.literal(job)), now64(3) - INTERVAL \(startedMinutesAgo) MINUTE, \(finished),
                    \(ClickHouseSQL.literal(status)), \(ClickHouseSQL.literal(error)), 1)
            """
    }

    /// One staged order loaded `minutesAgo` minutes ago.
    static func order(loadedMinutesAgo minutesAgo: Int) -> String {
        """
        INSERT INTO stg_qtickets_orders (order_id, event_id, created_at, updated_at, state, _version, _loaded_at, _run_id)
        VALUES (\(Int.random(in: 1...1_000_000)), 101, now64(3), now64(3), 'pending', 1, now64(3) - INTERVAL \(minutesAgo) MINUTE, generateUUIDv4())
        """
    }

    static func evaluate(_ statements: [String], now: Date = Date()) async throws -> HealthReport {
        try await PipelineDatabase.with(prefix: "health") { database in
            for statement in statements { try await database.client.execute(statement) }
            return await HealthChecker(client: database.client).evaluate(now: now)
        }
    }
}

@Suite("HealthChecker against the shipped schema on the testbed's ClickHouse")
struct HealthCheckerTests {
    @Test("a recent successful run and freshly loaded orders: ok, exit 0")
    func fresh() async throws {
        let report = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 6), RecordedRuns.order(loadedMinutesAgo: 5),
        ])
        #expect(report.status == .ok && report.status.exitCode == 0, "\(report.render())")
        #expect(report.checks.map(\.name) == ["last_run", "last_ok_run", "data"])
        #expect(report.checks.allSatisfy { $0.status == .ok })
        #expect(report.runsTotal == 1 && report.runsOk == 1 && report.ordersStored == 1)
        #expect((290...310).contains(report.lastOkAgeSeconds ?? 0))
        #expect(report.lastRun?.status == "ok" && report.lastRun?.finishedAt != nil)
    }

    @Test("the last successful run an hour ago: warning, exit 1; three hours ago: critical, exit 2")
    func staleRuns() async throws {
        let warning = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 61), RecordedRuns.order(loadedMinutesAgo: 5),
        ])
        #expect(warning.status == .warning && warning.status.exitCode == 1, "\(warning.render())")
        #expect(warning.check("last_ok_run")?.status == .warning)
        #expect(warning.check("last_ok_run")?.warnAfterSeconds == Int64(45 * 60))
        #expect(warning.check("last_ok_run")?.message == "last successful run finished 1h ago")

        let critical = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 181), RecordedRuns.order(loadedMinutesAgo: 5),
        ])
        #expect(critical.status == .critical && critical.status.exitCode == 2, "\(critical.render())")
        #expect(critical.check("last_ok_run")?.status == .critical)
    }

    @Test("orders last loaded 7 hours ago: warning; 25 hours ago: critical, although the runs succeed")
    func staleData() async throws {
        let warning = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 6), RecordedRuns.order(loadedMinutesAgo: 7 * 60),
        ])
        #expect(warning.status == .warning, "\(warning.render())")
        #expect(
            warning.check("data")?.status == .warning
                && warning.check("data")?.message == "newest orders row loaded 7h ago")
        let critical = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 6), RecordedRuns.order(loadedMinutesAgo: 25 * 60),
        ])
        #expect(critical.status == .critical && critical.check("data")?.status == .critical, "\(critical.render())")
    }

    @Test("a job that never ran, or never succeeded, is critical: no successful run recorded")
    func neverRan() async throws {
        let empty = try await RecordedRuns.evaluate([])
        #expect(empty.status == .critical && empty.status.exitCode == 2, "\(empty.render())")
        #expect(empty.check("last_ok_run")?.message == "no successful run recorded")
        #expect(empty.check("last_run")?.status == .critical)
        #expect(empty.check("data")?.status == .warning)
        #expect(empty.lastRun == nil && empty.runsTotal == 0)

        let otherJob = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 6, job: "qtickets_sheets")
        ])
        #expect(otherJob.status == .critical, "another job's runs do not count")

        let onlyErrors = try await RecordedRuns.evaluate([
            RecordedRuns.run("error", startedMinutesAgo: 6, error: "HTTP 401 from QTickets")
        ])
        #expect(onlyErrors.status == .critical)
        #expect(onlyErrors.check("last_ok_run")?.message == "no successful run recorded")
        #expect(onlyErrors.check("last_run")?.message.hasSuffix("HTTP 401 from QTickets") == true)
    }

    @Test("a failed last run warns while the last success is recent, and is critical once it is old")
    func lastRunFailed() async throws {
        let recent = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 21),
            RecordedRuns.run("error", startedMinutesAgo: 6, error: "ClickHouse: Code 241 MEMORY_LIMIT_EXCEEDED"),
            RecordedRuns.order(loadedMinutesAgo: 20),
        ])
        #expect(recent.status == .warning, "\(recent.render())")
        #expect(recent.check("last_run")?.status == .warning)
        #expect(recent.check("last_run")?.message.contains("failed") == true)
        #expect(recent.lastRun?.error == "ClickHouse: Code 241 MEMORY_LIMIT_EXCEEDED")
        #expect(recent.check("last_ok_run")?.status == .ok)

        let old = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 200),
            RecordedRuns.run("error", startedMinutesAgo: 6, error: "HTTP 503"),
            RecordedRuns.order(loadedMinutesAgo: 20),
        ])
        #expect(old.status == .critical, "\(old.render())")
        #expect(old.check("last_run")?.status == .warning && old.check("last_ok_run")?.status == .critical)
    }

    @Test("a run marked running for 40 minutes looks stuck; one started 5 minutes ago is in progress")
    func stuckRun() async throws {
        let stuck = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 41), RecordedRuns.run("running", startedMinutesAgo: 40),
            RecordedRuns.order(loadedMinutesAgo: 40),
        ])
        #expect(stuck.status == .warning, "\(stuck.render())")
        #expect(stuck.check("last_run")?.message.contains("looks stuck or crashed") == true)
        #expect(stuck.lastRun?.status == "running")
        #expect(stuck.lastRun?.finishedAt == nil, "the running row's end, not the previous run's")

        let running = try await RecordedRuns.evaluate([
            RecordedRuns.run("ok", startedMinutesAgo: 16), RecordedRuns.run("running", startedMinutesAgo: 5),
            RecordedRuns.order(loadedMinutesAgo: 15),
        ])
        #expect(running.status == .ok, "\(running.render())")
        #expect(running.check("last_run")?.message.contains("in progress") == true)
    }

    @Test("ages come from the server: a monitoring host 3 hours ahead sees the same verdict and the skew")
    func clockSkew() async throws {
        let report = try await RecordedRuns.evaluate(
            [RecordedRuns.run("ok", startedMinutesAgo: 6), RecordedRuns.order(loadedMinutesAgo: 5)],
            now: Date().addingTimeInterval(3 * 3600))
        #expect(report.status == .ok)
        #expect((10_700...10_900).contains(report.clockSkewSeconds ?? 0))
        #expect(abs(report.checkedAt.timeIntervalSinceNow) < 120, "checkedAt is the server's time")
        #expect(
            report.render().contains("ahead of the server's"), "the skew is named (3h, or 2h 59m with a slow answer)")
    }

    @Test("a closed port, a wrong password or a missing schema: unknown, exit 3, with the error")
    func unknown() async throws {
        let closed = ClickHouseClient(
            endpoint: ClickHouseEndpoint(
                url: URL(string: "http://127.0.0.1:1")!, user: "admin", password: UUID().uuidString,
                timeout: .seconds(3)), readAttempts: 1)
        let unreachable = await HealthChecker(client: closed).evaluate()
        #expect(unreachable.status == .unknown && unreachable.status.exitCode == 3)
        #expect(unreachable.checks.map(\.name) == ["clickhouse"])
        let message = try #require(unreachable.check("clickhouse")?.message)
        #expect(
            message.hasPrefix("ClickHouse is unreachable: ") && message.contains("http://127.0.0.1:1"), "\(message)")

        let server = try ClickHouseServer.modern()
        var wrongPassword = server.admin
        wrongPassword.password = "wrong-" + UUID().uuidString
        let refused = await HealthChecker(client: ClickHouseClient(endpoint: wrongPassword)).evaluate()
        #expect(refused.status == .unknown)
        #expect(
            refused.check("clickhouse")?.message.contains("refused the healthcheck's credentials") == true,
            "\(refused.render())")

        let noSchema = await HealthChecker(
            client: ClickHouseClient(endpoint: server.admin).using(
                database: "health_no_schema_\(UInt32.random(in: 0..<UInt32.max))")
        )
        .evaluate()
        #expect(noSchema.status == .unknown)
        #expect(noSchema.check("clickhouse")?.message.contains("schema is missing") == true, "\(noSchema.render())")
    }
}
