/// An order as `GET /orders` returns it, reduced to what the warehouse keeps (no personal data:
/// the client is an opaque id, ticket-holder fields and barcodes are not decoded at all).
///
/// The API has no status field; `state` derives it from the order and its baskets.
public struct Order: Sendable, Decodable, Identifiable {
    public let id: Int64
    public let payed: Bool
    public let payedAt: Instant?
    public let clientID: Int64?
    public let siteHost: String
    public let promoCodeID: Int64?
    public let reservedTo: Instant?
    public let eventID: Int64
    public let currency: String
    public let utm: UTM
    public let baskets: [Basket]
    public let createdAt: Instant
    public let updatedAt: Instant
    public let deletedAt: Instant?

    /// Attribution; every field empty when the API sends `utm: []`.
    public struct UTM: Sendable, Decodable, Equatable {
        public var source = "", medium = "", campaign = "", content = "", term = ""

        public init() {}

        public init(from decoder: any Decoder) throws {
            // An empty PHP array arrives as `[]` instead of an object.
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
            source = try container.decodeIfPresent(String.self, forKey: .source) ?? ""
            medium = try container.decodeIfPresent(String.self, forKey: .medium) ?? ""
            campaign = try container.decodeIfPresent(String.self, forKey: .campaign) ?? ""
            content = try container.decodeIfPresent(String.self, forKey: .content) ?? ""
            term = try container.decodeIfPresent(String.self, forKey: .term) ?? ""
        }

        enum CodingKeys: String, CodingKey {
            case source = "utm_source", medium = "utm_medium", campaign = "utm_campaign", content = "utm_content", term = "utm_term"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, payed, site, utm, baskets
        case payedAt = "payed_at", clientID = "client_id", promoCodeID = "promo_code_id", reservedTo = "reserved_to"
        case eventID = "event_id", currency = "currency_id"
        case createdAt = "created_at", updatedAt = "updated_at", deletedAt = "deleted_at"
    }

    struct Site: Decodable { let host: String? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleInt.self, forKey: .id).value
        payed = try container.decodeIfPresent(FlexibleBool.self, forKey: .payed)?.value ?? false
        payedAt = try container.decodeIfPresent(Instant.self, forKey: .payedAt)
        clientID = try container.decodeIfPresent(FlexibleInt.self, forKey: .clientID)?.value
        siteHost = (try? container.decodeIfPresent(Site.self, forKey: .site))??.host ?? ""
        promoCodeID = try container.decodeIfPresent(FlexibleInt.self, forKey: .promoCodeID)?.value
        reservedTo = try container.decodeIfPresent(Instant.self, forKey: .reservedTo)
        eventID = try container.decode(FlexibleInt.self, forKey: .eventID).value
        currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "RUB"
        utm = try container.decodeIfPresent(UTM.self, forKey: .utm) ?? UTM()
        baskets = try container.decodeIfPresent([Basket].self, forKey: .baskets) ?? []
        createdAt = try container.decode(Instant.self, forKey: .createdAt)
        updatedAt = try container.decode(Instant.self, forKey: .updatedAt)
        deletedAt = try container.decodeIfPresent(Instant.self, forKey: .deletedAt)
    }
}

/// One ticket of an order.
public struct Basket: Sendable, Decodable, Identifiable {
    public let id: Int64
    public let showID: Int64
    public let seatID: String
    public let seatName: String
    public let multipriceCode: String
    public let quantity: Int64
    public let originalPrice: Money
    public let price: Money
    /// `0`, not null, on a merely cancelled ticket: use `refundedAt` to tell a refund.
    public let refundedAmount: Money
    public let refundedAt: Instant?
    public let deletedAt: Instant?
    public let checkedAt: Instant?
    public let createdAt: Instant
    public let updatedAt: Instant

    enum CodingKeys: String, CodingKey {
        case id, quantity, price
        case showID = "show_id", seatID = "seat_id", seatName = "seat_name", multipriceCode = "multiprice_code"
        case originalPrice = "original_price", refundedAmount = "refunded_amount", refundedAt = "refunded_at"
        case deletedAt = "deleted_at", checkedAt = "checked_at", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleInt.self, forKey: .id).value
        showID = try container.decode(FlexibleInt.self, forKey: .showID).value
        seatID = try container.decodeIfPresent(String.self, forKey: .seatID) ?? ""
        seatName = try container.decodeIfPresent(String.self, forKey: .seatName) ?? ""
        multipriceCode = try container.decodeIfPresent(String.self, forKey: .multipriceCode) ?? ""
        quantity = try container.decodeIfPresent(FlexibleInt.self, forKey: .quantity)?.value ?? 1
        price = try container.decode(Money.self, forKey: .price)
        originalPrice = try container.decodeIfPresent(Money.self, forKey: .originalPrice) ?? price
        refundedAmount = try container.decodeIfPresent(Money.self, forKey: .refundedAmount) ?? .zero
        refundedAt = try container.decodeIfPresent(Instant.self, forKey: .refundedAt)
        deletedAt = try container.decodeIfPresent(Instant.self, forKey: .deletedAt)
        checkedAt = try container.decodeIfPresent(Instant.self, forKey: .checkedAt)
        createdAt = try container.decode(Instant.self, forKey: .createdAt)
        updatedAt = try container.decode(Instant.self, forKey: .updatedAt)
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
