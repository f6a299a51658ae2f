import AsyncHTTPClient
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// ClickHouse's HTTP interface over AsyncHTTPClient.
///
/// Every statement is POSTed in the body (no length limit, nothing in access logs' URLs); settings
/// and the database travel as URL parameters, credentials as `X-ClickHouse-User`/`-Key` headers.
/// Reads are retried on transport failures with a short backoff; statements that change data or
/// schema are never retried, since ClickHouse may have applied them before the connection broke.
public struct ClickHouseClient: ClickHouseQuerying {
    public let endpoint: ClickHouseEndpoint
    /// How many times a read is tried in all when the transport fails.
    public var readAttempts: Int
    private let http: HTTPClient

    /// Creates a client; it uses the process-wide shared HTTP client, which needs no shutdown.
    public init(endpoint: ClickHouseEndpoint, readAttempts: Int = 3) {
        self.endpoint = endpoint
        self.readAttempts = max(1, readAttempts)
        self.http = .clickhouse
    }

    public var database: String? { endpoint.database }

    /// The same server and credentials with another database.
    public func using(database: String?) -> ClickHouseClient {
        ClickHouseClient(endpoint: endpoint.using(database: database), readAttempts: readAttempts)
    }

    public func execute(_ sql: String, settings: [String: String] = [:]) async throws(ClickHouseError) {
        _ = try await send(body: ByteBuffer(string: sql), query: nil, settings: settings)
    }

    public func rows(_ sql: String, settings: [String: String] = [:]) async throws(ClickHouseError) -> [[String?]] {
        let text = try await read(sql + "\nFORMAT TabSeparated", settings: settings)
        return TabSeparated.decode(text)
    }

    /// Runs a query and returns the raw answer (use `FORMAT …` in the query to choose its shape).
    public func read(_ sql: String, settings: [String: String] = [:]) async throws(ClickHouseError) -> String {
        var attempt = 1
        while true {
            do throws(ClickHouseError) {
                let body = try await send(body: ByteBuffer(string: sql), query: nil, settings: settings)
                return String(buffer: body)
            } catch  where error.kind == .transport && attempt < readAttempts {
                try? await Task.sleep(for: .milliseconds(200 * attempt))
                attempt += 1
            }
        }
    }

