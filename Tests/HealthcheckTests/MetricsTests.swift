import ClickHouse
import Foundation
import Healthcheck
import Testbed
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Reports of every shape the exposition has to render.
enum MetricReports {
    /// Every figure set; the release and the run's status carry characters the format must escape.
    static func full(release: String = "rel \"7\" \\ a\nb", runStatus: String = "ok") -> HealthReport {
        var report = HealthReport(
            job: "qtickets_api", checkedAt: Date(timeIntervalSince1970: 1_764_000_000.123),
            checks: [
                HealthReport.Check(name: "last_run", status: .ok, message: "run ok"),
                HealthReport.Check(name: "data", status: .warning, ageSeconds: 22_000, message: "old"),
            ])
        var run = HealthReport.Run(
            id: "8d0c7c4e-5b7e-4c55-9d8e-0d5e1f3f2a10", status: runStatus,
            startedAt: Date(timeIntervalSince1970: 1_763_999_700.5),
            finishedAt: Date(timeIntervalSince1970: 1_763_999_784.25), error: "", startedAgeSeconds: 300)
        run.rows = ["orders": 40, "tickets": 90, "events": 3, "shows": 9, "inventory": 0]
        run.apiRequests = 12
        run.retries = 1
        run.releaseID = release
        report.lastRun = run
        report.lastOkFinishedAt = Date(timeIntervalSince1970: 1_763_999_784.25)
        report.runsTotal = 5
        report.runsOk = 3
        report.runsError = 1
        report.runsRunning = 1
        report.apiRequestsTotal = 70
        report.retriesTotal = 4
        report.freshness = [
            HealthReport.Freshness(
                entity: "orders", storedRows: 1200, lastLoadedAt: Date(timeIntervalSince1970: 1_763_978_000),
                ageSeconds: 22_000),
            HealthReport.Freshness(entity: "inventory", storedRows: 0, lastLoadedAt: nil, ageSeconds: nil),
        ]
        return report
    }

    /// ClickHouse could not be asked: the verdict alone.
    static var unknown: HealthReport {
        HealthReport(
            job: "qtickets_api", checkedAt: Date(),
            checks: [HealthReport.Check(name: "clickhouse", status: .unknown, message: "unreachable")])
    }
}

extension [PrometheusTools.Family] {
    /// The value of the sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let sample = lazy.flatMap(\.samples).first { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return sample?.value
    }
}

