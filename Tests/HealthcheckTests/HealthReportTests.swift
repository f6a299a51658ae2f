import ClickHouse
import Foundation
import Healthcheck
import Testing

@Suite("HealthReport: JSON, text, the HTTP answer and the thresholds")
struct HealthReportTests {
    static func report(_ status: HealthStatus) -> HealthReport {
        var report = HealthReport(
            job: "qtickets_api", checkedAt: Date(timeIntervalSince1970: 1_764_000_000.123),
            checks: [
                HealthReport.Check(name: "last_run", status: .ok, ageSeconds: 300, message: "run 1 ok, started 5m ago"),
                HealthReport.Check(
                    name: "last_ok_run", status: status, ageSeconds: 4000, warnAfterSeconds: 2700,
                    criticalAfterSeconds: 7200,
                    message: "last successful run finished 1h 6m ago"),
            ])
        report.lastRun = HealthReport.Run(
            id: "8d0c7c4e-5b7e-4c55-9d8e-0d5e1f3f2a10", status: "ok",
            startedAt: Date(timeIntervalSince1970: 1_763_999_700.5),
            finishedAt: nil, error: "", startedAgeSeconds: 300)
        report.runsTotal = 3
        report.lastOkAgeSeconds = 4000
        report.clockSkewSeconds = -2
        return report
    }

    @Test("statuses order by severity and map to the monitoring exit codes")
    func statuses() {
        #expect(HealthStatus.allCases.map(\.exitCode) == [0, 1, 2, 3])
        #expect(HealthStatus.allCases.sorted() == [.ok, .warning, .critical, .unknown])
        #expect([HealthStatus.warning, .ok, .critical].max() == .critical)
        #expect(Self.report(.critical).status == .critical, "a report's status is its worst check's")
        #expect(
            HealthReport(job: "qtickets_api", checkedAt: Date(), checks: []).status == .unknown,
            "no checks vouch for nothing")
    }

    @Test("JSON round trip keeps every field, times as ISO 8601 UTC with milliseconds")
    func jsonRoundTrip() throws {
        let report = Self.report(.warning)
        let json = report.json()
        let decoded = try HealthReport.decode(json)
        #expect(decoded.json() == json)
        #expect(
            decoded.status == .warning && decoded.checks == report.checks && decoded.lastRun?.id == report.lastRun?.id)
        #expect(decoded.lastRun?.finishedAt == nil && decoded.runsTotal == 3)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"checkedAt\" : \"2025-11-24T16:00:00.123Z\""))
        #expect(text.contains("\"status\" : \"warning\""))
    }

    @Test("the text form is aligned, names the exit code and has no colour codes")
    func render() {
        let text = Self.report(.warning).render()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(
            lines[0]
                == "qtickets_api: WARNING (exit 1), checked 2025-11-24T16:00:00.123Z by the ClickHouse server's clock")
        #expect(lines[1] == "  last_run     ok       run 1 ok, started 5m ago")
        #expect(
            lines[2]
                == "  last_ok_run  warning  last successful run finished 1h 6m ago (warning after 45m, critical after 2h)"
        )
        #expect(!text.contains("\u{1B}"))
    }

    @Test(
        "/healthz and /healthz/<job> answer 200 for ok and warning, 503 for critical and unknown, with the JSON report")
    func httpStatus() throws {
        for (status, code) in [(HealthStatus.ok, 200), (.warning, 200), (.critical, 503), (.unknown, 503)] {
            for path in ["/healthz", "/healthz/", "/healthz/qtickets_api", "/healthz?verbose=1"] {
                let answer = HealthEndpoint.response(method: "GET", path: path, report: Self.report(status))
                #expect(answer.statusCode == code, "\(status) \(path)")
                #expect(answer.contentType == "application/json")
                #expect(try HealthReport.decode(answer.body).status == status)
            }
        }
        let head = HealthEndpoint.response(method: "HEAD", path: "/healthz", report: Self.report(.critical))
        #expect(head.statusCode == 503 && head.body.isEmpty)
    }

    @Test("other paths and other jobs are 404, other methods 405")
    func httpNotFound() {
        for path in [
            "/", "/health", "/healthz/qtickets_sheets", "/healthz/detailed", "/healthz/qtickets_api/x", "/healthzz",
        ] {
            let answer = HealthEndpoint.response(method: "GET", path: path, report: Self.report(.ok))
            #expect(answer.statusCode == 404, "\(path)")
            #expect(String(decoding: answer.body, as: UTF8.self).contains("/healthz/qtickets_api"))
        }
        #expect(HealthEndpoint.response(method: "POST", path: "/healthz", report: Self.report(.ok)).statusCode == 405)
        #expect(HealthEndpoint.job(forPath: "/healthz", defaultJob: "qtickets_api") == "qtickets_api")
        #expect(HealthEndpoint.job(forPath: "/healthz/other", defaultJob: "qtickets_api") == "other")
        #expect(HealthEndpoint.job(forPath: "/metrics", defaultJob: "qtickets_api") == nil)
    }

    @Test(
        "thresholds default to 45 min / 2 h for runs, 6 h / 24 h for data, 30 min for a stuck run; the environment overrides them"
    )
    func thresholds() throws {
        let defaults = try HealthThresholds(environment: [:])
        #expect(defaults == HealthThresholds())
        #expect(defaults.runWarnAfter == .seconds(2700) && defaults.runCriticalAfter == .seconds(7200))
        #expect(defaults.dataWarnAfter == .seconds(6 * 3600) && defaults.dataCriticalAfter == .seconds(24 * 3600))
        #expect(defaults.runStuckAfter == .seconds(1800))
        let custom = try HealthThresholds(environment: [
            "HEALTHCHECK_RUN_WARN_MINUTES": "20", "HEALTHCHECK_RUN_CRITICAL_MINUTES": " 60 ",
            "HEALTHCHECK_DATA_WARN_MINUTES": "",
            "HEALTHCHECK_RUN_STUCK_MINUTES": "25",
        ])
        #expect(custom.runWarnAfter == .seconds(1200) && custom.runCriticalAfter == .seconds(3600))
        #expect(custom.dataWarnAfter == defaults.dataWarnAfter && custom.runStuckAfter == .seconds(1500))
        // 0 judges every age: verify lowers the data thresholds so to see the check turn on real data.
        let lowered = try HealthThresholds(environment: [
            "HEALTHCHECK_DATA_WARN_MINUTES": "0", "HEALTHCHECK_DATA_CRITICAL_MINUTES": "1",
        ])
        #expect(lowered.dataWarnAfter == .zero && lowered.dataCriticalAfter == .seconds(60))
    }

    @Test("a threshold that is not a number of minutes, or a warning not below its critical, names the variable")
    func badThresholds() {
        #expect(throws: HealthThresholdsError.self) {
            try HealthThresholds(environment: ["HEALTHCHECK_DATA_CRITICAL_MINUTES": "6h"])
        }
        do {
            _ = try HealthThresholds(environment: ["HEALTHCHECK_DATA_CRITICAL_MINUTES": "6h"])
        } catch {
            #expect(error.variable == "HEALTHCHECK_DATA_CRITICAL_MINUTES")
            #expect(error.message.contains("HEALTHCHECK_DATA_CRITICAL_MINUTES=6h is not a number of minutes"))
        }
        #expect(throws: HealthThresholdsError.self) {
            try HealthThresholds(environment: ["HEALTHCHECK_RUN_WARN_MINUTES": "-1"])
        }
        do {
            _ = try HealthThresholds(environment: ["HEALTHCHECK_RUN_WARN_MINUTES": "-1"])
        } catch {
            #expect(error.variable == "HEALTHCHECK_RUN_WARN_MINUTES")
        }
        do {
            _ = try HealthThresholds(environment: ["HEALTHCHECK_RUN_WARN_MINUTES": "180"])
        } catch {
            #expect(error.variable == "HEALTHCHECK_RUN_WARN_MINUTES")
            #expect(
                error.message
                    == "HEALTHCHECK_RUN_WARN_MINUTES (180 min) must be below HEALTHCHECK_RUN_CRITICAL_MINUTES (120 min)"
            )
        }
    }
}