    /// Inserts rows given as JSON objects, one request per batch of `batchSize`; `columns` are
    /// named explicitly so that a column the table lacks is an error, not a silent default.
    public func insert(
        into table: String, columns: [String], rows: [Data], batchSize: Int = 10_000, settings: [String: String] = [:]
    ) async throws(ClickHouseError) {
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + batchSize)
            var buffer = ByteBufferAllocator().buffer(capacity: rows[start..<end].reduce(0) { $0 + $1.count + 1 })
            for row in rows[start..<end] {
                buffer.writeBytes(row)
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
            try await insert(into: table, columns: columns, jsonEachRow: buffer, settings: settings)
            start = end
        }
    }

    /// Inserts a body of newline-separated JSON objects in one request, with explicit `columns`.
    public func insert(
        into table: String, columns: [String], jsonEachRow body: ByteBuffer, settings: [String: String] = [:]
    ) async throws(ClickHouseError) {
        let statement = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) FORMAT JSONEachRow"
        _ = try await send(body: body, query: statement, settings: settings)
    }

    /// `true` when `/ping` answers `Ok.`.
    public func ping() async -> Bool {
        var request = HTTPClientRequest(url: endpoint.url.appendingPathComponent("ping").absoluteString)
        request.method = .GET
        guard let response = try? await http.execute(request, timeout: .seconds(5)),
            let body = try? await response.body.collect(upTo: 1024)
        else { return false }
        return response.status == .ok && String(buffer: body).hasPrefix("Ok.")
    }

    private func send(body: ByteBuffer, query: String?, settings: [String: String]) async throws(ClickHouseError)
        -> ByteBuffer
    {
        guard var components = URLComponents(url: endpoint.url, resolvingAgainstBaseURL: false) else {
            throw ClickHouseError(kind: .transport, message: "invalid ClickHouse URL \(endpoint.url)")
        }
        var items: [(String, String)] = []
        if let query { items.append(("query", query)) }
        if let database = endpoint.database { items.append(("database", database)) }
        items += settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        components.percentEncodedQuery =
            items.isEmpty ? nil : items.map { Self.encoded($0) + "=" + Self.encoded($1) }.joined(separator: "&")
        components.path = components.path.isEmpty ? "/" : components.path
        var request = HTTPClientRequest(url: components.string ?? endpoint.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "X-ClickHouse-User", value: endpoint.user)
        request.headers.add(name: "X-ClickHouse-Key", value: endpoint.password)
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(body)
        let timeout = TimeAmount.nanoseconds(
            Int64(endpoint.timeout.components.seconds) * 1_000_000_000
                + endpoint.timeout.components.attoseconds / 1_000_000_000)
        let response: HTTPClientResponse
        let answer: ByteBuffer
        let http = self.http
        let limit = endpoint.timeout
        let prepared = request
        do {
            (response, answer) = try await withThrowingTaskGroup(of: (HTTPClientResponse, ByteBuffer)?.self) { group in
                group.addTask {
                    let response = try await http.execute(prepared, timeout: timeout)
                    return (response, try await response.body.collect(upTo: 1 << 31))
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw HTTPClientError.deadlineExceeded
                }
                return result
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw ClickHouseError(
                kind: .timeout,
                message: "ClickHouse at \(endpoint.url.absoluteString) did not answer within \(endpoint.timeout)")
        } catch {
            throw ClickHouseError(
                kind: .transport,
                message: "cannot reach ClickHouse at \(endpoint.url.absoluteString): \(Self.describe(error))")
        }
        guard response.status == .ok else {
            throw ClickHouseError.parse(
                body: String(buffer: answer), headerCode: response.headers.first(name: "X-ClickHouse-Exception-Code"),
                httpStatus: Int(response.status.code))
        }
        if let code = response.headers.first(name: "X-ClickHouse-Exception-Code") {
            throw ClickHouseError.parse(
                body: String(buffer: answer), headerCode: code, httpStatus: Int(response.status.code))
        }
        if let failure = Self.trailingException(in: answer) { throw failure }
        return answer
    }

    /// A URL parameter's name or value with everything but RFC 3986's unreserved characters
    /// escaped: ClickHouse decodes parameters as a form does, so a `+` left as it is (Foundation
    /// leaves it, being legal in a query) would arrive as a space.
    static func encoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// A query that fails after the server has started streaming keeps status 200 and ends the
    /// body with the exception text instead of the remaining rows; such an answer is an error.
    static func trailingException(in body: ByteBuffer) -> ClickHouseError? {
        let tailLength = min(body.readableBytes, 4096)
        guard tailLength > 0,
            let tail = body.getString(at: body.readerIndex + body.readableBytes - tailLength, length: tailLength)
        else {
            return nil
        }
        let lines = tail.split(separator: "\n", omittingEmptySubsequences: true)
        guard let start = lines.lastIndex(where: { $0.hasPrefix("Code: ") && $0.contains("DB::Exception") }) else {
            return nil
        }
        let text = lines[start...].joined(separator: "\n")
        guard text.hasSuffix("e.what() = DB::Exception") || text.contains(") (version ") else { return nil }
        return ClickHouseError.parse(body: text, headerCode: nil, httpStatus: 200)
    }

    private static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError { return "\(client)" }
        return String(describing: error)
    }
}

extension HTTPClient {
    /// The HTTP client every ClickHouse client shares. A connection that cannot be made fails the
    /// request at once (AsyncHTTPClient's default retries it until the request's deadline, which
    /// turned "ClickHouse is down" into a minute of silence); reads are retried by the client itself.
    static let clickhouse: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
