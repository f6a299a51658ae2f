import AsyncHTTPClient
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The QTickets REST API v1 (`https://qtickets.ru/api/rest/v1`), the way it really works:
/// list calls are GET requests with a JSON body, pages are `paging{perPage,currentPage,total}`,
/// nothing is ever read with POST, and transient failures are retried a bounded number of times.
///
/// The token is sent as `Authorization: Bearer …` and appears in no message, log or error.
public struct QTicketsClient: Sendable {
    public let baseURL: URL
    private let token: String
    public let retry: RetryPolicy
    public let timeout: Duration
    public let statistics: RequestStatistics
    private let http: HTTPClient
    private let decoder = JSONDecoder()

    /// - Parameters:
    ///   - baseURL: up to and including `/api/rest/v1`.
    ///   - timeout: for one request, answer body included.
    public init(
        baseURL: URL, token: String, retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(60),
        statistics: RequestStatistics = RequestStatistics()
    ) {
        self.baseURL = baseURL
        self.token = token
        self.retry = retry
        self.timeout = timeout
        self.statistics = statistics
        self.http = .qtickets
    }

    /// One page of a list endpoint (`orders`, `events`, …).
    public func page<Item: Decodable & Sendable>(
        _ path: String, _ query: ListQuery, of: Item.Type = Item.self
    ) async throws(QTicketsError) -> (page: Page<Item>, receivedAt: Instant) {
        try await call(path, body: query) { data throws(QTicketsError) in
            try decode(Page<Item>.self, from: data, path: path)
        }
    }

    /// One page of `GET /orders`, read straight from the answer's bytes (the hot path).
    public func orders(_ query: ListQuery) async throws(QTicketsError) -> (page: Page<Order>, receivedAt: Instant) {
        try await call("orders", body: query) { data throws(QTicketsError) in try Order.page(json: data) }
    }

    /// Seat counters of a show, from `GET /shows/{id}/seats` with an explicit `select` and `flat`.
    public func seatCounters(show: Int64) async throws(QTicketsError) -> (counters: SeatCounters, receivedAt: Instant) {
        let path = "shows/\(show)/seats"
        let answer = try await call(path, body: SeatsQuery(select: SeatCounters.selectedFields, flat: true)) {
            data throws(QTicketsError) in
            try SeatCounters(flatSeats: decode(SeatsAnswer.self, from: data, path: path).data)
        }
        return (answer.page, answer.receivedAt)
    }

    struct SeatsQuery: Encodable {
        let select: [String]
        let flat: Bool
    }

    struct SeatsAnswer: Decodable {
        let data: SeatCounters.FlatSeats
    }

    private func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws(QTicketsError) -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw QTicketsError(
                kind: .invalidResponse,
                message:
                    "GET \(path): the answer is not the JSON expected (\(data.count) bytes): \(Self.summary(of: error))",
                status: 200)
        }
    }

    /// Sends GET `path` with a JSON `body` and decodes the answer with `parse`, retrying transient
    /// failures (parse failures included: a cut connection looks like truncated JSON).
    private func call<Body: Encodable & Sendable, Result>(
        _ path: String, body: Body, parse: (Data) throws(QTicketsError) -> Result
    ) async throws(QTicketsError) -> (page: Result, receivedAt: Instant) {
        let payload: Data
        do {
            payload = try JSONEncoder().encode(body)
        } catch {
            throw QTicketsError(kind: .invalidResponse, message: "cannot encode the request body for \(path): \(error)")
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let data = try await send(path, payload: payload, isRetry: attempt > 1)
                let receivedAt = Instant(Date())
                let parsing = ContinuousClock.now
                defer { statistics.record(parsing: ContinuousClock.now - parsing) }
                return (try parse(data), receivedAt)
            } catch {
                guard error.isTransient, attempt < retry.maxAttempts else {
                    if attempt > 1, error.isTransient {
                        throw QTicketsError(
                            kind: error.kind, message: "\(error.message) (gave up after \(attempt) attempts)",
                            status: error.status)
                    }
                    throw error
                }
                let pause = retry.delay(beforeRetry: attempt)
                statistics.record(backoff: pause)
                try? await Task.sleep(for: pause)
            }
        }
    }

    private func send(_ path: String, payload: Data, isRetry: Bool) async throws(QTicketsError) -> Data {
        let url = baseURL.appendingPathComponent(path).absoluteString
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Cache-Control", value: "no-cache")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(bytes: payload))
        let started = ContinuousClock.now
        defer { statistics.record(retry: isRetry, waited: ContinuousClock.now - started) }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
            response = try await http.execute(request, deadline: deadline)
            body = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw QTicketsError(
                kind: .transport,
                message: "GET \(path): no complete answer from \(baseURL.host ?? "the API"): \(Self.summary(of: error))"
            )
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            throw Self.failure(path: path, status: status, headers: response.headers, body: body)
        }
        return Data(body.readableBytesView)
    }

    static func failure(path: String, status: Int, headers: HTTPHeaders, body: ByteBuffer) -> QTicketsError {
        let text = String(buffer: body)
        let isHTML = headers.first(name: "Content-Type")?.contains("text/html") == true || text.hasPrefix("<")
        struct Wrapper: Decodable {
            let error: String?
            let code: String?
        }
        let wrapper = try? JSONDecoder().decode(Wrapper.self, from: Data(text.utf8))
        let detail = [wrapper?.code, wrapper?.error].compactMap { $0 }.joined(separator: ": ")
        let shown = detail.isEmpty ? (isHTML ? "an HTML page" : String(text.prefix(200))) : detail
        switch status {
        case 403, 401:
            return QTicketsError(
                kind: .forbidden,
                message:
                    "GET \(path): QTickets refused the token (HTTP \(status)). Check QTICKETS_TOKEN: the REST token from "
                    + "Settings → General of the organiser's cabinet (a Partners API key does not work here)",
                status: status)
        case 404:
            return QTicketsError(
                kind: .notFound,
                message: isHTML
                    ? "GET \(path): no such route (404 HTML page). Check QTICKETS_BASE_URL ends with /api/rest/v1"
                    : "GET \(path): \(shown) (404: not in this organiser's account)",
                status: status)
        case 429:
            return QTicketsError(kind: .rateLimited, message: "GET \(path): rate limited (429)", status: status)
        case 500...599:
            return QTicketsError(kind: .server, message: "GET \(path): server error \(status) \(shown)", status: status)
        default:
            return QTicketsError(
                kind: .unexpectedStatus, message: "GET \(path): unexpected HTTP \(status) \(shown)", status: status)
        }
    }

    private static func summary(of error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
                .valueNotFound(_, let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            @unknown default:
                return "\(decoding)"
            }
        }
        return "\(error)"
    }
}

extension HTTPClient {
    /// The HTTP client of the QTickets API. A failed connection fails the request at once, so that
    /// `RetryPolicy`, bounded and counted in `meta_job_runs`, is the only retry loop.
    static let qtickets: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
