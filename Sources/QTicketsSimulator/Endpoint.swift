/// The API routes the simulator knows, read from a method and a path below `/api/rest/v1`.
/// Ids must be numeric: anything else is no route (404 page), like `/orders/filter`.
enum Endpoint: Equatable {
    case listOrders
    case order(Int)
    case createOrder
    case listEvents
    case event(Int)
    case seats(show: Int)
    case unknown

    init(method: String, route: String) {
        let parts = route.split(separator: "/")
        switch (method, parts.count) {
        case ("GET", 1) where parts[0] == "orders": self = .listOrders
        case ("POST", 1) where parts[0] == "orders": self = .createOrder
        case ("GET", 1) where parts[0] == "events": self = .listEvents
        case ("GET", 2) where parts[0] == "orders" && Int(parts[1]) != nil: self = .order(Int(parts[1]) ?? 0)
        case ("GET", 2) where parts[0] == "events" && Int(parts[1]) != nil: self = .event(Int(parts[1]) ?? 0)
        case ("GET", 3) where parts[0] == "shows" && parts[2] == "seats" && Int(parts[1]) != nil:
            self = .seats(show: Int(parts[1]) ?? 0)
        default: self = .unknown
        }
    }

    var statsName: String {
        switch self {
        case .listOrders: "GET /orders"
        case .order: "GET /orders/{id}"
        case .createOrder: "POST /orders"
        case .listEvents: "GET /events"
        case .event: "GET /events/{id}"
        case .seats: "GET /shows/{id}/seats"
        case .unknown: "unknown"
        }
    }
}