@Suite("Metrics: the Prometheus text exposition of the verdict and of a run")
struct MetricsTests {
    @Test(
        "the exposition parses with the official parser (needs python3-prometheus-client): HELP and TYPE for every family, counters end in _total, label values escaped"
    )
    func officialParser() throws {
        let text = MetricReports.full().metrics()
        let families = try PrometheusTools.parse(text)
        #expect(
            families.map(\.name) == [
                "qtickets_health_status", "qtickets_last_run_status", "qtickets_last_run_start_timestamp_seconds",
                "qtickets_last_run_duration_seconds", "qtickets_last_run_rows", "qtickets_last_run_api_requests",
                "qtickets_last_run_api_retries", "qtickets_release_info", "qtickets_last_success_timestamp_seconds",
                "qtickets_runs", "qtickets_api_requests", "qtickets_api_retries", "qtickets_data_age_seconds",
                "qtickets_data_stored_rows",
            ], "\(text)")
        #expect(families.allSatisfy { !$0.help.isEmpty && $0.type != "unknown" }, "\(text)")
        #expect(
            families.filter { $0.type == "counter" }.map(\.name) == [
                "qtickets_runs", "qtickets_api_requests", "qtickets_api_retries",
            ])
        #expect(
            families.filter { $0.type == "counter" }.flatMap(\.samples).allSatisfy { $0.name.hasSuffix("_total") })
        for state in HealthStatus.allCases {
            #expect(families.value("qtickets_health_status", ["state": state.rawValue]) == (state == .warning ? 1 : 0))
        }
        #expect(families.value("qtickets_last_run_status", ["status": "ok"]) == 1)
        #expect(families.value("qtickets_last_run_status", ["status": "error"]) == 0)
        #expect(families.value("qtickets_last_run_start_timestamp_seconds") == 1_763_999_700.5)
        #expect(families.value("qtickets_last_run_duration_seconds") == 83.75)
        #expect(families.value("qtickets_last_run_rows", ["entity": "tickets"]) == 90)
        #expect(families.value("qtickets_last_run_api_requests") == 12)
        #expect(families.value("qtickets_last_run_api_retries") == 1)
        #expect(families.value("qtickets_runs_total", ["status": "error"]) == 1)
        #expect(
            families.value("qtickets_api_requests_total") == 70 && families.value("qtickets_api_retries_total") == 4)
        #expect(families.value("qtickets_data_age_seconds", ["table": "stg_qtickets_orders"]) == 22_000)
        #expect(
            families.value("qtickets_data_age_seconds", ["table": "stg_qtickets_inventory"]) == nil, "empty: no age")
        #expect(families.value("qtickets_data_stored_rows", ["table": "stg_qtickets_inventory"]) == 0)
        #expect(families.value("qtickets_release_info", ["release": "rel \"7\" \\ a\nb"]) == 1, "escaped and read back")
        #expect(text.contains(#"qtickets_release_info{release="rel \"7\" \\ a\nb"} 1"#))

        let odd = try PrometheusTools.parse(MetricReports.full(runStatus: "paused").metrics())
        #expect(
            odd.value("qtickets_last_run_status", ["status": "paused"]) == 1, "a status outside the vocabulary shows")
        #expect(odd.value("qtickets_last_run_status", ["status": "ok"]) == 0)

        let unknown = try PrometheusTools.parse(MetricReports.unknown.metrics())
        #expect(unknown.map(\.name) == ["qtickets_health_status"], "no figures when ClickHouse cannot be asked")
        #expect(unknown.value("qtickets_health_status", ["state": "unknown"]) == 1)
    }

    @Test("promtool check metrics finds nothing to fix (needs promtool, from Debian's prometheus)")
    func promtoolLint() throws {
        for report in [MetricReports.full(), MetricReports.full(release: "0123456789abcdef"), MetricReports.unknown] {
            let text = report.metrics()
            let lint = try PrometheusTools.promtool(["check", "metrics"], input: text)
            #expect(
                lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint.stdout)\(lint.stderr)\n\(text)")
        }
        let run = try #require(MetricReports.full().lastRun)
        let lint = try PrometheusTools.promtool(["check", "metrics"], input: run.metrics())
        #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint.stdout)\(lint.stderr)")
    }

    @Test("/metrics answers 200 in the text format whatever the verdict; HEAD has no body; other paths still 404")
    func endpoint() {
        for status in HealthStatus.allCases {
            var report = MetricReports.full()
            report.status = status
            for path in ["/metrics", "/metrics/", "/metrics?name[]=x"] {
                let answer = HealthEndpoint.response(method: "GET", path: path, report: report)
                #expect(answer.statusCode == 200, "\(status) \(path)")
                #expect(answer.contentType == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(decoding: answer.body, as: UTF8.self) == report.metrics())
            }
        }
        let head = HealthEndpoint.response(method: "HEAD", path: "/metrics", report: MetricReports.unknown)
        #expect(head.statusCode == 200 && head.body.isEmpty)
        #expect(
            HealthEndpoint.response(method: "POST", path: "/metrics", report: MetricReports.unknown).statusCode == 405)
        let missing = HealthEndpoint.response(method: "GET", path: "/metricsz", report: MetricReports.unknown)
        #expect(missing.statusCode == 404 && String(decoding: missing.body, as: UTF8.self).contains("/metrics"))
        #expect(HealthEndpoint.needsReport(path: "/metrics", job: "qtickets_api"))
        #expect(HealthEndpoint.needsReport(path: "/healthz", job: "qtickets_api"))
        #expect(!HealthEndpoint.needsReport(path: "/healthz/other", job: "qtickets_api"))
        #expect(!HealthEndpoint.needsReport(path: "/", job: "qtickets_api"))
    }

    @Test(
        "a metrics file is replaced by a rename: a new inode, mode 0644 under umask 077, nothing else in the folder; an unwritable place names the path"
    )
    func atomicFile() throws {
        let folder = try TemporaryDirectory("metrics-file")
        let path = folder.file("qtickets_api.prom")
        try MetricsFile.write("first 1\n", to: path)
        let before = try FileManager.default.attributesOfItem(atPath: path)
        let previous = umask(0o077)
        defer { umask(previous) }
        try MetricsFile.write("second 2\n", to: path)
        let after = try FileManager.default.attributesOfItem(atPath: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second 2\n")
        #expect(
            (after[.systemFileNumber] as? Int) != (before[.systemFileNumber] as? Int), "renamed over, not rewritten")
        #expect((after[.posixPermissions] as? Int) == 0o644, "node_exporter runs as another user")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["qtickets_api.prom"])

        let nowhere = folder.file("missing/qtickets_api.prom")
        let error = #expect(throws: MetricsFileError.self) { try MetricsFile.write("x 1\n", to: nowhere) }
        #expect(error?.path == nowhere && error?.description.contains("No such file or directory") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["qtickets_api.prom"])
    }
}

