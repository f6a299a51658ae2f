/// An order's whole life, decided up front: which show and tickets, what it cost, and when it is
/// paid, cancelled or refunded. What the API shows at a given clock is read off it with the
/// `…(at:)` methods, so every later change appears exactly when the clock passes it.
struct OrderPlan {
    struct Basket {
        var seatIndex: Int
        var originalPrice: Int64
        var price: Int64
        var child: Bool
        /// Refunded at ``OrderPlan/changeAt`` (the ticket is also cancelled then).
        var refunded = false
        /// Cancelled at ``OrderPlan/changeAt`` without a refund, in a paid order.
        var cancelled = false
        var deduction: Int64 = 0

        var refundedAmount: Int64 { price - deduction }
    }

    let index: Int
    let id: Int
    let createdAt: Int64
    let reservedTo: Int64
    var payedAt: Int64?
    /// When the unpaid order is cancelled (expired or dropped by the buyer).
    var deletedAt: Int64?
    /// When the refund or the single-ticket cancellation of a paid order happens.
    var changeAt: Int64?
    let showIndex: Int
    let eventIndex: Int
    var baskets: [Basket] = []
    var clientId = 0
    var siteIndex = 0
    var promoPercent = 0
    var numericPaymentType = false
    var hasUTM = false

    var price: Int64 { baskets.reduce(0) { $0 + $1.price } }
    var originalPrice: Int64 { baskets.reduce(0) { $0 + $1.originalPrice } }

    func isPaid(at now: Int64) -> Bool { payedAt.map { $0 <= now } ?? false }
    func isDeleted(at now: Int64) -> Bool { deletedAt.map { $0 <= now } ?? false }
    func hasChanged(at now: Int64) -> Bool { changeAt.map { $0 <= now } ?? false }

    func basketRefunded(_ basket: Basket, at now: Int64) -> Bool { basket.refunded && hasChanged(at: now) }

    /// The time the ticket was cancelled (refunds cancel too), or nil while it is live.
    func basketDeletedAt(_ basket: Basket, at now: Int64) -> Int64? {
        if isDeleted(at: now) { return deletedAt }
        if (basket.refunded || basket.cancelled) && hasChanged(at: now) { return changeAt }
        return nil
    }

    /// The latest life event at or before `now`.
    func updatedAt(at now: Int64) -> Int64 {
        var latest = createdAt
        for time in [payedAt, deletedAt, changeAt] {
            if let time, time <= now, time > latest { latest = time }
        }
        return latest
    }

    func basketUpdatedAt(_ basket: Basket, at now: Int64) -> Int64 {
        var latest = createdAt
        if let payedAt, payedAt <= now { latest = max(latest, payedAt) }
        if let deleted = basketDeletedAt(basket, at: now) { latest = max(latest, deleted) }
        return latest
    }

    func state(at now: Int64) -> OrderState {
        if isDeleted(at: now) { return .cancelled }
        guard isPaid(at: now) else { return .pending }
        guard hasChanged(at: now) else { return .paid }
        let refunded = baskets.filter(\.refunded).count
        if refunded == baskets.count { return .refunded }
        return refunded > 0 ? .partiallyRefunded : .partiallyCancelled
    }
}

/// The state of an order, derived (the API has no status field).
public enum OrderState: String, CaseIterable, Sendable {
    /// Unpaid and not cancelled: the reservation runs, or expired less than ~15 minutes ago and
    /// the cancellation has not happened yet.
    case pending
    /// Paid, every ticket live.
    case paid
    /// Unpaid and cancelled: `deleted_at` set, every ticket cancelled.
    case cancelled
    /// Paid, every ticket refunded.
    case refunded
    /// Paid, some tickets refunded.
    case partiallyRefunded = "partially_refunded"
    /// Paid, one ticket cancelled without a refund.
    case partiallyCancelled = "partially_cancelled"
}

/// Decides order plans: a pure function of the seed, the order's index and the catalog.
struct OrderPlanner: Sendable {
    let seed: UInt64
    let orderCount: Int
    let start: Int64
    let span: Int64
    let shows: [SimulatedShow]
    /// Shows orders may be placed for (neither they nor their event deleted), by start time.
    let saleable: [Int]
    let saleableStarts: [Int64]
    /// Per show, the indices of its seats that are not disabled.
    let saleableSeats: [[Int]]
    let clientPool: Int

