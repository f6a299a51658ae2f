import ClickHouse
import Foundation
import QTicketsSimulator
import SSH
import Testbed

/// `make bench`, the pipeline: a full load of `orders` simulated orders by the release
/// `qtickets-api` binary, in a process of its own so that its peak RSS is its own, from the
/// simulator (in this process, on loopback) into a scratch database on the testbed's ClickHouse,
/// through an SSH tunnel. The loader's own figures (time waiting on the API, parsing, in
/// ClickHouse) come from its `run.finish` log line.
struct LoaderBench {
    let binary: String
    let orders: Int

    struct Result: Encodable {
        let orders: Int
        let seconds: Double
        let ordersPerSecond: Double
        let peakRSSMegabytes: Double
        let apiWaitSeconds: Double
        let parseSeconds: Double
        let clickhouseSeconds: Double
        let datasetSeconds: Double
        let complete: Bool
    }

    func run() async throws -> Result {
        let token = "bench-" + UUID().uuidString
        let now = Date()
        let datasetStart = ContinuousClock.now
        let dataset = SimulatorDataset(
            seed: 2026, orders: orders, start: now.addingTimeInterval(-330 * 86_400), span: 360 * 86_400)
        let simulator = QTicketsSimulator(dataset: dataset, token: token, now: now)
        let datasetSeconds = datasetStart.duration(to: .now).secondsValue
        let server = try await simulator.start(host: "127.0.0.1", port: 0)
        let database = try await PipelineDatabase.create(prefix: "bench_loader", on: "museshow")
        defer { Task { try? await database.drop() } }
        let endpoint = database.server.admin
        let environment = [
            "QTICKETS_BASE_URL": server.baseURL, "QTICKETS_TOKEN": token, "ORG_NAME": "bench",
            "QTICKETS_PAGE_SIZE": "1000",
            "CLICKHOUSE_HOST": endpoint.url.host ?? "127.0.0.1", "CLICKHOUSE_PORT": String(endpoint.url.port ?? 8123),
            "CLICKHOUSE_DB": database.name, "CLICKHOUSE_USER": endpoint.user, "CLICKHOUSE_PASSWORD": endpoint.password,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        let log = NSTemporaryDirectory() + "qtickets-bench-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let started = ContinuousClock.now
        let (status, peakKilobytes) = try spawnMeasured([binary, "run"], environment: environment, output: log)
        let seconds = started.duration(to: .now).secondsValue
        await server.stop()
        let lines = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0, let finish = lines.split(separator: "\n").last(where: { $0.contains("event=run.finish") })
        else {
            throw TestbedUnavailable("the loader failed (status \(status)):\n\(lines.suffix(2000))")
        }
        func figure(_ key: String) -> Double {
            finish.split(separator: " ").first { $0.hasPrefix(key + "=") }.flatMap {
                Double($0.dropFirst(key.count + 1))
            } ?? -1
        }
        let stored = Int(try await database.client.value("SELECT count() FROM stg_qtickets_orders FINAL") ?? "") ?? -1
        let visible = simulator.truth().visibleOrders
        return Result(
            orders: stored, seconds: seconds, ordersPerSecond: Double(stored) / seconds,
            peakRSSMegabytes: Double(peakKilobytes) / 1024,
            apiWaitSeconds: figure("api_wait_seconds"), parseSeconds: figure("parse_seconds"),
            clickhouseSeconds: figure("clickhouse_seconds"),
            datasetSeconds: datasetSeconds, complete: stored == visible)
    }

    /// Runs a program with `environment`, stdout and stderr into `output`, and returns its exit
    /// status and peak resident set size in kilobytes. The peak is read from the child's own
    /// `/proc/PID/status` (VmHWM) while it runs: wait4's ru_maxrss would include this process's
    /// memory, which posix_spawn's vfork-style start shares with the child until it execs.
    private func spawnMeasured(_ arguments: [String], environment: [String: String], output: String) throws -> (
        Int32, Int
    ) {
        guard let pid = spawn(arguments, environment: environment, output: output) else {
            throw TestbedUnavailable(
                "cannot start \(arguments[0]): build it with `make static`")
        }
        var status: Int32 = 0
        var peak = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            {
                peak = max(peak, kilobytes)
            }
            usleep(20_000)
        }
        return ((status >> 8) & 0xFF, peak)
    }
}