@Suite("Metrics against the shipped schema on the testbed's ClickHouse", .serialized)
struct MetricsClickHouseTests {
    /// A finished run with every figure recorded, started `startedSecondsAgo` and lasting `durationMilliseconds`.
    static func run(
        _ status: String, startedSecondsAgo: Int, durationMilliseconds: Int, rows: [Int], apiRequests: Int,
        retries: Int, release: String
    ) -> String {
        // One instant for both ends: ClickHouse evaluates each now64() of a VALUES row on its own.
        let now = "fromUnixTimestamp64Milli(toInt64(\(Int(Date().timeIntervalSince1970 * 1000))))"
        let started = "\(now) - toIntervalMillisecond(\(startedSecondsAgo * 1000))"
        let finished = "\(now) - toIntervalMillisecond(\(startedSecondsAgo * 1000 - durationMilliseconds))"
        return """
            INSERT INTO meta_job_runs (run_id, job, started_at, finished_at, status, rows_orders, rows_tickets,
                rows_events, rows_shows, rows_inventory, api_requests, retries, error, release_id, _version)
            VALUES (generateUUIDv4(), 'qtickets_api', \(started), \(finished), \(ClickHouseSQL.literal(status)),
                \(rows.map(String.init).joined(separator: ", ")), \(apiRequests), \(retries),
                \(ClickHouseSQL.literal(status == "error" ? "HTTP 503" : "")), \(ClickHouseSQL.literal(release)), 1)
            """
    }

