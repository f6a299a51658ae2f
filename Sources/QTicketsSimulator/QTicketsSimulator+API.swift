import Foundation
import HTTPServer
import NIOHTTP1

extension QTicketsSimulator {
    enum OrderColumn {
        case id, payed, eventId, clientId, reserved, reservedTo, createdAt, updatedAt, payedAt, deletedAt
    }

    enum EventColumn {
        case id, isActive, cityId, createdAt, updatedAt, deletedAt
    }

    static let orderColumns: [String: (column: OrderColumn, kind: ListQuery<OrderColumn>.ColumnKind)] = [
        "id": (.id, .integer), "payed": (.payed, .boolean), "event_id": (.eventId, .integer),
        "client_id": (.clientId, .integer),
        "reserved": (.reserved, .boolean), "reserved_to": (.reservedTo, .time), "created_at": (.createdAt, .time),
        "updated_at": (.updatedAt, .time), "payed_at": (.payedAt, .time), "deleted_at": (.deletedAt, .time),
    ]

    static let eventColumns: [String: (column: EventColumn, kind: ListQuery<EventColumn>.ColumnKind)] = [
        "id": (.id, .integer), "is_active": (.isActive, .boolean), "city_id": (.cityId, .integer),
        "created_at": (.createdAt, .time), "updated_at": (.updatedAt, .time), "deleted_at": (.deletedAt, .time),
    ]

    /// Observed default page sizes.
    static let defaultOrdersPerPage = 50
    static let defaultEventsPerPage = 10

    /// Answers an authorised API request. A body is read only when sent as
    /// `Content-Type: application/json`; otherwise the call runs as if it had none, like a
    /// Laravel backend (a classic client bug: `curl -d` sends form encoding).
    func answer(_ endpoint: Endpoint, request: HTTPRequest, now: Int64) -> HTTPResponse {
        let json = request.headers.first(name: "Content-Type")?.lowercased().contains("json") == true
        let body = json ? request.body : []
        switch endpoint {
        case .listOrders: return listOrders(body: body, now: now)
        case .order(let id):
            let index = id.subtractingReportingOverflow(OrderPlanner.firstOrderId).partialValue
            guard id >= OrderPlanner.firstOrderId, index < dataset.visibleCount(at: now) else {
                return Responses.notFound(resource: "Order", id: id)
            }
            var out = JSONBytes(capacity: 4096, offset: Int64(timestampOffset))
            out.raw("{\"data\":")
            out.order(dataset.plan(index), dataset: dataset, now: now, single: true)
            out.byte(UInt8(ascii: "}"))
            return Responses.json(out.bytes)
        case .createOrder: return Responses.createOrderFailed()
        case .listEvents: return listEvents(body: body)
        case .event(let id):
            guard let index = dataset.event(id: id) else { return Responses.notFound(resource: "Event", id: id) }
            var out = JSONBytes(capacity: 4096, offset: Int64(timestampOffset))
            out.raw("{\"data\":")
            out.event(dataset.events[index], dataset: dataset)
            out.byte(UInt8(ascii: "}"))
            return Responses.json(out.bytes)
        case .seats(let id):
            guard let index = dataset.show(id: id) else { return Responses.notFound(resource: "Show", id: id) }
            return seats(show: index, body: body, now: now)
        case .unknown: return Responses.notFoundPage()
        }
    }

    private func listOrders(body: [UInt8], now: Int64) -> HTTPResponse {
        let query: ListQuery<OrderColumn>
        do {
            query = try ListQuery.parse(
                body: body, columns: Self.orderColumns, defaultPerPage: Self.defaultOrdersPerPage)
        } catch {
            return Responses.unknownError()
        }
        let timelines = dataset.timelines
        let events = dataset.events
        let (rows, total) = query.select(
            count: dataset.visibleCount(at: now), firstId: Int64(OrderPlanner.firstOrderId), idColumn: .id,
            cache: orderMatchCounts, clock: now
        ) { row, column in
            let timeline = timelines[row]
            switch column {
            case .id: return Int64(OrderPlanner.firstOrderId + row)
            case .payed: return timeline.payedAt <= now ? 1 : 0
            case .eventId: return Int64(events[Int(timeline.eventIndex)].id)
            case .clientId: return Int64(timeline.clientId)
            case .reserved: return 0
            case .reservedTo: return timeline.createdAt + 86400
            case .createdAt: return timeline.createdAt
            case .updatedAt: return timeline.updatedAt(at: now)
            case .payedAt: return timeline.payedAt <= now ? timeline.payedAt : nil
            case .deletedAt: return timeline.deletedAt <= now ? timeline.deletedAt : nil
            }
        }
        var out = JSONBytes(capacity: 256 + rows.count * 2600, offset: Int64(timestampOffset))
        out.raw("{\"data\":[")
        for (position, row) in rows.enumerated() {
            if position > 0 { out.byte(UInt8(ascii: ",")) }
            out.order(dataset.plan(row), dataset: dataset, now: now, single: false)
        }
        out.paging(perPage: query.perPage, page: query.page, total: total)
        return Responses.json(out.bytes)
    }

