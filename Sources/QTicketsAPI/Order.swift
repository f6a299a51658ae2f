#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An order as `GET /orders` returns it, reduced to what the warehouse keeps (no personal data:
/// the client is an opaque id, ticket-holder fields and barcodes are not read at all).
///
/// Orders are the bulk of every run, so they are read with `JSONReader` straight from the answer's
/// bytes rather than decoded. The API has no status field; `state` derives it.
public struct Order: Sendable, Identifiable {
    public var id: Int64 = 0
    public var payed = false
    public var payedAt: Instant?
    public var clientID: Int64?
    public var siteHost = ""
    public var promoCodeID: Int64?
    public var reservedTo: Instant?
    public var eventID: Int64 = 0
    public var currency = "RUB"
    public var utm = UTM()
    public var baskets: [Basket] = []
    public var createdAt = Instant(milliseconds: 0)
    public var updatedAt = Instant(milliseconds: 0)
    public var deletedAt: Instant?

    /// Attribution; every field empty when the API sends `utm: []` (an empty PHP array).
    public struct UTM: Sendable, Equatable {
        public var source = "", medium = "", campaign = "", content = "", term = ""

        public init() {}

        init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
            guard try reader.nextIsObject() else {
                try reader.skip()
                return
            }
            try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                if try reader.null() { return }
                switch key {
                case "utm_source": source = try reader.string()
                case "utm_medium": medium = try reader.string()
                case "utm_campaign": campaign = try reader.string()
                case "utm_content": content = try reader.string()
                case "utm_term": term = try reader.string()
                default: try reader.skip()
                }
            }
        }
    }

    init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var seen = (id: false, event: false, created: false, updated: false)
        try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "id":
                id = try reader.integer()
                seen.id = true
            case "payed": payed = try reader.null() ? false : reader.flag()
            case "payed_at": payedAt = try reader.instant()
            case "client_id": clientID = try reader.null() ? nil : reader.integer()
            case "site":
                guard try reader.nextIsObject() else { return try reader.skip() }
                try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                    if key == "host", try !reader.null() { siteHost = try reader.string() } else { try reader.skip() }
                }
            case "promo_code_id": promoCodeID = try reader.null() ? nil : reader.integer()
            case "reserved_to": reservedTo = try reader.instant()
            case "event_id":
                eventID = try reader.integer()
                seen.event = true
            case "currency_id": currency = try reader.null() ? "RUB" : reader.string()
            case "utm": utm = try UTM(reading: &reader)
            case "baskets":
                if try reader.null() { return }
                try reader.array { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    baskets.append(try Basket(reading: &reader))
                }
            case "created_at":
                createdAt = try reader.instant() ?? createdAt
                seen.created = true
            case "updated_at":
                updatedAt = try reader.instant() ?? updatedAt
                seen.updated = true
            case "deleted_at": deletedAt = try reader.instant()
            default: try reader.skip()
            }
        }
        guard seen.id, seen.event, seen.created, seen.updated else {
            throw reader.failure("an order without id, event_id, created_at or updated_at")
        }
    }

    /// One order object, e.g. `GET /orders/{id}`'s `data`.
    ///
    /// - Throws: `QTicketsError` `.invalidResponse` naming the byte where the JSON went wrong.
    public init(json: Data) throws(QTicketsError) {
        self = try Self.read(json, what: "order") { (reader: inout JSONReader) throws(JSONReader.Failure) in
            try Order(reading: &reader)
        }
    }

    /// A page of `GET /orders`: `{"data": [...], "paging": {...}}`.
    public static func page(json: Data) throws(QTicketsError) -> Page<Order> {
        try read(json, what: "orders page") { (reader: inout JSONReader) throws(JSONReader.Failure) in
            var orders: [Order] = []
            var paging: Page<Order>.Paging?
            try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                switch key {
                case "data":
                    try reader.array { (reader: inout JSONReader) throws(JSONReader.Failure) in
                        orders.append(try Order(reading: &reader))
                    }
                case "paging":
                    var perPage = 0
                    var currentPage = 0
                    var total = 0
                    try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
                        switch key {
                        case "perPage": perPage = Int(try reader.integer())
                        case "currentPage": currentPage = Int(try reader.integer())
                        case "total": total = Int(try reader.integer())
                        default: try reader.skip()
                        }
                    }
                    paging = .init(perPage: perPage, currentPage: currentPage, total: total)
                default: try reader.skip()
                }
            }
            guard let paging else { throw reader.failure("a list answer without paging") }
            return Page(data: orders, paging: paging)
        }
    }

    private static func read<T>(_ json: Data, what: String, _ body: (inout JSONReader) throws(JSONReader.Failure) -> T)
        throws(QTicketsError) -> T
    {
        let result: Result<T, JSONReader.Failure> = json.withUnsafeBytes { raw in
            var reader = JSONReader(raw.bindMemory(to: UInt8.self))
            do throws(JSONReader.Failure) {
                let value = try body(&reader)
                try reader.end()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let failure):
            throw QTicketsError(
                kind: .invalidResponse,
                message: "the \(what) is not the JSON expected (\(json.count) bytes): \(failure)", status: 200)
        }
    }
}