    static func get(_ path: String, port: Int) async throws -> (status: Int, contentType: String?, body: Data) {
        let (body, response) = try await URLSession(configuration: .ephemeral).data(
            from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), body)
    }

    @Test(
        "GET /metrics of a served healthcheck: 200, the text format, every figure the verdict's and meta_job_runs' (needs python3-prometheus-client and promtool)"
    )
    func served() async throws {
        try await PipelineDatabase.with(prefix: "metrics") { database in
            for statement in [
                Self.run(
                    "error", startedSecondsAgo: 1800, durationMilliseconds: 4000, rows: [0, 0, 3, 9, 0], apiRequests: 5,
                    retries: 2, release: "0123456789abcdef"),
                Self.run(
                    "ok", startedSecondsAgo: 360, durationMilliseconds: 83_500, rows: [40, 90, 3, 9, 9],
                    apiRequests: 12, retries: 1, release: "0123456789abcdef"),
                RecordedRuns.order(loadedMinutesAgo: 5),
            ] {
                try await database.client.execute(statement)
            }
            let server = try await HealthServer.start(
                host: "127.0.0.1", port: 0, checker: HealthChecker(client: database.client), reuseFor: .seconds(60))
            defer { Task { await server.stop() } }
            let metrics = try await Self.get("/metrics", port: server.port)
            let health = try await Self.get("/healthz", port: server.port)
            #expect(metrics.status == 200 && metrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
            let report = try HealthReport.decode(health.body)
            #expect(health.status == 200 && report.status == .ok, "\(report.render())")
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text == report.metrics(), "the same verdict, figure for figure")

            let families = try PrometheusTools.parse(text)
            #expect(families.value("qtickets_health_status", ["state": "ok"]) == 1)
            #expect(families.value("qtickets_health_status", ["state": "critical"]) == 0)
            #expect(families.value("qtickets_last_run_status", ["status": "ok"]) == 1)
            let run = try #require(report.lastRun)
            #expect(
                abs(
                    (families.value("qtickets_last_run_start_timestamp_seconds") ?? 0)
                        - run.startedAt.timeIntervalSince1970)
                    < 0.001)
            #expect(families.value("qtickets_last_run_duration_seconds") == 83.5)
            #expect(families.value("qtickets_last_run_rows", ["entity": "orders"]) == 40)
            #expect(families.value("qtickets_last_run_rows", ["entity": "inventory"]) == 9)
            #expect(families.value("qtickets_last_run_api_requests") == 12)
            #expect(families.value("qtickets_last_run_api_retries") == 1)
            #expect(families.value("qtickets_runs_total", ["status": "ok"]) == 1)
            #expect(families.value("qtickets_runs_total", ["status": "error"]) == 1)
            #expect(
                families.value("qtickets_api_requests_total") == 17 && families.value("qtickets_api_retries_total") == 3
            )
            #expect(
                families.value("qtickets_data_age_seconds", ["table": "stg_qtickets_orders"])
                    == report.ordersAgeSeconds.map(Double.init))
            #expect((290...330).contains(families.value("qtickets_data_age_seconds") ?? 0))
            #expect(families.value("qtickets_data_stored_rows", ["table": "stg_qtickets_orders"]) == 1)
            #expect(families.value("qtickets_data_stored_rows", ["table": "stg_qtickets_tickets"]) == 0)
            #expect(families.value("qtickets_release_info", ["release": "0123456789abcdef"]) == 1)
            #expect(
                abs(
                    (families.value("qtickets_last_success_timestamp_seconds") ?? 0)
                        - (report.lastOkFinishedAt?.timeIntervalSince1970 ?? 1)) < 0.001)
            let lint = try PrometheusTools.promtool(["check", "metrics"], input: text)
            #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint.stdout)\(lint.stderr)")
        }
    }

    @Test(
        "qtickets-api run --metrics-file: the file is replaced atomically, parses, and holds the figures /metrics shows for that run (needs python3-prometheus-client)"
    )
    func metricsFile() async throws {
        let folder = try TemporaryDirectory("metrics-run")
        let binary = try ReleaseBinary(in: folder, release: "feedfacecafe0001")
        let simulator = try SimulatorProcess(token: "sim-" + UUID().uuidString)
        defer { simulator.stop() }
        try await PipelineDatabase.with(prefix: "metrics_run") { database in
            let admin = database.server.admin
            let environment = [
                "QTICKETS_BASE_URL": simulator.baseURL, "QTICKETS_TOKEN": simulator.token, "ORG_NAME": "metrics-test",
                "CLICKHOUSE_HOST": admin.url.host ?? "", "CLICKHOUSE_PORT": "\(admin.url.port ?? 8123)",
                "CLICKHOUSE_DB": database.name, "CLICKHOUSE_USER": admin.user, "CLICKHOUSE_PASSWORD": admin.password,
            ]
            try FileManager.default.createDirectory(atPath: folder.file("textfile"), withIntermediateDirectories: false)
            let path = folder.file("textfile/qtickets_api.prom")
            try "stale 1\n".write(toFile: path, atomically: false, encoding: .utf8)
            let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int

            let run = try ToolRun(binary.path, ["run", "--metrics-file", path], environment: environment)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.systemFileNumber] as? Int) != inode, "renamed over the old file")
            #expect((attributes[.posixPermissions] as? Int) == 0o644)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: folder.file("textfile")) == ["qtickets_api.prom"])
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let families = try PrometheusTools.parse(text)
            #expect(families.value("qtickets_last_run_status", ["status": "ok"]) == 1, "\(text)")
            #expect(families.value("qtickets_release_info", ["release": "feedfacecafe0001"]) == 1)
            let recorded = try #require(
                try await database.client.rows(
                    "SELECT rows_orders, rows_tickets, api_requests FROM meta_job_runs FINAL WHERE status = 'ok'"
                ).first)
            #expect(families.value("qtickets_last_run_rows", ["entity": "orders"]) == recorded[0].flatMap(Double.init))
            #expect(families.value("qtickets_last_run_rows", ["entity": "tickets"]) == recorded[1].flatMap(Double.init))
            #expect(families.value("qtickets_last_run_api_requests") == recorded[2].flatMap(Double.init))
            #expect((families.value("qtickets_last_run_rows", ["entity": "orders"]) ?? 0) > 0)

            let report = await HealthChecker(client: database.client).evaluate()
            #expect(report.lastRun?.metrics() == text, "the file is the run's part of /metrics, byte for byte")
            let served = report.metrics()
            #expect(text.split(separator: "\n").allSatisfy { served.split(separator: "\n").contains($0) })

            var revoked = environment
            revoked["QTICKETS_TOKEN"] = "revoked-" + UUID().uuidString
            let failed = try ToolRun(binary.path, ["run", "--metrics-file", path], environment: revoked)
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let after = try PrometheusTools.parse(try String(contentsOfFile: path, encoding: .utf8))
            #expect(after.value("qtickets_last_run_status", ["status": "error"]) == 1)
            #expect(after.value("qtickets_last_run_status", ["status": "ok"]) == 0)

            let wrongName = try ToolRun(binary.path, ["run", "--metrics-file", folder.file("qtickets.txt")])
            #expect(wrongName.status == 64 && wrongName.stderr.contains("must end in .prom"), "\(wrongName.stderr)")
            let dryRun = try ToolRun(binary.path, ["run", "--dry-run", "--metrics-file", path])
            #expect(dryRun.status == 64 && dryRun.stderr.contains("--dry-run makes none"), "\(dryRun.stderr)")
        }
    }
}

