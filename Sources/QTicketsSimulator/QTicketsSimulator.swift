import Foundation
import HTTPServer
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A stand-in for the QTickets REST API v1 that behaves like the real one, quirks included, over
/// a seeded ``SimulatorDataset`` and a virtual clock.
///
/// Orders appear when the clock passes their creation, and are paid, cancelled and refunded as
/// it passes those moments; ``truth()`` gives what a correct warehouse holds at the clock.
/// Serve it with ``start(host:port:)``, or call ``handle(_:)`` directly.
public final class QTicketsSimulator: Sendable {
    /// The path prefix of the API routes.
    public static let apiPrefix = "/api/rest/v1"
    /// The path prefix of the control routes (no token needed).
    public static let controlPrefix = "/__sim"

    /// The account served.
    public let dataset: SimulatorDataset
    /// The offset from UTC every timestamp is rendered with, in seconds (+03:00 by default, as observed).
    public let timestampOffset: Int
    let token: String
    let orderMatchCounts = MatchCountCache<OrderColumn>()
    private let state: NIOLockedValueBox<MutableState>

    struct MutableState {
        var now: Int64
        var faults = FaultQueue()
        var stats = SimulatorStats()
    }

    /// Creates a simulator.
    ///
    /// - Parameters:
    ///   - dataset: The account to serve.
    ///   - token: The bearer token requests must carry.
    ///   - now: The initial clock; by default 90% into the dataset's span, when most orders are
    ///     settled, the latest are pending, the last tenth are yet to be created and refunds lie ahead.
    ///   - timestampOffset: The offset timestamps are rendered with, in seconds east of UTC.
    public init(dataset: SimulatorDataset, token: String, now: Date? = nil, timestampOffset: Int = 3 * 3600) {
        self.dataset = dataset
        self.token = token
        self.timestampOffset = timestampOffset
        let initial =
            now.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
            ?? dataset.startSeconds + dataset.spanSeconds * 9 / 10
        state = NIOLockedValueBox(MutableState(now: initial))
    }

    /// The virtual clock.
    public var now: Date {
        Date(timeIntervalSince1970: TimeInterval(state.withLockedValue { $0.now }))
    }

    var nowSeconds: Int64 { state.withLockedValue { $0.now } }

    /// Moves the clock forward (a negative value moves it back) by at most ±100 years; returns the new time.
    @discardableResult
    public func advance(by seconds: TimeInterval) -> Date {
        let limit = 100 * 365 * 86400.0
        let delta = Int64((seconds.isFinite ? min(max(seconds, -limit), limit) : 0).rounded(.down))
        return Date(
            timeIntervalSince1970: TimeInterval(
                state.withLockedValue { state in
                    state.now += delta
                    return state.now
                }))
    }

    /// Sets the clock; a date more than ~3,000 years from 1970 is ignored.
    public func setNow(_ date: Date) {
        guard date.timeIntervalSince1970.isFinite, abs(date.timeIntervalSince1970) < 1e11 else { return }
        state.withLockedValue { $0.now = Int64(date.timeIntervalSince1970.rounded(.down)) }
    }

    /// Queues a fault for the next matching API requests.
    public func inject(_ fault: SimulatorFault) {
        state.withLockedValue { $0.faults.add(fault) }
    }

    /// Drops every pending fault; a revoked token works again.
    public func clearFaults() {
        state.withLockedValue { $0.faults.clear() }
    }

    /// Requests and faults served so far.
    public func stats() -> SimulatorStats {
        state.withLockedValue { $0.stats }
    }

    /// Zeroes the counters of ``stats()``.
    public func resetStats() {
        state.withLockedValue { $0.stats = SimulatorStats() }
    }

    /// The ground truth at the current clock (one pass over the visible orders).
    public func truth() -> SimulatorTruth {
        dataset.truth(at: nowSeconds)
    }

    /// Serves the simulator over HTTP until ``SimulatorServer/stop()``.
    ///
    /// - Throws: ``HTTPServerError`` when the address cannot be bound.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws(HTTPServerError) -> SimulatorServer {
        let server = try await HTTPServer.start(host: host, port: port) { [self] request in await handle(request) }
        return SimulatorServer(simulator: self, server: server)
    }

    /// Answers one request: an API route, a control route, or a 404 page.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path.hasPrefix(Self.controlPrefix + "/") { return control(request) }
        guard request.path.hasPrefix(Self.apiPrefix + "/") else { return Responses.notFoundPage() }
        let route = String(request.path.dropFirst(Self.apiPrefix.count))
        let endpoint = Endpoint(method: request.method, route: route)
        let faults = state.withLockedValue { state in
            state.stats.requests[endpoint.statsName, default: 0] += 1
            let faults = state.faults.take(route: route)
            for fault in [faults.latency, faults.revoked, faults.response].compactMap({ $0 }) {
                state.stats.faults[fault.statsName, default: 0] += 1
            }
            return faults
        }
        if case .latency(let milliseconds) = faults.latency?.kind {
            try? await Task.sleep(for: .milliseconds(milliseconds))
        }
        if case .status(let status) = faults.response?.kind { return Responses.failure(status: status) }
        guard endpoint != .unknown else { return Responses.notFoundPage() }
        guard faults.revoked == nil, authorized(request) else { return Responses.forbidden() }
        var response = answer(endpoint, request: request, now: nowSeconds)
        switch faults.response?.kind {
        case .truncatedBody:
            response.body =
                response.body.getSlice(at: response.body.readerIndex, length: response.body.readableBytes / 2)
                ?? response.body
        case .connectionReset:
            response.cut = response.body.readableBytes / 2
        default:
            break
        }
        return response
    }

    private func authorized(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers.first(name: "Authorization") else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" && parts[1] == token
    }
}

/// A simulator served over HTTP on loopback or another address.
public struct SimulatorServer: Sendable {
    /// The simulator answering.
    public let simulator: QTicketsSimulator
    /// The HTTP server it runs on.
    public let server: HTTPServer

    /// The API's base URL, e.g. `http://127.0.0.1:8088/api/rest/v1` (append `/orders`).
    public var baseURL: String { "http://\(server.host):\(server.port)\(QTicketsSimulator.apiPrefix)" }
    /// The control routes' base URL, e.g. `http://127.0.0.1:8088/__sim`.
    public var controlURL: String { "http://\(server.host):\(server.port)\(QTicketsSimulator.controlPrefix)" }

    /// Stops serving; the simulator itself stays usable.
    public func stop() async {
        await server.stop()
    }
}