/// One ticket of an order.
public struct Basket: Sendable, Identifiable {
    public var id: Int64 = 0
    public var showID: Int64 = 0
    public var seatID = ""
    public var seatName = ""
    public var multipriceCode = ""
    public var quantity: Int64 = 1
    public var originalPrice = Money.zero
    public var price = Money.zero
    /// `0`, not null, on a merely cancelled ticket: use `refundedAt` to tell a refund.
    public var refundedAmount = Money.zero
    public var refundedAt: Instant?
    public var deletedAt: Instant?
    public var checkedAt: Instant?
    public var createdAt = Instant(milliseconds: 0)
    public var updatedAt = Instant(milliseconds: 0)

    init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var seen = (id: false, show: false, price: false, originalPrice: false)
        try reader.object { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "id":
                id = try reader.integer()
                seen.id = true
            case "show_id":
                showID = try reader.integer()
                seen.show = true
            case "seat_id": seatID = try reader.null() ? "" : reader.string()
            case "seat_name": seatName = try reader.null() ? "" : reader.string()
            case "multiprice_code": multipriceCode = try reader.null() ? "" : reader.string()
            case "quantity": quantity = try reader.null() ? 1 : reader.integer()
            case "original_price":
                if try reader.null() { return }
                originalPrice = try reader.money()
                seen.originalPrice = true
            case "price":
                price = try reader.money()
                seen.price = true
            case "refunded_amount": refundedAmount = try reader.null() ? .zero : reader.money()
            case "refunded_at": refundedAt = try reader.instant()
            case "deleted_at": deletedAt = try reader.instant()
            case "checked_at": checkedAt = try reader.instant()
            case "created_at": createdAt = try reader.instant() ?? createdAt
            case "updated_at": updatedAt = try reader.instant() ?? updatedAt
            default: try reader.skip()
            }
        }
        guard seen.id, seen.show, seen.price else { throw reader.failure("a basket without id, show_id or price") }
        if !seen.originalPrice { originalPrice = price }
    }

    /// Paid for: not cancelled, or cancelled because it was refunded. Revenue counts these.
    public var isPaidFor: Bool { deletedAt == nil || refundedAt != nil }
}
extension Order {
    /// The derived state, first match wins: every paid basket refunded → refunded; some basket
    /// refunded → partially refunded; `deleted_at` set → cancelled; paid → paid; else pending.
    public var state: State {
        let paidFor = baskets.filter(\.isPaidFor)
        if !paidFor.isEmpty, paidFor.allSatisfy({ $0.refundedAt != nil }) { return .refunded }
        if baskets.contains(where: { $0.refundedAt != nil }) { return .partiallyRefunded }
        if deletedAt != nil { return .cancelled }
        if payed, payedAt != nil { return .paid }
        return .pending
    }

    public enum State: String, Sendable, CaseIterable {
        case paid, pending, cancelled, refunded
        case partiallyRefunded = "partially_refunded"
    }

    /// Tickets of paid-for baskets (the fact view's rule).
    public var ticketsCount: Int64 { baskets.lazy.filter(\.isPaidFor).reduce(0) { $0 + $1.quantity } }
    /// Σ price over paid-for baskets; `order.price` is never summed, cancelled orders keep it.
    public var grossAmount: Money { baskets.lazy.filter(\.isPaidFor).reduce(.zero) { $0 + $1.price } }
    /// Σ refunded_amount over all baskets.
    public var refundedAmount: Money { baskets.reduce(.zero) { $0 + $1.refundedAmount } }
    /// The latest refund of any basket.
    public var refundedAt: Instant? { baskets.compactMap(\.refundedAt).max() }
    /// The show every basket belongs to, or nil when they span several shows (or there are none).
    public var singleShowID: Int64? {
        guard let first = baskets.first?.showID, baskets.allSatisfy({ $0.showID == first }) else { return nil }
        return first
    }
}