    private func listEvents(body: [UInt8]) -> HTTPResponse {
        let query: ListQuery<EventColumn>
        do {
            query = try ListQuery.parse(
                body: body, columns: Self.eventColumns, defaultPerPage: Self.defaultEventsPerPage)
        } catch {
            return Responses.unknownError()
        }
        let events = dataset.events
        let (rows, total) = query.select(count: events.count, firstId: Int64(events.first?.id ?? 0), idColumn: .id) {
            row, column in
            let event = events[row]
            switch column {
            case .id: return Int64(event.id)
            case .isActive: return event.isActive ? 1 : 0
            case .cityId: return Int64(event.city.id)
            case .createdAt: return event.createdAt
            case .updatedAt: return event.updatedAt
            case .deletedAt: return event.deletedAt
            }
        }
        var out = JSONBytes(capacity: 256 + rows.count * 3000, offset: Int64(timestampOffset))
        out.raw("{\"data\":[")
        for (position, row) in rows.enumerated() {
            if position > 0 { out.byte(UInt8(ascii: ",")) }
            out.event(events[row], dataset: dataset)
        }
        out.paging(perPage: query.perPage, page: query.page, total: total)
        return Responses.json(out.bytes)
    }

    /// `GET /shows/{id}/seats`: with `select`, the chosen fields (flat by seat id when `flat` is
    /// true, else grouped by zone); without, the minimal zone → seat map with no counters, as
    /// observed. `where` and `context` are ignored.
    private func seats(show showIndex: Int, body: [UInt8], now: Int64) -> HTTPResponse {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        let select = (object["select"] as? [Any])?.compactMap { $0 as? String } ?? []
        let flat =
            (object["flat"] as? Bool) ?? ((object["flat"] as? NSNumber)?.intValue == 1)
            || (object["flat"] as? String) == "true"
        let show = dataset.shows[showIndex]
        let counters = dataset.seatCounters(show: showIndex, at: now)
        var out = JSONBytes(capacity: 1024, offset: Int64(timestampOffset))
        out.raw("{\"data\":{")
        if !select.isEmpty && flat {
            for (position, seat) in show.seats.enumerated() {
                if position > 0 { out.byte(UInt8(ascii: ",")) }
                out.string(seat.id)
                out.byte(UInt8(ascii: ":"))
                out.seat(seat, show: show, counter: counters[position], fields: select)
            }
        } else {
            var zones: [String] = []
            for seat in show.seats where !zones.contains(seat.zoneId) { zones.append(seat.zoneId) }
            for (zonePosition, zone) in zones.enumerated() {
                if zonePosition > 0 { out.byte(UInt8(ascii: ",")) }
                out.string(zone)
                out.raw(":{\"zone_id\":")
                out.string(zone)
                out.raw(",\"name\":")
                out.string(SimulatorDataset.zones.first { $0.id == zone }?.name ?? zone)
                out.raw(",\"description\":\"\",\"seats\":{")
                var first = true
                for (position, seat) in show.seats.enumerated() where seat.zoneId == zone {
                    if !first { out.byte(UInt8(ascii: ",")) }
                    first = false
                    out.string(seat.shortId)
                    out.byte(UInt8(ascii: ":"))
                    if select.isEmpty {
                        out.raw("{\"seat_id\":")
                        out.string(seat.id)
                        out.raw(",\"admission\":true}")
                    } else {
                        out.seat(seat, show: show, counter: counters[position], fields: select)
                    }
                }
                out.raw("}}")
            }
        }
        out.raw("}}")
        return Responses.json(out.bytes)
    }
}

extension SimulatedSeat {
    /// `row;place`, e.g. `1;1`.
    var shortId: String { String(id.split(separator: "-", maxSplits: 1).last ?? "") }
}

extension JSONBytes {
    mutating func paging(perPage: Int, page: Int, total: Int) {
        raw("],\"paging\":{\"perPage\":")
        int(perPage)
        raw(",\"currentPage\":")
        int(page)
        raw(",\"total\":")
        int(total)
        raw("}}")
    }

    /// A seat with the selected fields, in the order asked; unknown fields are left out.
    mutating func seat(
        _ seat: SimulatedSeat, show: SimulatedShow, counter: (payed: Int, ordered: Int), fields: [String]
    ) {
        let free = seat.disabled ? 0 : seat.maxQuantity - counter.payed - counter.ordered
        let price = show.prices[seat.priceIndex]
        byte(UInt8(ascii: "{"))
        var first = true
        for field in fields {
            let before = bytes.count
            if !first { byte(UInt8(ascii: ",")) }
            string(field)
            byte(UInt8(ascii: ":"))
            switch field {
            case "id", "root_id", "seat_id": string(seat.id)
            case "name": string(seat.name)
            case "zone_id", "zone_root_id": string(seat.zoneId)
            case "short_seat_id": string(seat.shortId)
            case "row": string(String(seat.shortId.split(separator: ";").first ?? ""))
            case "place": string(String(seat.shortId.split(separator: ";").last ?? ""))
            case "admission": bool(true)
            case "max_quantity": int(seat.maxQuantity)
            case "free_quantity": int(free)
            case "ordered_quantity": int(counter.ordered)
            case "payed_quantity": int(counter.payed)
            case "in_basket_quantity": int(0)
            case "disabled": bool(seat.disabled)
            case "available": bool(!seat.disabled && free > 0)
            case "ordered": bool(counter.payed + counter.ordered > 0)
            case "price": money(price.kopecks)
            case "currency_id": string("RUB")
            case "color_theme_id": int(price.colorTheme)
            case "multiprice_name", "multiprice_code": null()
            default:
                truncate(to: before)
                continue
            }
            first = false
        }
        byte(UInt8(ascii: "}"))
    }
}
