extension JSONBytes {
    /// One order as the API renders it at `now`, fields in the real order (timestamps last).
    /// `single` renders the single-order GET, whose `integrations` differ from the list's.
    mutating func order(_ plan: OrderPlan, dataset: SimulatorDataset, now: Int64, single: Bool) {
        let paid = plan.isPaid(at: now)
        let show = dataset.shows[plan.showIndex]
        let event = dataset.events[plan.eventIndex]
        let client = ClientDirectory.client(plan.clientId, seed: dataset.seed)
        let site = ClientDirectory.sites[plan.siteIndex]
        var identity = SplitMix64(
            seed: dataset.seed, stream: RandomStream.identifiers.rawValue, index: UInt64(plan.index))
        let changed = plan.hasChanged(at: now)
        let refundId = 800_001 + plan.index
        raw("{\"id\":")
        int(plan.id)
        raw(",\"uniqid\":\"")
        for _ in 0..<10 { byte(Self.uniqidAlphabet[identity.below(Self.uniqidAlphabet.count)]) }
        raw("\",\"payed\":")
        bool(paid)
        raw(",\"payed_at\":")
        time(paid ? plan.payedAt : nil)
        raw(",\"client_id\":")
        int(client.id)
        raw(",\"client\":{\"id\":")
        int(client.id)
        raw(",\"email\":")
        string(client.email)
        raw(",\"details\":{\"id\":")
        int(client.id + 1_000_000)
        raw(",\"name\":")
        string(client.name)
        raw(",\"middlename\":")
        optionalString(client.middlename)
        raw(",\"surname\":")
        optionalString(client.surname)
        raw(",\"phone\":")
        string(client.phone)
        raw(",\"vk_id\":\"\",\"facebook_id\":\"\"}},\"site_id\":")
        int(site.id)
        raw(",\"site\":{\"id\":")
        int(site.id)
        raw(",\"host\":")
        string(site.host)
        raw("},\"payment_id\":501,\"payment_type_id\":")
        plan.numericPaymentType ? raw("\"4326371\"") : raw("\"card\"")
        raw(",\"payment_card_number\":")
        let cardEnding = 1000 + identity.below(9000)
        if paid {
            raw("\"220220******")
            int(cardEnding)
            byte(UInt8(ascii: "\""))
        } else {
            null()
        }
        if plan.promoPercent > 0 {
            raw(",\"discount_id\":")
            int(300 + plan.promoPercent)
            raw(",\"promo_code_id\":")
            int(9000 + plan.promoPercent)
        } else {
            raw(",\"discount_id\":null,\"promo_code_id\":null")
        }
        raw(",\"reserved\":false,\"reserved_to\":")
        time(plan.reservedTo)
        raw(",\"reserve_extended\":false,\"event_id\":")
        int(event.id)
        raw(",\"price\":")
        money(plan.price)
        raw(",\"original_price\":")
        money(plan.originalPrice)
        raw(",\"currency_id\":\"RUB\",\"utm\":")
        plan.hasUTM ? raw("{\"utm_source\":\"vk\",\"utm_medium\":\"cpc\",\"utm_campaign\":\"season_2025\"}") : raw("[]")
        raw(",\"custom\":\"\",\"fields\":[],\"baskets\":[")
        for (k, basket) in plan.baskets.enumerated() {
            if k > 0 { byte(UInt8(ascii: ",")) }
            let seat = show.seats[basket.seatIndex]
            let deletedAt = plan.basketDeletedAt(basket, at: now)
            let refunded = plan.basketRefunded(basket, at: now)
            let basketId = 5_000_001 + plan.index * 4 + k
            raw("{\"id\":")
            int(basketId)
            raw(",\"series\":\"")
            int(event.id)
            int(show.id)
            raw("\",\"barcode\":")
            if paid && deletedAt == nil {
                var barcode = SplitMix64(
                    seed: dataset.seed, stream: RandomStream.barcode.rawValue, index: UInt64(basketId))
                byte(UInt8(ascii: "\""))
                int(100_000_000_000 + Int64(barcode.below(900_000_000_000)))
                byte(UInt8(ascii: "\""))
            } else {
                null()
            }
            raw(",\"show_id\":")
            int(show.id)
            raw(",\"seat_id\":")
            string(seat.id)
            raw(",\"seat_name\":")
            string(seat.name)
            raw(",\"original_price\":")
            money(basket.originalPrice)
            raw(",\"ticket_original_price\":")
            money(basket.originalPrice)
            raw(",\"discount_value\":")
            money(basket.originalPrice - basket.price)
            raw(",\"price\":")
            money(basket.price)
            raw(",\"ticket_amount\":")
            money(deletedAt == nil ? basket.price : 0)
            raw(",\"service_fee_amount\":0,\"multiprice_code\":")
            basket.child ? raw("\"child\"") : null()
            raw(",\"quantity\":1,\"refunded_at\":")
            time(refunded ? plan.changeAt : nil)
            raw(",\"refunded_amount\":")
            if refunded { money(basket.refundedAmount) } else if deletedAt != nil { raw("0") } else { null() }
            raw(",\"refunded_deduction_amount\":")
            if refunded { money(basket.deduction) } else if deletedAt != nil { raw("0") } else { null() }
            raw(",\"refunds\":")
            if refunded, let changeAt = plan.changeAt {
                raw("[{\"id\":")
                int(refundId)
                raw(",\"amount\":")
                money(basket.refundedAmount)
                raw(",\"created_at\":")
                time(changeAt)
                raw("}]")
            } else {
                raw("[]")
            }
            raw(",\"created_at\":")
            time(plan.createdAt)
            raw(",\"updated_at\":")
            time(plan.basketUpdatedAt(basket, at: now))
            raw(",\"deleted_at\":")
            time(deletedAt)
            byte(UInt8(ascii: "}"))
        }
        raw("],\"refunds\":")
        let refundedBaskets = changed ? plan.baskets.filter(\.refunded) : []
        if let changeAt = plan.changeAt, !refundedBaskets.isEmpty {
            raw("[{\"id\":")
            int(refundId)
            raw(",\"amount\":")
            money(refundedBaskets.reduce(0) { $0 + $1.refundedAmount })
            raw(",\"deduction_amount\":")
            money(refundedBaskets.reduce(0) { $0 + $1.deduction })
            raw(",\"created_at\":")
            time(changeAt)
            raw("}]")
        } else {
            raw("[]")
        }
        raw(",\"integrations\":")
        single ? raw("{\"roistat\":{\"roistat_visit\":null}}") : raw("[]")
        raw(",\"created_at\":")
        time(plan.createdAt)
        raw(",\"updated_at\":")
        time(plan.updatedAt(at: now))
        raw(",\"deleted_at\":")
        time(plan.isDeleted(at: now) ? plan.deletedAt : nil)
        byte(UInt8(ascii: "}"))
    }

    mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    private static let uniqidAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// One event with its shows.
    mutating func event(_ event: SimulatedEvent, dataset: SimulatorDataset) {
        raw("{\"id\":")
        int(event.id)
        raw(",\"is_active\":")
        int(event.isActive ? 1 : 0)
        raw(",\"name\":")
        string(event.name)
        raw(",\"scheme_id\":")
        int(700 + event.id % 7)
        raw(",\"currency_id\":\"RUB\",\"place_name\":")
        string(event.placeName)
        raw(",\"city_id\":")
        int(event.city.id)
        raw(",\"city\":{\"id\":")
        int(event.city.id)
        raw(",\"name\":")
        string(event.city.name)
        raw(",\"timezone\":")
        string(event.city.timezone)
        raw("},\"age\":\"12+\",\"shows\":[")
        for (position, showIndex) in event.showIndices.enumerated() {
            if position > 0 { byte(UInt8(ascii: ",")) }
            let show = dataset.shows[showIndex]
            raw("{\"id\":")
            int(show.id)
            raw(",\"name\":\"\",\"is_active\":")
            int(show.isActive ? 1 : 0)
            raw(",\"sale_start_date\":")
            time(show.saleStart)
            raw(",\"sale_finish_date\":")
            time(show.saleFinish)
            raw(",\"open_date\":")
            time(show.openAt)
            raw(",\"start_date\":")
            time(show.startAt)
            raw(",\"finish_date\":")
            time(show.finishAt)
            raw(",\"created_at\":")
            time(show.createdAt)
            raw(",\"updated_at\":")
            time(show.updatedAt)
            raw(",\"deleted_at\":")
            time(show.deletedAt)
            raw(",\"prices\":[")
            for (tier, price) in show.prices.enumerated() {
                if tier > 0 { byte(UInt8(ascii: ",")) }
                raw("{\"id\":")
                int(price.id)
                raw(",\"default_price\":")
                money(price.kopecks)
                raw(",\"color_theme\":\"")
                int(price.colorTheme)
                raw("\",\"modifiers\":[]}")
            }
            raw("]}")
        }
        raw("],\"created_at\":")
        time(event.createdAt)
        raw(",\"updated_at\":")
        time(event.updatedAt)
        raw(",\"deleted_at\":")
        time(event.deletedAt)
        byte(UInt8(ascii: "}"))
    }
}