/// The debug `qtickets-api` placed as a release places it (`<release>/bin/qtickets-api` next to a
/// `RELEASE` file), so the run records a release id. A hard link, or a copy across file systems.
struct ReleaseBinary {
    let path: String

    init(in folder: TemporaryDirectory, release: String) throws {
        let built = Testbed.repository.appendingPathComponent(".build/debug/qtickets-api").path
        guard FileManager.default.isExecutableFile(atPath: built) else {
            throw TestbedUnavailable("\(built) is missing: build first (swift build --build-tests)")
        }
        try FileManager.default.createDirectory(atPath: folder.file("release/bin"), withIntermediateDirectories: true)
        try folder.write(release + "\n", to: "release/RELEASE")
        path = folder.file("release/bin/qtickets-api")
        do {
            try FileManager.default.linkItem(atPath: built, toPath: path)
        } catch {
            try FileManager.default.copyItem(atPath: built, toPath: path)
        }
    }
}

/// The debug `qtickets-sim` on a free loopback port, over a small recent dataset; stopped with SIGTERM.
final class SimulatorProcess: @unchecked Sendable {
    let token: String
    let baseURL: String
    private let process = Process()

    init(token: String) throws {
        self.token = token
        let binary = Testbed.repository.appendingPathComponent(".build/debug/qtickets-sim").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestbedUnavailable("\(binary) is missing: build first (swift build --build-tests)")
        }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--orders", "300", "--recent-days", "5"]
        process.environment = ["QTICKETS_SIM_TOKEN": token]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("control ") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("qtickets-sim: API ") }) else {
            process.terminate()
            throw TestbedUnavailable("qtickets-sim did not say where it listens: \(seen)")
        }
        baseURL = String(line.dropFirst("qtickets-sim: API ".count))
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
