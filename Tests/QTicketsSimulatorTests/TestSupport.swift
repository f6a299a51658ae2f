import Foundation
import HTTPServer
import NIOCore
import NIOHTTP1
import QTicketsSimulator

/// The bearer token of the simulators these tests start, made at run time like every test secret.
let testToken = "sim-" + UUID().uuidString

/// Calls the simulator in-process, as the HTTP server would.
struct InProcessClient {
    let simulator: QTicketsSimulator
    var token = testToken

    init(_ simulator: QTicketsSimulator, token: String = testToken) {
        self.simulator = simulator
        self.token = token
    }

    func send(_ path: String, method: String = "GET", body: String = "") async -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(token)")
        headers.add(name: "Content-Type", value: "application/json")
        return await simulator.handle(
            HTTPRequest(
                method: method, path: QTicketsSimulator.apiPrefix + path, headers: headers, body: Array(body.utf8)))
    }

    func object(_ path: String, body: String = "") async -> [String: Any] {
        let response = await send(path, body: body)
        return (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// Every order visible now, paging with `perPage` in id order.
    func allOrders(perPage: Int = 1000) async -> [[String: Any]] {
        var orders: [[String: Any]] = []
        var page = 1
        while true {
            let answer = await object("/orders", body: #"{"page":\#(page),"perPage":\#(perPage)}"#)
            let data = answer["data"] as? [[String: Any]] ?? []
            orders += data
            guard data.count == perPage else { return orders }
            page += 1
        }
    }

    /// Event id → city name, from the events list.
    func cities() async -> [Int: String] {
        let answer = await object("/events", body: #"{"perPage":1000}"#)
        var cities: [Int: String] = [:]
        for event in answer["data"] as? [[String: Any]] ?? [] {
            if let id = event["id"] as? Int, let city = event["city"] as? [String: Any],
                let name = city["name"] as? String
            {
                cities[id] = name
            }
        }
        return cities
    }
}

/// Recomputes the sales truth from rendered orders, with Foundation's date handling, as a
/// warehouse would: nothing here shares code with the simulator.
enum IndependentTruth {
    static func kopecks(_ value: Any?) -> Int64 {
        Int64((((value as? NSNumber)?.doubleValue ?? 0) * 100).rounded())
    }

    static func isNull(_ value: Any?) -> Bool {
        value == nil || value is NSNull
    }

    static func moscowDate(_ text: String) -> String {
        let parser = ISO8601DateFormatter()
        guard let date = parser.date(from: text) else { return "unparsable \(text)" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Moscow")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static func sales(orders: [[String: Any]], cities: [Int: String]) -> [SimulatorTruth.SalesKey: SimulatorTruth
        .SalesFigures]
    {
        var sales: [SimulatorTruth.SalesKey: SimulatorTruth.SalesFigures] = [:]
        var ordersPerKey: [SimulatorTruth.SalesKey: Set<Int>] = [:]
        for order in orders {
            guard let payedAt = order["payed_at"] as? String, let orderId = order["id"] as? Int,
                let eventId = order["event_id"] as? Int
            else {
                continue
            }
            let date = moscowDate(payedAt)
            for basket in order["baskets"] as? [[String: Any]] ?? [] {
                let refunded = !isNull(basket["refunded_at"])
                guard isNull(basket["deleted_at"]) || refunded else { continue }
                let key = SimulatorTruth.SalesKey(
                    salesDate: date, eventId: eventId, showId: basket["show_id"] as? Int ?? -1,
                    city: cities[eventId] ?? "?")
                let quantity = basket["quantity"] as? Int ?? 0
                var figures = sales[key] ?? SimulatorTruth.SalesFigures()
                figures.ticketsSold += quantity
                figures.revenueKopecks += kopecks(basket["price"])
                if refunded {
                    figures.ticketsRefunded += quantity
                    figures.refundsKopecks += kopecks(basket["refunded_amount"])
                }
                sales[key] = figures
                ordersPerKey[key, default: []].insert(orderId)
            }
        }
        for (key, ids) in ordersPerKey { sales[key]?.orders = ids.count }
        return sales
    }

    static func state(_ order: [String: Any]) -> OrderState {
        if !isNull(order["deleted_at"]) { return .cancelled }
        guard order["payed"] as? Bool == true else { return .pending }
        let baskets = order["baskets"] as? [[String: Any]] ?? []
        let refunded = baskets.filter { !isNull($0["refunded_at"]) }.count
        if refunded == baskets.count { return .refunded }
        if refunded > 0 { return .partiallyRefunded }
        return baskets.contains { !isNull($0["deleted_at"]) } ? .partiallyCancelled : .paid
    }
}
