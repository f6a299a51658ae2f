/// A city as the API renders it inside an event.
public struct SimulatedCity: Sendable, Hashable {
    /// The `city_id`.
    public let id: Int
    /// The name as rendered (Russian, as the real account shows it), e.g. `Томск`.
    public let name: String
    /// The IANA timezone the API reports for the city (not the offset timestamps are rendered in).
    public let timezone: String

    /// Moscow, Saint Petersburg and three Siberian cities, with how often events are placed there.
    static let all: [(city: SimulatedCity, weight: Int, places: [String])] = [
        (SimulatedCity(id: 1, name: "Москва", timezone: "Europe/Moscow"), 35, ["Клуб «Арбат Холл»", "ДК «Горизонт»"]),
        (SimulatedCity(id: 2, name: "Санкт-Петербург", timezone: "Europe/Moscow"), 15, ["Театр «Балтика»"]),
        (
            SimulatedCity(id: 57, name: "Томск", timezone: "Asia/Krasnoyarsk"), 20,
            ["Дом учёных", "Концертный зал «Томь»"]
        ),
        (SimulatedCity(id: 63, name: "Барнаул", timezone: "Asia/Barnaul"), 15, ["Филармония «Алтай»"]),
        (SimulatedCity(id: 71, name: "Новосибирск", timezone: "Asia/Novosibirsk"), 15, ["Клуб «Обь»", "ДК «Сибирь»"]),
    ]
}

/// One general-admission seat entry of a show (`ZONE-row;place` with `max_quantity` places).
public struct SimulatedSeat: Sendable {
    /// The seat id, e.g. `DANCE_FLOOR-1;1`.
    public let id: String
    /// The zone part of the id, e.g. `DANCE_FLOOR`.
    public let zoneId: String
    /// The human-readable name baskets carry as `seat_name`.
    public let name: String
    /// The index of the seat's price in the show's ``SimulatedShow/prices``.
    public let priceIndex: Int
    /// Disabled seats are never sold and do not count towards inventory.
    public let disabled: Bool
    /// Capacity: above the most tickets the dataset ever holds on this seat, so it never oversells.
    public internal(set) var maxQuantity: Int
}

/// A price tier of a show.
public struct SimulatedPrice: Sendable {
    /// The price id (`prices[].id`).
    public let id: Int
    /// `default_price`, in kopecks.
    public let kopecks: Int64
    /// `color_theme`, rendered as a string as observed.
    public let colorTheme: Int
}

/// A show (one date of an event). Times are Unix seconds, named after the fields they render
/// (`openAt` → `open_date`, `saleStart` → `sale_start_date`, …).
public struct SimulatedShow: Sendable {
    /// The `show_id`.
    public let id: Int
    /// The index of the owning event in ``SimulatorDataset/events``.
    public let eventIndex: Int
    public let isActive: Bool
    public let saleStart: Int64?
    public let saleFinish: Int64
    public let openAt: Int64
    public let startAt: Int64
    public let finishAt: Int64
    public let createdAt: Int64
    public let updatedAt: Int64
    public let deletedAt: Int64?
    /// The price tiers.
    public let prices: [SimulatedPrice]
    /// The general-admission seat entries.
    public internal(set) var seats: [SimulatedSeat]
}

/// An event with its shows; events never change once the dataset is built. Times are Unix seconds.
public struct SimulatedEvent: Sendable {
    /// The `event_id`.
    public let id: Int
    public let name: String
    public let isActive: Bool
    public let city: SimulatedCity
    public let placeName: String
    /// Indices into ``SimulatorDataset/shows``.
    public let showIndices: [Int]
    public let createdAt: Int64
    public let updatedAt: Int64
    public let deletedAt: Int64?
}

extension SimulatorDataset {
    static let zones: [(id: String, name: String)] = [
        ("DANCE_FLOOR", "Танцпол"), ("PARTERRE", "Партер"), ("BALCONY", "Балкон"), ("VIP", "VIP-зона"),
    ]
    static let genres = ["Концерт", "Спектакль", "Стендап", "Лекция", "Мастер-класс", "Выставка"]
    static let titles = [
        "Осенний джаз", "Северное сияние", "Город огней", "Тихий вечер", "Большая перемена", "Сказки леса",
        "Ритмы Сибири", "Новая волна", "Старый двор", "Звёздный час", "Снежная королева", "Весёлые нотки",
    ]
    static let basePrices: [Int64] = [80000, 100000, 120000, 149950, 150000, 180000, 200000, 250000, 299000, 350000]

