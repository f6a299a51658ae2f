import ClickHouse
import Foundation
import QTicketsLoader
import QTicketsSimulator
import Testbed
import Testing

/// A simulator on loopback, a scratch warehouse on the testbed's ClickHouse, and a loader
/// configured between them: one end-to-end pipeline per test.
///
/// The simulator's clock starts at the real time, so the loader's re-scan window (computed from
/// the wall clock, as on a server) and the simulated changes agree; `advance` moves it ahead.
final class LoaderHarness: @unchecked Sendable {
    let simulator: QTicketsSimulator
    let server: SimulatorServer
    let warehouse: Warehouse
    let token = "sim-token-" + UUID().uuidString
    var configuration: PipelineConfiguration
    let log = LineLog()

    init(orders: Int = 2000, seed: UInt64 = 7, timestampOffset: Int = 3 * 3600, host: String = "127.0.0.1") async throws
    {
        let now = Date()
        let dataset = SimulatorDataset(
            seed: seed, orders: orders, start: now.addingTimeInterval(-80 * 86_400), span: 90 * 86_400)
        simulator = QTicketsSimulator(dataset: dataset, token: token, now: now, timestampOffset: timestampOffset)
        server = try await simulator.start(host: host, port: 0)
        warehouse = try await Warehouse.create()
        configuration = warehouse.configuration(api: URL(string: server.baseURL)!, token: token)
    }

    deinit {
        let server = server
        Task { await server.stop() }
    }

    func run(dryRun: Bool = false) async -> RunSummary {
        await Loader(configuration: configuration, log: RunLog { [log] in log.add($0) }).run(dryRun: dryRun)
    }

    func differences() async throws -> [String] {
        try await FactComparison.differences(stored: warehouse.sales(), truth: simulator.truth())
    }

    /// Stored orders per state (newest version of each order).
    func states() async throws -> [String: Int] {
        let rows = try await warehouse.client.rows(
            "SELECT state, count() FROM stg_qtickets_orders FINAL GROUP BY state")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", Int($0[1] ?? "") ?? -1) })
    }

    /// The simulator's states as the loader names them: a paid order with a basket cancelled
    /// without a refund is still `paid` (migration 0001's rule).
    func expectedStates() -> [String: Int] {
        var states: [String: Int] = [:]
        for (state, count) in simulator.truth().states where count > 0 {
            states[state == .partiallyCancelled ? "paid" : state.rawValue, default: 0] += count
        }
        return states
    }
}
