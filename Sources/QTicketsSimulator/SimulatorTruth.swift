import Foundation

/// What a correct warehouse holds after loading every order visible at the truth's clock.
///
/// Sales figures are keyed by (sales date, event, show, city). A ticket (basket) counts when its
/// order has `payed_at` set and the ticket is live or refunded (cancelled-without-refund tickets
/// of paid orders do not count); the sales date is the calendar date of the order's `payed_at`
/// in Europe/Moscow (UTC+3). Money is in kopecks, exactly.
public struct SimulatorTruth: Sendable {
    /// The grouping of sales figures.
    public struct SalesKey: Hashable, Comparable, Sendable {
        /// `YYYY-MM-DD`, the Moscow date of `payed_at`.
        public let salesDate: String
        public let eventId: Int
        public let showId: Int
        /// The city name as the event renders it, e.g. `Томск`.
        public let city: String

        /// Creates a key, e.g. for comparing a warehouse's rows with the truth.
        public init(salesDate: String, eventId: Int, showId: Int, city: String) {
            self.salesDate = salesDate
            self.eventId = eventId
            self.showId = showId
            self.city = city
        }

        public static func < (left: SalesKey, right: SalesKey) -> Bool {
            (left.salesDate, left.eventId, left.showId, left.city) < (
                right.salesDate, right.eventId, right.showId, right.city
            )
        }
    }

    /// Sums over the counted tickets of one key (or of all keys).
    public struct SalesFigures: Equatable, Sendable {
        /// Σ quantity of counted tickets (refunded ones included).
        public var ticketsSold = 0
        /// Σ quantity of counted tickets with `refunded_at` set.
        public var ticketsRefunded = 0
        /// Σ `price` of counted tickets, in kopecks.
        public var revenueKopecks: Int64 = 0
        /// Σ `refunded_amount` of counted tickets, in kopecks.
        public var refundsKopecks: Int64 = 0
        /// Distinct orders with at least one counted ticket.
        public var orders = 0

        /// All zero.
        public init() {}

        /// Figures as given.
        public init(ticketsSold: Int, ticketsRefunded: Int, revenueKopecks: Int64, refundsKopecks: Int64, orders: Int) {
            self.ticketsSold = ticketsSold
            self.ticketsRefunded = ticketsRefunded
            self.revenueKopecks = revenueKopecks
            self.refundsKopecks = refundsKopecks
            self.orders = orders
        }
    }

    /// A show's inventory over its seats that are not disabled, as `/shows/{id}/seats` reports it.
    public struct ShowInventory: Equatable, Sendable {
        /// The `show_id`.
        public let showId: Int
        /// The show's `event_id`.
        public let eventId: Int
        /// Σ `max_quantity`.
        public var seatsTotal = 0
        /// Σ `payed_quantity`: live tickets of paid orders.
        public var sold = 0
        /// Σ `ordered_quantity`: live tickets of pending orders.
        public var reserved = 0
        /// Σ `free_quantity` = total − sold − reserved.
        public var free = 0
    }

    /// The clock the figures are for.
    public let now: Date
    /// Orders created at or before `now` (what `paging.total` of an unfiltered list reports).
    public let visibleOrders: Int
    /// Visible orders per derived state.
    public let states: [OrderState: Int]
    /// Figures per key; keys without counted tickets are absent.
    public let sales: [SalesKey: SalesFigures]
    /// The sums over every key; `orders` counts distinct orders.
    public let totals: SalesFigures
    /// By show id, every show of the dataset.
    public let inventory: [Int: ShowInventory]
}

extension SimulatorDataset {
    /// Per show and seat: live tickets of paid orders and of pending orders at `now`.
    func seatCounters(show showIndex: Int, at now: Int64) -> [(payed: Int, ordered: Int)] {
        var counters = [(payed: Int, ordered: Int)](repeating: (0, 0), count: shows[showIndex].seats.count)
        let visible = visibleCount(at: now)
        for index in ordersByShow[showIndex] where Int(index) < visible {
            let plan = plan(Int(index))
            add(plan, at: now, to: &counters)
        }
        return counters
    }

    private func add(_ plan: OrderPlan, at now: Int64, to counters: inout [(payed: Int, ordered: Int)]) {
        let paid = plan.isPaid(at: now)
        guard paid || !plan.isDeleted(at: now) else { return }
        for basket in plan.baskets where plan.basketDeletedAt(basket, at: now) == nil {
            if paid { counters[basket.seatIndex].payed += 1 } else { counters[basket.seatIndex].ordered += 1 }
        }
    }

    func inventory(show showIndex: Int, counters: [(payed: Int, ordered: Int)]) -> SimulatorTruth.ShowInventory {
        let show = shows[showIndex]
        var inventory = SimulatorTruth.ShowInventory(showId: show.id, eventId: events[show.eventIndex].id)
        for (seat, counter) in zip(show.seats, counters) where !seat.disabled {
            inventory.seatsTotal += seat.maxQuantity
            inventory.sold += counter.payed
            inventory.reserved += counter.ordered
            inventory.free += seat.maxQuantity - counter.payed - counter.ordered
        }
        return inventory
    }

