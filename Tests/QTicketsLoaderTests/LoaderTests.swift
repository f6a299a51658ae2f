import ClickHouse
import Foundation
import QTicketsAPI
import QTicketsLoader
import QTicketsSimulator
import Testing

/// The loader end to end: the QTickets simulator on loopback, the real ClickHouse engine on a
/// testbed host (through an SSH tunnel), the shipped schema, and the warehouse compared with the
/// simulator's ground truth to the kopeck.
@Suite("qtickets-api loader against the simulator and the testbed's ClickHouse", .serialized)
struct LoaderTests {
    @Test("a full load equals the simulator's truth to the kopeck, order states included")
    func fullLoad() async throws {
        let harness = try await LoaderHarness()
        let summary = await harness.run()
        #expect(summary.succeeded, "\(summary.record.error)")
        #expect(try await harness.differences() == [])
        #expect(try await harness.states() == harness.expectedStates())
        #expect(
            try await harness.warehouse.count("SELECT count() FROM stg_qtickets_orders FINAL")
                == harness.simulator.truth().visibleOrders)
        #expect(try await harness.warehouse.count("SELECT count() FROM v_check_sales_reconciliation") == 0)
        let run = try await harness.warehouse.client.rows(
            "SELECT status, rows_orders, rows_tickets, api_requests, release_id, isNotNull(finished_at) FROM meta_job_runs FINAL"
        )
        #expect(run.count == 1)
        #expect(
            run.first?[0] == "ok" && run.first?[1] == String(harness.simulator.truth().visibleOrders)
                && run.first?[4] == "test-release")
        #expect(run.first?[5] == "1")
        let inventory = try await harness.warehouse.count("SELECT count() FROM stg_qtickets_inventory")
        #expect(inventory > 0 && inventory == summary.record.rows[.inventory])
    }

    @Test("re-runs and overlapping windows add nothing")
    func rerunsAddNothing() async throws {
        let harness = try await LoaderHarness()
        #expect(await harness.run().succeeded)
        let orders = try await harness.warehouse.count("SELECT count() FROM stg_qtickets_orders FINAL")
        let tickets = try await harness.warehouse.count("SELECT count() FROM stg_qtickets_tickets FINAL")
        let second = await harness.run()
        #expect(second.succeeded && second.cursorBefore == second.cursorAfter)
        harness.configuration.sinceHours = 24 * 365
        let overlapping = await harness.run()
        #expect(overlapping.succeeded)
        #expect((overlapping.record.rows[.orders] ?? 0) > 0, "the year-long window re-delivers orders")
        #expect(try await harness.differences() == [])
        #expect(try await harness.warehouse.count("SELECT count() FROM stg_qtickets_orders FINAL") == orders)
        #expect(try await harness.warehouse.count("SELECT count() FROM stg_qtickets_tickets FINAL") == tickets)
        #expect(try await harness.warehouse.count("SELECT count() FROM meta_job_runs FINAL WHERE status = 'ok'") == 3)
    }

    @Test("new orders, payments, cancellations and refunds show up after the next run")
    func changesArrive() async throws {
        let harness = try await LoaderHarness()
        #expect(await harness.run().succeeded)
        let before = harness.simulator.truth()
        _ = harness.simulator.advance(by: 3 * 86_400)
        let after = harness.simulator.truth()
        #expect(after.visibleOrders > before.visibleOrders)
        #expect(
            after.totals.refundsKopecks > before.totals.refundsKopecks,
            "the dataset refunds something within three days")
        let next = await harness.run()
        #expect(next.succeeded, "\(next.record.error)")
        #expect(try await harness.differences() == [])
        #expect(try await harness.states() == harness.expectedStates())
    }

    @Test("instants rendered in another offset (+05:00) load as the same instants")
    func otherOffset() async throws {
        let harness = try await LoaderHarness(timestampOffset: 5 * 3600)
        #expect(await harness.run().succeeded)
        #expect(try await harness.differences() == [])
    }

    @Test(
        "a transient fault is retried and the load completes",
        arguments: [
            SimulatorFault(.latency(milliseconds: 300), count: 3, routePrefix: "/orders"),
            SimulatorFault(.status(429), count: 2, routePrefix: "/orders"),
            SimulatorFault(.status(500), count: 2),
            SimulatorFault(.status(502), count: 3, routePrefix: "/orders"),
            SimulatorFault(.status(503), count: 2, routePrefix: "/events"),
            SimulatorFault(.truncatedBody, count: 2, routePrefix: "/orders"),
            SimulatorFault(.connectionReset, count: 2, routePrefix: "/orders"),
            SimulatorFault(.connectionReset, count: 1, routePrefix: "/shows"),
        ])
    func transientFault(fault: SimulatorFault) async throws {
        let harness = try await LoaderHarness(orders: 1200)
        harness.simulator.inject(fault)
        let summary = await harness.run()
        #expect(summary.succeeded, "\(summary.record.error)")
        if case .latency = fault.kind {} else { #expect(summary.record.retries >= 1) }
        #expect(harness.simulator.stats().faults.values.reduce(0, +) >= 1)
        #expect(try await harness.differences() == [])
    }

    @Test(
        "a token revoked mid-run fails the run with an error row, loses and doubles nothing, and the next run completes"
    )
    func revokedToken() async throws {
        let harness = try await LoaderHarness(orders: 3000)
        harness.configuration.pageSize = 200
        harness.simulator.inject(SimulatorFault(.tokenRevoked(afterRequests: 6), count: 1000))
        let failed = await harness.run()
        #expect(!failed.succeeded)
        #expect(failed.record.error.contains("refused the token"))
        #expect(!failed.record.error.contains(harness.token))
        let errorRow = try await harness.warehouse.client.rows("SELECT status, error FROM meta_job_runs FINAL")
        #expect(errorRow.count == 1 && errorRow.first?[0] == "error")
        let partial = try await harness.warehouse.count("SELECT count() FROM stg_qtickets_orders FINAL")
        #expect(
            partial > 0 && partial < harness.simulator.truth().visibleOrders,
            "complete pages before the failure are kept")
        #expect(
            try await harness.warehouse.count(
                "SELECT count() FROM stg_qtickets_orders FINAL WHERE order_id NOT IN (SELECT order_id FROM stg_qtickets_tickets)"
            ) == 0)

        harness.simulator.clearFaults()
        let next = await harness.run()
        #expect(next.succeeded, "\(next.record.error)")
        #expect(next.cursorBefore == failed.cursorAfter)
        #expect(try await harness.differences() == [])
        #expect(
            try await harness.warehouse.count("SELECT count() - uniqExact(order_id) FROM stg_qtickets_orders FINAL")
                == 0)
    }

    @Test("a fault that outlasts the retries fails the run; the next run completes")
    func persistentFault() async throws {
        let harness = try await LoaderHarness(orders: 800)
        harness.simulator.inject(SimulatorFault(.status(503), count: 50, routePrefix: "/orders"))
        let failed = await harness.run()
        #expect(!failed.succeeded)
        #expect(failed.record.error.contains("503") && failed.record.error.contains("gave up after 4 attempts"))
        harness.simulator.clearFaults()
        #expect(await harness.run().succeeded)
        #expect(try await harness.differences() == [])
    }

    @Test("a dry run calls the API, parses everything, and writes nothing")
    func dryRun() async throws {
        let harness = try await LoaderHarness(orders: 500)
        let summary = await harness.run(dryRun: true)
        #expect(summary.succeeded, "\(summary.record.error)")
        #expect(summary.samples[.orders]?.rows == harness.simulator.truth().visibleOrders)
        #expect(summary.samples[.orders]?.firstRow.hasPrefix("{\"order_id\":") == true)
        #expect((harness.simulator.stats().requests.values.reduce(0, +)) > 0)
        #expect(try await harness.warehouse.count("SELECT count() FROM stg_qtickets_orders") == 0)
        #expect(try await harness.warehouse.count("SELECT count() FROM meta_job_runs") == 0)
    }

    @Test("check-api: token, reachability and JSON-body filters; a wrong token is named")
    func apiProbe() async throws {
        let harness = try await LoaderHarness(orders: 100)
        let good = await APIProbe(client: harness.configuration.apiClient()).run()
        #expect(good.passed, "\(good.lines)")
        var wrong = harness.configuration
        wrong.apiToken = "wrong-" + UUID().uuidString
        let bad = await APIProbe(client: wrong.apiClient()).run()
        #expect(!bad.passed && bad.lines.joined().contains("QTICKETS_TOKEN"))
        #expect(!bad.lines.joined().contains(wrong.apiToken))
    }
}