    /// Builds events and shows: a pure function of the seed and the counts.
    static func makeCatalog(seed: UInt64, events eventCount: Int, showsPerEvent: Int, start: Int64, span: Int64)
        -> (events: [SimulatedEvent], shows: [SimulatedShow])
    {
        var events: [SimulatedEvent] = []
        var shows: [SimulatedShow] = []
        let totalWeight = SimulatedCity.all.reduce(0) { $0 + $1.weight }
        for eventIndex in 0..<eventCount {
            var random = SplitMix64(seed: seed, stream: RandomStream.event.rawValue, index: UInt64(eventIndex))
            var draw = random.below(totalWeight)
            var cityEntry = SimulatedCity.all[0]
            for entry in SimulatedCity.all {
                if draw < entry.weight {
                    cityEntry = entry
                    break
                }
                draw -= entry.weight
            }
            let createdAt = start - random.within(30 * 86400...90 * 86400)
            let deleted = eventIndex > 0 && random.percent(4)
            let deletedAt: Int64? = deleted ? createdAt + random.within(86400...20 * 86400) : nil
            let isActive = !deleted && random.percent(92)
            let name = "\(random.pick(genres)) «\(random.pick(titles))»"
            var firstStart = start + 7 * 86400 + random.within(0...(span + 60 * 86400))
            firstStart = firstStart / 86400 * 86400 + Int64(random.pick([7, 9, 12, 15, 16, 17])) * 3600
            var showIndices: [Int] = []
            var showStart = firstStart
            for ordinal in 0..<showsPerEvent {
                var showRandom = SplitMix64(seed: seed, stream: RandomStream.show.rawValue, index: UInt64(shows.count))
                let showDeleted = deletedAt != nil || (ordinal > 0 && showRandom.percent(5))
                let showDeletedAt = deletedAt ?? (showDeleted ? createdAt + showRandom.within(3600...10 * 86400) : nil)
                let priceCount = 2 + showRandom.below(2)
                var prices: [SimulatedPrice] = []
                for tier in 0..<priceCount {
                    prices.append(
                        SimulatedPrice(
                            id: 40_001 + shows.count * 4 + tier, kopecks: showRandom.pick(basePrices),
                            colorTheme: 1 + showRandom.below(8)))
                }
                var seats: [SimulatedSeat] = []
                let zoneStart = showRandom.below(zones.count)
                for zoneOffset in 0..<(2 + showRandom.below(2)) {
                    let zone = zones[(zoneStart + zoneOffset) % zones.count]
                    for row in 1...(1 + showRandom.below(2)) {
                        seats.append(
                            SimulatedSeat(
                                id: "\(zone.id)-\(row);1", zoneId: zone.id, name: "\(zone.name), вход \(row)",
                                priceIndex: showRandom.below(priceCount),
                                disabled: !seats.isEmpty && showRandom.percent(20),
                                maxQuantity: 0))
                    }
                }
                let showCreatedAt = createdAt + showRandom.within(0...3600)
                showIndices.append(shows.count)
                shows.append(
                    SimulatedShow(
                        id: 20_001 + shows.count, eventIndex: eventIndex, isActive: !showDeleted,
                        saleStart: showRandom.percent(50) ? nil : createdAt,
                        saleFinish: showStart + 3600, openAt: showStart - 3600, startAt: showStart,
                        finishAt: showStart + 3 * 3600,
                        createdAt: showCreatedAt, updatedAt: showDeletedAt ?? showCreatedAt + 600,
                        deletedAt: showDeletedAt,
                        prices: prices, seats: seats))
                showStart += random.within(1...3) * 86400
            }
            events.append(
                SimulatedEvent(
                    id: 4001 + eventIndex, name: name, isActive: isActive, city: cityEntry.city,
                    placeName: random.pick(cityEntry.places),
                    showIndices: showIndices, createdAt: createdAt, updatedAt: deletedAt ?? createdAt + 3600,
                    deletedAt: deletedAt))
        }
        return (events, shows)
    }
}