    /// The ground truth at `now`; one pass over the visible orders.
    func truth(at now: Int64) -> SimulatorTruth {
        var states: [OrderState: Int] = Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0, 0) })
        var sales: [SimulatorTruth.SalesKey: SimulatorTruth.SalesFigures] = [:]
        var totals = SimulatorTruth.SalesFigures()
        var counters = shows.map { [(payed: Int, ordered: Int)](repeating: (0, 0), count: $0.seats.count) }
        let visible = visibleCount(at: now)
        for index in 0..<visible {
            let plan = plan(index)
            states[plan.state(at: now), default: 0] += 1
            add(plan, at: now, to: &counters[plan.showIndex])
            guard let payedAt = plan.payedAt, payedAt <= now else { continue }
            var figures = SimulatorTruth.SalesFigures()
            for basket in plan.baskets {
                let refunded = plan.basketRefunded(basket, at: now)
                guard refunded || plan.basketDeletedAt(basket, at: now) == nil else { continue }
                figures.ticketsSold += 1
                figures.revenueKopecks += basket.price
                if refunded {
                    figures.ticketsRefunded += 1
                    figures.refundsKopecks += basket.refundedAmount
                }
            }
            guard figures.ticketsSold > 0 else { continue }
            figures.orders = 1
            let event = events[plan.eventIndex]
            let key = SimulatorTruth.SalesKey(
                salesDate: Timestamp.moscowDate(payedAt), eventId: event.id, showId: shows[plan.showIndex].id,
                city: event.city.name)
            sales[key, default: SimulatorTruth.SalesFigures()].add(figures)
            totals.add(figures)
        }
        var inventory: [Int: SimulatorTruth.ShowInventory] = [:]
        for showIndex in shows.indices {
            inventory[shows[showIndex].id] = self.inventory(show: showIndex, counters: counters[showIndex])
        }
        return SimulatorTruth(
            now: Date(timeIntervalSince1970: TimeInterval(now)), visibleOrders: visible, states: states, sales: sales,
            totals: totals,
            inventory: inventory)
    }
}

extension SimulatorTruth.SalesFigures {
    mutating func add(_ other: SimulatorTruth.SalesFigures) {
        ticketsSold += other.ticketsSold
        ticketsRefunded += other.ticketsRefunded
        revenueKopecks += other.revenueKopecks
        refundsKopecks += other.refundsKopecks
        orders += other.orders
    }
}

extension SimulatorTruth {
    /// The truth as JSON, as `GET /__sim/truth` serves it: keys in snake case, money in kopecks,
    /// `sales` and `inventory` sorted by key.
    public func json() -> [UInt8] {
        var out = JSONBytes(capacity: 256 + sales.count * 160 + inventory.count * 110, offset: Timestamp.moscowOffset)
        out.raw("{\"now\":")
        out.time(Int64(now.timeIntervalSince1970))
        out.raw(",\"visible_orders\":")
        out.int(visibleOrders)
        out.raw(",\"states\":{")
        for (position, state) in OrderState.allCases.enumerated() {
            if position > 0 { out.byte(UInt8(ascii: ",")) }
            out.string(state.rawValue)
            out.byte(UInt8(ascii: ":"))
            out.int(states[state] ?? 0)
        }
        out.raw("},\"totals\":")
        out.figures(totals)
        out.raw(",\"sales\":[")
        for (position, key) in sales.keys.sorted().enumerated() {
            if position > 0 { out.byte(UInt8(ascii: ",")) }
            out.raw("{\"sales_date\":")
            out.string(key.salesDate)
            out.raw(",\"event_id\":")
            out.int(key.eventId)
            out.raw(",\"show_id\":")
            out.int(key.showId)
            out.raw(",\"city\":")
            out.string(key.city)
            out.raw(",\"figures\":")
            out.figures(sales[key] ?? SalesFigures())
            out.byte(UInt8(ascii: "}"))
        }
        out.raw("],\"inventory\":[")
        for (position, showId) in inventory.keys.sorted().enumerated() {
            guard let show = inventory[showId] else { continue }
            if position > 0 { out.byte(UInt8(ascii: ",")) }
            out.raw("{\"show_id\":")
            out.int(show.showId)
            out.raw(",\"event_id\":")
            out.int(show.eventId)
            out.raw(",\"seats_total\":")
            out.int(show.seatsTotal)
            out.raw(",\"sold\":")
            out.int(show.sold)
            out.raw(",\"reserved\":")
            out.int(show.reserved)
            out.raw(",\"free\":")
            out.int(show.free)
            out.byte(UInt8(ascii: "}"))
        }
        out.raw("]}")
        return out.bytes
    }
}

extension JSONBytes {
    mutating func figures(_ figures: SimulatorTruth.SalesFigures) {
        raw("{\"tickets_sold\":")
        int(figures.ticketsSold)
        raw(",\"tickets_refunded\":")
        int(figures.ticketsRefunded)
        raw(",\"revenue_kopecks\":")
        int(figures.revenueKopecks)
        raw(",\"refunds_kopecks\":")
        int(figures.refundsKopecks)
        raw(",\"orders\":")
        int(figures.orders)
        byte(UInt8(ascii: "}"))
    }
}
