/// An event with its shows (dates), as `GET /events` returns it.
public struct Event: Sendable, Decodable, Identifiable {
    public let id: Int64
    public let name: String
    public let isActive: Bool
    public let cityID: Int64
    public let city: String
    /// `city.timezone`, e.g. `Asia/Krasnoyarsk`; instants are rendered in the account's zone anyway.
    public let timezone: String
    public let placeName: String
    public let currency: String
    public let shows: [Show]
    public let createdAt: Instant
    public let updatedAt: Instant
    public let deletedAt: Instant?

    struct City: Decodable {
        let name: String?
        let timezone: String?
    }

    enum CodingKeys: String, CodingKey {
        case id, name, city, shows
        case isActive = "is_active", cityID = "city_id", placeName = "place_name", currency = "currency_id"
        case createdAt = "created_at", updatedAt = "updated_at", deletedAt = "deleted_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleInt.self, forKey: .id).value
        // Multilingual cabinets send the name as an object per language.
        if let plain = try? container.decode(String.self, forKey: .name) {
            name = plain
        } else if let perLanguage = try? container.decode([String: String].self, forKey: .name) {
            name = perLanguage["ru"] ?? perLanguage.sorted { $0.key < $1.key }.first?.value ?? ""
        } else {
            name = ""
        }
        isActive = try container.decodeIfPresent(FlexibleBool.self, forKey: .isActive)?.value ?? true
        cityID = try container.decodeIfPresent(FlexibleInt.self, forKey: .cityID)?.value ?? 0
        let city = try? container.decodeIfPresent(City.self, forKey: .city)
        self.city = city?.name ?? ""
        timezone = city?.timezone ?? ""
        placeName = try container.decodeIfPresent(String.self, forKey: .placeName) ?? ""
        currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "RUB"
        shows = try container.decodeIfPresent([Show].self, forKey: .shows) ?? []
        createdAt = try container.decode(Instant.self, forKey: .createdAt)
        updatedAt = try container.decode(Instant.self, forKey: .updatedAt)
        deletedAt = try container.decodeIfPresent(Instant.self, forKey: .deletedAt)
    }
}

/// One date (session) of an event; its id is the `show_id` of baskets and of the seats route.
public struct Show: Sendable, Decodable, Identifiable {
    public let id: Int64
    public let isActive: Bool
    public let startAt: Instant
    public let finishAt: Instant?
    public let saleStartAt: Instant?
    public let saleFinishAt: Instant?
    public let updatedAt: Instant
    public let deletedAt: Instant?

    enum CodingKeys: String, CodingKey {
        case id
        case isActive = "is_active", startAt = "start_date", finishAt = "finish_date", saleStartAt = "sale_start_date"
        case saleFinishAt = "sale_finish_date", updatedAt = "updated_at", deletedAt = "deleted_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(FlexibleInt.self, forKey: .id).value
        isActive = try container.decodeIfPresent(FlexibleBool.self, forKey: .isActive)?.value ?? true
        startAt = try container.decode(Instant.self, forKey: .startAt)
        finishAt = try container.decodeIfPresent(Instant.self, forKey: .finishAt)
        saleStartAt = try container.decodeIfPresent(Instant.self, forKey: .saleStartAt)
        saleFinishAt = try container.decodeIfPresent(Instant.self, forKey: .saleFinishAt)
        updatedAt = try container.decodeIfPresent(Instant.self, forKey: .updatedAt) ?? startAt
        deletedAt = try container.decodeIfPresent(Instant.self, forKey: .deletedAt)
    }
}

/// Seat counters of one show, summed over its seats that are not disabled
/// (`GET /shows/{id}/seats` with an explicit `select`: without it the API sends no counters).
public struct SeatCounters: Sendable, Equatable {
    public var total: Int64 = 0
    public var sold: Int64 = 0
    /// Held by unpaid orders and open carts; never negative.
    public var reserved: Int64 = 0
    public var free: Int64 = 0

    public init(total: Int64 = 0, sold: Int64 = 0, reserved: Int64 = 0, free: Int64 = 0) {
        self.total = total
        self.sold = sold
        self.reserved = reserved
        self.free = free
    }

    /// The fields the seats request selects.
    public static let selectedFields = [
        "id", "zone_id", "admission", "disabled", "max_quantity", "free_quantity", "ordered_quantity", "payed_quantity",
        "in_basket_quantity",
    ]

    struct Seat: Decodable {
        let disabled: FlexibleBool?
        let maxQuantity: FlexibleInt?
        let freeQuantity: FlexibleInt?
        let orderedQuantity: FlexibleInt?
        let payedQuantity: FlexibleInt?
        let inBasketQuantity: FlexibleInt?

        enum CodingKeys: String, CodingKey {
            case disabled
            case maxQuantity = "max_quantity", freeQuantity = "free_quantity", orderedQuantity = "ordered_quantity"
            case payedQuantity = "payed_quantity", inBasketQuantity = "in_basket_quantity"
        }
    }

    /// Sums a flat seats map; the API sends `[]` instead of `{}` for a show without seats.
    init(flatSeats data: FlatSeats) throws(QTicketsError) {
        for seat in data.seats where seat.disabled?.value != true {
            guard let max = seat.maxQuantity?.value, let free = seat.freeQuantity?.value else {
                throw QTicketsError(
                    kind: .invalidResponse,
                    message: "the seats answer has no max_quantity/free_quantity: the select was not applied")
            }
            let payed = seat.payedQuantity?.value ?? 0
            total += max
            sold += payed
            self.free += free
            reserved +=
                Swift.max(0, (seat.orderedQuantity?.value ?? payed) - payed) + (seat.inBasketQuantity?.value ?? 0)
        }
    }

    struct FlatSeats: Decodable {
        let seats: [Seat]

        init(from decoder: any Decoder) throws {
            if let map = try? decoder.singleValueContainer().decode([String: Seat].self) {
                seats = Array(map.values)
            } else if let list = try? decoder.singleValueContainer().decode([Seat].self) {
                seats = list
            } else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "seats are neither a map nor a list"))
            }
        }
    }
}