/// A server that answers every query with the same rows.
struct CannedClickHouse: ClickHouseQuerying {
    let answer: [[String?]]
    var database: String? { "zakaz" }

    func execute(_ sql: String, settings: [String: String]) async throws(ClickHouseError) {}
    func rows(_ sql: String, settings: [String: String]) async throws(ClickHouseError) -> [[String?]] { answer }
    func using(database: String?) -> CannedClickHouse { self }
}

@Suite("HealthChecker on answers of the wrong shape")
struct HealthCheckerShapeTests {
    @Test("an answer that is not one row of the expected columns is unknown, naming the query")
    func wrongShape() async {
        let report = await HealthChecker(client: CannedClickHouse(answer: [["1"], ["2"]])).evaluate()
        #expect(report.status == .unknown)
        #expect(
            report.check("clickhouse")?.message
                == "ClickHouse failed the healthcheck query: the meta_job_runs query answered 2 rows of 1 columns, expected one row of 24"
        )
    }

    @Test("a field that is not a number is unknown, naming the column")
    func notANumber() async {
        let row: [String?] = ["1764000000000", "many"] + Array(repeating: "0", count: 22)
        let report = await HealthChecker(client: CannedClickHouse(answer: [row])).evaluate()
        #expect(report.status == .unknown)
        #expect(
            report.check("clickhouse")?.message.hasSuffix(
                "the meta_job_runs query answered many in column 2, expected a count") == true)
    }
}
