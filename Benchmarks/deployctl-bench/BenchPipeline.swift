import Foundation
import QTicketsSimulator
import Testbed

/// What a deploy bench's pipeline talks to: the simulator on the machine's end of `target`'s link
/// (500 orders over the last 10 days) and an env file for the loader (mode 0600) that points at it
/// and at the host's own ClickHouse, as `secrets push` takes it.
struct BenchPipeline {
    let server: SimulatorServer
    let envFile: String

    static func start(for target: Testbed.Host, in work: TemporaryDirectory) async throws -> BenchPipeline {
        let token = "bench-" + UUID().uuidString
        let outside = target.address.split(separator: ".").dropLast().joined(separator: ".") + ".1"
        let simulator = QTicketsSimulator(
            dataset: SimulatorDataset(
                seed: 5, orders: 500, start: Date().addingTimeInterval(-10 * 86_400), span: 10 * 86_400), token: token,
            now: Date())
        let server = try await simulator.start(host: outside, port: 0)
        let password = try String(contentsOfFile: Testbed.directory + "/secrets/clickhouse-writer", encoding: .utf8)
        let envFile = try work.write(
            "QTICKETS_BASE_URL=\(server.baseURL)\nQTICKETS_TOKEN=\(token)\nORG_NAME=bench\nCLICKHOUSE_HOST=127.0.0.1\n"
                + "CLICKHOUSE_PORT=8123\nCLICKHOUSE_DB=zakaz\nCLICKHOUSE_USER=etl_writer\nCLICKHOUSE_PASSWORD=\(password)\n",
            to: "qtickets_api.env")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: envFile)
        return BenchPipeline(server: server, envFile: envFile)
    }

    func stop() async { await server.stop() }
}
