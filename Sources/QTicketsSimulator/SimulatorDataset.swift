import Foundation

/// The QTickets account the simulator serves: events, shows and orders, all derived from a seed.
///
/// Building the same dataset twice gives byte-identical API output. Each order is a pure function
/// of (seed, index) and the catalog; only a compact timeline per order (about 50 bytes) is kept,
/// so millions of orders fit in memory. Order ids start at 1,600,001 and follow creation time;
/// orders are created evenly over `[start, start + span)`.
public final class SimulatorDataset: Sendable {
    /// When a part of an order's life happens, for filtering and sorting without rebuilding it.
    struct Timeline {
        let createdAt: Int64
        let payedAt: Int64
        let deletedAt: Int64
        let changeAt: Int64
        let eventIndex: Int32
        let clientId: Int32

        static let never = Int64.max

        func updatedAt(at now: Int64) -> Int64 {
            var latest = createdAt
            if payedAt <= now, payedAt > latest { latest = payedAt }
            if deletedAt <= now, deletedAt > latest { latest = deletedAt }
            if changeAt <= now, changeAt > latest { latest = changeAt }
            return latest
        }
    }

    /// The seed everything derives from.
    public let seed: UInt64
    /// How many orders exist over the whole span (not all are visible at every clock).
    public let orderCount: Int
    /// The creation time of the first order.
    public let start: Date
    /// How long orders keep being created.
    public let span: TimeInterval
    /// Every event, by ascending id (4001, 4002, …).
    public let events: [SimulatedEvent]
    /// Every show, indexed as ``SimulatedEvent/showIndices`` refers to them.
    public let shows: [SimulatedShow]
    let planner: OrderPlanner
    let timelines: [Timeline]
    /// Per show, the indices of the orders placed for it, ascending.
    let ordersByShow: [[Int32]]
    let startSeconds: Int64
    let spanSeconds: Int64

    /// The default first creation time: 2025-08-01T00:00:00+03:00.
    public static let defaultStart = Date(timeIntervalSince1970: 1_753_995_600)
    /// The default span: 90 days.
    public static let defaultSpan: TimeInterval = 90 * 86400

    /// Builds a dataset.
    ///
    /// - Parameters:
    ///   - seed: Everything is derived from it.
    ///   - orders: The number of orders over the whole span, from a handful to millions.
    ///   - events: The number of events; by default one per 400 orders, at least 3 and at most 2,000.
    ///   - showsPerEvent: Shows (dates) per event.
    ///   - start: When the first order is created.
    ///   - span: How long orders keep being created.
    public init(
        seed: UInt64 = 42, orders: Int, events: Int? = nil, showsPerEvent: Int = 3,
        start: Date = SimulatorDataset.defaultStart, span: TimeInterval = SimulatorDataset.defaultSpan
    ) {
        precondition(orders > 0 && showsPerEvent > 0 && span >= 1, "a dataset needs orders, shows and a positive span")
        let eventCount = max(1, events ?? min(2000, max(3, orders / 400)))
        self.seed = seed
        self.orderCount = orders
        self.start = start
        self.span = span
        startSeconds = Int64(start.timeIntervalSince1970.rounded(.down))
        spanSeconds = Int64(span.rounded(.down))
        let catalog = Self.makeCatalog(
            seed: seed, events: eventCount, showsPerEvent: showsPerEvent, start: startSeconds, span: spanSeconds)
        planner = OrderPlanner(
            seed: seed, orderCount: orders, start: startSeconds, span: spanSeconds, shows: catalog.shows)
        var timelines: [Timeline] = []
        timelines.reserveCapacity(orders)
        var ordersByShow = [[Int32]](repeating: [], count: catalog.shows.count)
        var tickets = catalog.shows.map { [Int](repeating: 0, count: $0.seats.count) }
        for index in 0..<orders {
            let plan = planner.plan(index)
            timelines.append(
                Timeline(
                    createdAt: plan.createdAt, payedAt: plan.payedAt ?? Timeline.never,
                    deletedAt: plan.deletedAt ?? Timeline.never,
                    changeAt: plan.changeAt ?? Timeline.never, eventIndex: Int32(plan.eventIndex),
                    clientId: Int32(plan.clientId)))
            ordersByShow[plan.showIndex].append(Int32(index))
            for basket in plan.baskets { tickets[plan.showIndex][basket.seatIndex] += 1 }
        }
        var shows = catalog.shows
        for showIndex in shows.indices {
            var random = SplitMix64(seed: seed, stream: RandomStream.seats.rawValue, index: UInt64(showIndex))
            for seatIndex in shows[showIndex].seats.indices {
                let sold = tickets[showIndex][seatIndex]
                shows[showIndex].seats[seatIndex].maxQuantity = sold + sold / 4 + 20 + random.below(80)
            }
        }
        self.events = catalog.events
        self.shows = shows
        self.timelines = timelines
        self.ordersByShow = ordersByShow
    }

    /// How many orders exist at `now` (created at or before it): they are the first ones by index.
    func visibleCount(at now: Int64) -> Int {
        var low = 0
        var high = timelines.count
        while low < high {
            let middle = (low + high) / 2
            if timelines[middle].createdAt <= now { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func plan(_ index: Int) -> OrderPlan { planner.plan(index) }

    func event(id: Int) -> Int? {
        guard let first = events.first?.id, id >= first else { return nil }
        return events.indices.contains(id - first) ? id - first : nil
    }

    func show(id: Int) -> Int? {
        guard let first = shows.first?.id, id >= first else { return nil }
        return shows.indices.contains(id - first) ? id - first : nil
    }
}