    init(seed: UInt64, orderCount: Int, start: Int64, span: Int64, shows: [SimulatedShow]) {
        self.seed = seed
        self.orderCount = orderCount
        self.start = start
        self.span = span
        self.shows = shows
        saleable = shows.indices.filter { shows[$0].deletedAt == nil }.sorted {
            (shows[$0].startAt, $0) < (shows[$1].startAt, $1)
        }
        saleableStarts = saleable.map { shows[$0].startAt }
        saleableSeats = shows.map { show in show.seats.indices.filter { !show.seats[$0].disabled } }
        clientPool = max(10, orderCount * 6 / 10)
    }

    /// Order ids start here and follow creation time.
    static let firstOrderId = 1_600_001

    func plan(_ index: Int) -> OrderPlan {
        var random = SplitMix64(seed: seed, stream: RandomStream.order.rawValue, index: UInt64(index))
        let spacing = max(1, span / Int64(orderCount))
        let createdAt = start + span * Int64(index) / Int64(orderCount) + Int64(random.below(Int(spacing)))
        let showIndex = chooseShow(createdAt: createdAt, random: &random)
        let show = shows[showIndex]
        var plan = OrderPlan(
            index: index, id: Self.firstOrderId + index, createdAt: createdAt, reservedTo: createdAt + 86400,
            showIndex: showIndex, eventIndex: show.eventIndex)
        plan.promoPercent = random.percent(12) ? random.pick([10, 15, 20]) : 0
        let countDraw = random.below(100)
        let basketCount = countDraw < 45 ? 1 : countDraw < 77 ? 2 : countDraw < 90 ? 3 : 4
        for _ in 0..<basketCount {
            let seatIndex = random.pick(saleableSeats[showIndex])
            let child = random.percent(7)
            let tier = show.prices[show.seats[seatIndex].priceIndex].kopecks
            let original = child ? tier * 7 / 10 : tier
            plan.baskets.append(
                OrderPlan.Basket(
                    seatIndex: seatIndex, originalPrice: original,
                    price: original - original * Int64(plan.promoPercent) / 100, child: child))
        }
        if random.below(100) < 70 {
            let payedAt = createdAt + (random.percent(90) ? random.within(30...900) : random.within(3600...20 * 3600))
            plan.payedAt = payedAt
            let after = random.below(100)
            if after < 5 || (after < 9 && basketCount == 1) {
                plan.changeAt = payedAt + random.within(2 * 3600...20 * 86400)
                let deducted = random.percent(30)
                for k in plan.baskets.indices {
                    plan.baskets[k].refunded = true
                    plan.baskets[k].deduction = deducted ? plan.baskets[k].price / 10 : 0
                }
            } else if after < 9 {
                plan.changeAt = payedAt + random.within(2 * 3600...20 * 86400)
                let kept = random.below(basketCount)
                for k in plan.baskets.indices
                where k != kept && (plan.baskets.filter(\.refunded).isEmpty || random.percent(50)) {
                    plan.baskets[k].refunded = true
                }
            } else if after < 11 && basketCount > 1 {
                plan.changeAt = payedAt + random.within(3600...10 * 86400)
                plan.baskets[random.below(basketCount)].cancelled = true
            }
        } else {
            plan.deletedAt =
                random.percent(50)
                ? plan.reservedTo + 900 + random.within(0...120)
                : createdAt + random.within(300...23 * 3600)
        }
        plan.clientId = 500_001 + random.below(clientPool)
        plan.siteIndex = random.below(ClientDirectory.sites.count)
        plan.numericPaymentType = random.percent(20)
        plan.hasUTM = random.percent(50)
        return plan
    }

    /// A show starting between two hours and sixty days after the order, or the last saleable
    /// shows when none starts that late.
    private func chooseShow(createdAt: Int64, random: inout SplitMix64) -> Int {
        let low = firstIndex(startingAfter: createdAt + 7200)
        var high = firstIndex(startingAfter: createdAt + 60 * 86400)
        var from = low
        if from >= saleable.count {
            from = max(0, saleable.count - 10)
            high = saleable.count
        }
        if high <= from { high = from + 1 }
        return saleable[from + random.below(high - from)]
    }

    private func firstIndex(startingAfter time: Int64) -> Int {
        var low = 0
        var high = saleableStarts.count
        while low < high {
            let middle = (low + high) / 2
            if saleableStarts[middle] > time { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
