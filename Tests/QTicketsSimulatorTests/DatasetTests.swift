import Foundation
import HTTPServer
import NIOCore
import QTicketsSimulator
import Testing

@Suite("the simulated dataset and its ground truth")
struct DatasetTests {
    static func simulator(seed: UInt64 = 7, orders: Int = 1500, offset: Int = 3 * 3600) -> QTicketsSimulator {
        QTicketsSimulator(
            dataset: SimulatorDataset(seed: seed, orders: orders, events: 6), token: testToken, timestampOffset: offset)
    }

    @Test("the same seed gives the same bytes; another seed gives others")
    func deterministic() async {
        let first = await InProcessClient(Self.simulator()).send("/orders", body: #"{"perPage":1000}"#)
        let second = await InProcessClient(Self.simulator()).send("/orders", body: #"{"perPage":1000}"#)
        let other = await InProcessClient(Self.simulator(seed: 8)).send("/orders", body: #"{"perPage":1000}"#)
        #expect(first.status == 200)
        #expect(first.body == second.body)
        #expect(first.body != other.body)
        let events = await InProcessClient(Self.simulator()).send("/events", body: #"{"perPage":100}"#)
        let eventsAgain = await InProcessClient(Self.simulator()).send("/events", body: #"{"perPage":100}"#)
        #expect(events.body == eventsAgain.body)
    }

    @Test("the truth equals a recomputation from the rendered orders", arguments: [3 * 3600, 5 * 3600])
    func truthMatchesRenderedOrders(offset: Int) async {
        let simulator = Self.simulator(offset: offset)
        let client = InProcessClient(simulator)
        for step in 0..<3 {
            if step > 0 { simulator.advance(by: 4 * 86400) }
            let orders = await client.allOrders(perPage: 333)
            let truth = simulator.truth()
            #expect(orders.count == truth.visibleOrders)
            let recomputed = IndependentTruth.sales(orders: orders, cities: await client.cities())
            #expect(recomputed == truth.sales)
            var totals = SimulatorTruth.SalesFigures()
            for figures in recomputed.values {
                totals.ticketsSold += figures.ticketsSold
                totals.ticketsRefunded += figures.ticketsRefunded
                totals.revenueKopecks += figures.revenueKopecks
                totals.refundsKopecks += figures.refundsKopecks
            }
            totals.orders =
                Set(
                    orders.filter { order in
                        !IndependentTruth.isNull(order["payed_at"])
                            && (order["baskets"] as? [[String: Any]] ?? []).contains {
                                IndependentTruth.isNull($0["deleted_at"]) || !IndependentTruth.isNull($0["refunded_at"])
                            }
                    }.compactMap { $0["id"] as? Int }
                ).count
            #expect(totals == truth.totals)
            var states: [OrderState: Int] = Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0, 0) })
            for order in orders { states[IndependentTruth.state(order), default: 0] += 1 }
            #expect(states == truth.states)
            let suffix = offset == 3 * 3600 ? "+03:00" : "+05:00"
            #expect((orders.first?["created_at"] as? String)?.hasSuffix(suffix) == true)
        }
    }

    @Test("a handful of orders over a short span still makes a consistent account")
    func tinyDataset() async {
        let simulator = QTicketsSimulator(
            dataset: SimulatorDataset(seed: 1, orders: 5, span: 3600), token: testToken,
            now: SimulatorDataset.defaultStart.addingTimeInterval(40 * 86400))
        let client = InProcessClient(simulator)
        let orders = await client.allOrders()
        #expect(orders.count == 5)
        #expect(IndependentTruth.sales(orders: orders, cities: await client.cities()) == simulator.truth().sales)
    }

    @Test("every order state occurs, money has kopecks, and some life events lie ahead of the initial clock")
    func variety() async {
        let simulator = Self.simulator(orders: 3000)
        let truth = simulator.truth()
        for state in OrderState.allCases { #expect(truth.states[state, default: 0] > 0, "no \(state.rawValue) order") }
        #expect(truth.totals.revenueKopecks % 100 != 0 || truth.sales.values.contains { $0.revenueKopecks % 100 != 0 })
        #expect(truth.visibleOrders < 3000)
        #expect(
            truth.sales.keys.contains { $0.city == "Томск" } || truth.sales.keys.contains { $0.city == "Новосибирск" })
    }

    @Test("advancing the clock brings new orders, payments and refunds")
    func advanceMovesLife() async {
        let simulator = Self.simulator(orders: 3000)
        let before = simulator.truth()
        simulator.advance(by: 7 * 86400)
        let after = simulator.truth()
        #expect(after.visibleOrders > before.visibleOrders)
        #expect(after.totals.ticketsSold > before.totals.ticketsSold)
        #expect(after.totals.ticketsRefunded > before.totals.ticketsRefunded)
        #expect(after.states[.cancelled, default: 0] > before.states[.cancelled, default: 0])
        let client = InProcessClient(simulator)
        let newest = await client.object("/orders/\(1_600_000 + after.visibleOrders)")
        #expect((newest["data"] as? [String: Any])?["id"] as? Int == 1_600_000 + after.visibleOrders)
        let future = await client.send("/orders/\(1_600_001 + after.visibleOrders)")
        #expect(future.status == 404)
    }

    @Test("inventory in the truth is what the seats endpoint reports")
    func inventoryMatchesSeats() async {
        let simulator = Self.simulator()
        let client = InProcessClient(simulator)
        let truth = simulator.truth()
        for inventory in truth.inventory.values.sorted(by: { $0.showId < $1.showId }) {
            let answer = await client.object(
                "/shows/\(inventory.showId)/seats",
                body:
                    #"{"select":["id","max_quantity","free_quantity","payed_quantity","ordered_quantity","disabled"],"flat":true}"#
            )
            var total = 0
            var sold = 0
            var free = 0
            for seat in (answer["data"] as? [String: [String: Any]] ?? [:]).values
            where seat["disabled"] as? Bool == false {
                total += seat["max_quantity"] as? Int ?? 0
                sold += seat["payed_quantity"] as? Int ?? 0
                free += seat["free_quantity"] as? Int ?? 0
                #expect((seat["free_quantity"] as? Int ?? -1) >= 0)
            }
            #expect(total == inventory.seatsTotal && sold == inventory.sold && free == inventory.free)
        }
        #expect(truth.inventory.values.reduce(0) { $0 + $1.sold } > 0)
    }

}
