import Foundation

/// A failure the simulator serves on demand, to a bounded number of API requests.
///
/// Faults apply to requests under `/api/rest/v1` whose path (after that prefix) starts with
/// ``routePrefix`` (every API request when nil); control routes are never affected. Several
/// faults may be pending at once: per request, one latency fault is taken, then either a due
/// token revocation or one response fault, oldest first.
public struct SimulatorFault: Sendable, Equatable {
    /// What goes wrong.
    public enum Kind: Sendable, Equatable {
        /// Answers after a delay (the answer itself is normal).
        case latency(milliseconds: Int)
        /// Answers with this status and the body the real stack gives: 429 and 5xx as the API's
        /// JSON error wrapper, 502 and 504 as nginx's HTML page.
        case status(Int)
        /// A normal answer whose body is cut in half with a matching `Content-Length`: the
        /// transfer completes, the JSON does not parse.
        case truncatedBody
        /// Headers and half the body, then the connection closes: a reset mid-page.
        case connectionReset
        /// The token stays valid for `afterRequests` more requests, then the next ``count``
        /// requests get 403 (or until ``QTicketsSimulator/clearFaults()``).
        case tokenRevoked(afterRequests: Int)
    }

    /// What goes wrong.
    public var kind: Kind
    /// How many requests the fault affects; at least 1.
    public var count: Int
    /// A path prefix relative to `/api/rest/v1`, e.g. `/orders`; nil matches every API request.
    public var routePrefix: String?

    /// A fault for the next `count` matching requests (at least one).
    public init(_ kind: Kind, count: Int = 1, routePrefix: String? = nil) {
        self.kind = kind
        self.count = max(1, count)
        self.routePrefix = routePrefix
    }

    /// Reads the control API's form: `{"kind":"latency","milliseconds":200}`,
    /// `{"kind":"status","status":503}`, `{"kind":"truncated"}`, `{"kind":"reset"}` or
    /// `{"kind":"token_revoked","after":5}`, each with optional `"count"` and `"route"`.
    /// Returns nil for anything else.
    public init?(json body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let kindName = object["kind"] as? String
        else { return nil }
        let number = { (name: String) in (object[name] as? NSNumber)?.intValue }
        let kind: Kind
        switch kindName {
        case "latency":
            guard let milliseconds = number("milliseconds"), (0...600_000).contains(milliseconds) else { return nil }
            kind = .latency(milliseconds: milliseconds)
        case "status":
            guard let status = number("status"), (400...599).contains(status) else { return nil }
            kind = .status(status)
        case "truncated": kind = .truncatedBody
        case "reset": kind = .connectionReset
        case "token_revoked": kind = .tokenRevoked(afterRequests: max(0, number("after") ?? 0))
        default: return nil
        }
        self.init(kind, count: number("count") ?? 1, routePrefix: object["route"] as? String)
    }

    /// The name faults are counted under in ``SimulatorStats/faults``.
    var statsName: String {
        switch kind {
        case .latency: "latency"
        case .status(let status): "status \(status)"
        case .truncatedBody: "truncated"
        case .connectionReset: "reset"
        case .tokenRevoked: "revoked"
        }
    }

    func applies(to route: String) -> Bool {
        routePrefix.map { route.hasPrefix($0) } ?? true
    }
}

/// What the simulator has served since it started (or since ``QTicketsSimulator/resetStats()``).
public struct SimulatorStats: Sendable, Equatable {
    /// API requests by route, e.g. `GET /orders`, `GET /orders/{id}`, `GET /shows/{id}/seats`,
    /// `POST /orders`, `unknown` (control requests are not counted).
    public var requests: [String: Int] = [:]
    /// Faults served by kind: `latency`, `status 503`, `truncated`, `reset`, `revoked`.
    public var faults: [String: Int] = [:]

    /// All API requests.
    public var totalRequests: Int { requests.values.reduce(0, +) }
    /// All faults served.
    public var totalFaults: Int { faults.values.reduce(0, +) }
}

/// Pending faults and their remaining budgets.
struct FaultQueue {
    private struct Pending {
        var fault: SimulatorFault
        var remaining: Int
        var grace: Int
    }

    private var pending: [Pending] = []

    mutating func add(_ fault: SimulatorFault) {
        var grace = 0
        if case .tokenRevoked(let after) = fault.kind { grace = after }
        pending.append(Pending(fault: fault, remaining: fault.count, grace: grace))
    }

    mutating func clear() {
        pending.removeAll()
    }

    /// Takes the faults that apply to one request: a latency, then either a revocation (403)
    /// or a response fault.
    mutating func take(route: String) -> (latency: SimulatorFault?, revoked: SimulatorFault?, response: SimulatorFault?)
    {
        let latency = takeFirst(route: route) { if case .latency = $0 { true } else { false } }
        var revoked: SimulatorFault?
        for index in pending.indices
        where revoked == nil && pending[index].remaining > 0 && pending[index].fault.applies(to: route) {
            guard case .tokenRevoked = pending[index].fault.kind else { continue }
            if pending[index].grace > 0 {
                pending[index].grace -= 1
            } else {
                revoked = pending[index].fault
                pending[index].remaining -= 1
            }
        }
        let response =
            revoked != nil
            ? nil
            : takeFirst(route: route) { kind in
                switch kind {
                case .status, .truncatedBody, .connectionReset: true
                case .latency, .tokenRevoked: false
                }
            }
        pending.removeAll { $0.remaining == 0 }
        return (latency, revoked, response)
    }

    private mutating func takeFirst(route: String, where accepts: (SimulatorFault.Kind) -> Bool) -> SimulatorFault? {
        guard
            let index = pending.firstIndex(where: {
                $0.remaining > 0 && $0.fault.applies(to: route) && accepts($0.fault.kind)
            })
        else {
            return nil
        }
        pending[index].remaining -= 1
        return pending[index].fault
    }
}
