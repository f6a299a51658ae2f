import AsyncHTTPClient
import Foundation
import HTTPServer
import NIOCore
import NIOHTTP1
import NIOPosix
import QTicketsSimulator
import Testing

/// The simulator served on 127.0.0.1, called by a real HTTP client. Every test stops its server.
@Suite("the simulator over HTTP on loopback")
struct LoopbackTests {
    static func withServer(orders: Int = 600, _ body: (SimulatorServer) async throws -> Void) async throws {
        let simulator = QTicketsSimulator(
            dataset: SimulatorDataset(seed: 11, orders: orders, events: 4), token: testToken)
        let server = try await simulator.start(host: "127.0.0.1", port: 0)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func request(
        _ url: String, method: HTTPMethod = .GET, body: String? = nil, token: String? = testToken,
        contentType: String = "application/json"
    ) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Content-Type", value: contentType)
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers, collected)
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any]
    }

    @Test("GET with a JSON body filters; query-string parameters and non-JSON bodies are ignored")
    func getWithBody() async throws {
        try await Self.withServer { server in
            let filtered = try await Self.request(
                server.baseURL + "/orders",
                body: #"{"where":[{"column":"id","operator":">","value":1600500}],"perPage":1000}"#)
            #expect(filtered.status == 200 && filtered.headers.first(name: "Content-Type") == "application/json")
            let ids = (Self.json(filtered.body)?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
            #expect(ids.first == 1_600_501 && !ids.isEmpty)
            let ignored = try await Self.request(server.baseURL + "/orders?per_page=5&since=2025-11-01&payed=1")
            let data = Self.json(ignored.body)?["data"] as? [[String: Any]] ?? []
            #expect(data.count == 50 && data.first?["id"] as? Int == 1_600_001)
            let formEncoded = try await Self.request(
                server.baseURL + "/orders", body: #"{"where":[{"column":"id","value":-1}]}"#,
                contentType: "application/x-www-form-urlencoded")
            #expect((Self.json(formEncoded.body)?["data"] as? [Any])?.count == 50)
            let unauthorised = try await Self.request(server.baseURL + "/orders", token: nil)
            #expect(unauthorised.status == 403)
        }
    }

    @Test("a burst of 503s, 429s, 500s and 502s is served, then normal answers; stats count them")
    func statusBursts() async throws {
        try await Self.withServer { server in
            server.simulator.inject(SimulatorFault(.status(503), count: 2, routePrefix: "/orders"))
            server.simulator.inject(SimulatorFault(.status(429)))
            server.simulator.inject(SimulatorFault(.status(502)))
            let events = try await Self.request(server.baseURL + "/events")
            #expect(events.status == 429 && Self.json(events.body)?["status"] as? Int == 429)
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await Self.request(server.baseURL + "/orders").status) }
            #expect(statuses == [503, 503, 502, 200])
            let gateway = try await Self.request(server.baseURL + "/orders/1600001")
            #expect(gateway.status == 200)
            let stats = server.simulator.stats()
            #expect(stats.faults == ["status 503": 2, "status 429": 1, "status 502": 1])
            #expect(stats.requests["GET /orders"] == 4 && stats.requests["GET /events"] == 1)
        }
    }

    @Test("a truncated body arrives whole by Content-Length but is not valid JSON")
    func truncatedBody() async throws {
        try await Self.withServer { server in
            server.simulator.inject(SimulatorFault(.truncatedBody, routePrefix: "/orders"))
            let cut = try await Self.request(server.baseURL + "/orders", body: #"{"perPage":100}"#)
            #expect(cut.status == 200)
            #expect(cut.headers.first(name: "Content-Length") == String(cut.body.readableBytes))
            #expect(Self.json(cut.body) == nil)
            let whole = try await Self.request(server.baseURL + "/orders", body: #"{"perPage":100}"#)
            #expect(Self.json(whole.body) != nil && whole.body.readableBytes > cut.body.readableBytes)
        }
    }

    @Test("a connection reset mid-page fails the client's read, and the next request succeeds")
    func connectionReset() async throws {
        try await Self.withServer { server in
            server.simulator.inject(SimulatorFault(.connectionReset))
            await #expect(throws: (any Error).self) {
                _ = try await Self.request(server.baseURL + "/orders", body: #"{"perPage":200}"#)
            }
            let next = try await Self.request(server.baseURL + "/orders", body: #"{"perPage":200}"#)
            #expect(next.status == 200 && Self.json(next.body) != nil)
            #expect(server.simulator.stats().faults["reset"] == 1)
        }
    }

    @Test("latency delays the answer")
    func latency() async throws {
        try await Self.withServer { server in
            server.simulator.inject(SimulatorFault(.latency(milliseconds: 300)))
            let clock = ContinuousClock()
            let start = clock.now
            let slow = try await Self.request(server.baseURL + "/events")
            #expect(slow.status == 200 && clock.now - start >= .milliseconds(300))
        }
    }

    @Test("a token revoked after K requests gives 403 for the fault's count, then works again")
    func tokenRevoked() async throws {
        try await Self.withServer { server in
            server.simulator.inject(SimulatorFault(.tokenRevoked(afterRequests: 2), count: 2))
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await Self.request(server.baseURL + "/orders").status) }
            #expect(statuses == [200, 200, 403, 403, 200])
            server.simulator.inject(SimulatorFault(.tokenRevoked(afterRequests: 0), count: 100))
            #expect(try await Self.request(server.baseURL + "/orders").status == 403)
            server.simulator.clearFaults()
            #expect(try await Self.request(server.baseURL + "/orders").status == 200)
        }
    }

    @Test("control routes: advance, faults, stats and truth over HTTP, no token needed")
    func controlRoutes() async throws {
        try await Self.withServer { server in
            let before = try await Self.request(server.controlURL + "/truth", token: nil)
            let visibleBefore = Self.json(before.body)?["visible_orders"] as? Int ?? -1
            #expect(visibleBefore == server.simulator.truth().visibleOrders)
            let advanced = try await Self.request(
                server.controlURL + "/advance", method: .POST, body: #"{"seconds":864000}"#, token: nil)
            #expect(
                advanced.status == 200 && (Self.json(advanced.body)?["now"] as? String)?.hasSuffix("+03:00") == true)
            let after = try await Self.request(server.controlURL + "/truth", token: nil)
            #expect((Self.json(after.body)?["visible_orders"] as? Int ?? 0) > visibleBefore)
            let fault = try await Self.request(
                server.controlURL + "/faults", method: .POST,
                body: #"{"kind":"status","status":500,"count":1,"route":"/events"}"#, token: nil)
            #expect(fault.status == 200)
            #expect(try await Self.request(server.baseURL + "/orders").status == 200)
            #expect(try await Self.request(server.baseURL + "/events").status == 500)
            let stats = try await Self.request(server.controlURL + "/stats", token: nil)
            let counts = Self.json(stats.body)
            #expect((counts?["faults"] as? [String: Int])?["status 500"] == 1)
            #expect((counts?["requests"] as? [String: Int])?["GET /orders"] == 1)
            let bad = try await Self.request(
                server.controlURL + "/faults", method: .POST, body: #"{"kind":"meteor"}"#, token: nil)
            #expect(bad.status == 400)
        }
    }
}

@Suite("the HTTP server")
struct HTTPServerTests {
    /// Runs `body` against a server that echoes method, path, query `q` and body size; always stops it.
    static func withEchoServer(idleTimeout: TimeAmount = .seconds(75), _ body: (Int) async throws -> Void) async throws
    {
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0, maxBodySize: 1024, idleTimeout: idleTimeout)
        { request in
            HTTPResponse(
                status: 200,
                text: "\(request.method) \(request.path) \(request.query["q"] ?? "-") \(request.body.count)")
        }
        do {
            try await body(server.port)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Sends raw bytes on a fresh connection and returns everything the server sends back before closing.
    static func raw(_ bytes: String, port: Int) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var answer = ""
        do {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: bytes))
                for try await chunk in inbound { answer += String(buffer: chunk) }
            }
        } catch ChannelError.ioOnClosedChannel {
            // The server closed first; everything it sent has been read.
        }
        return answer
    }

    @Test("GET bodies, decoded paths and queries, keep-alive with pipelining")
    func basics() async throws {
        try await Self.withEchoServer { port in
            let answer = try await Self.raw(
                "GET /a%20b?q=x%2By HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /second HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                port: port)
            #expect(answer.contains("GET /a b x+y 5"))
            #expect(answer.contains("GET /second - 0"))
            #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        }
    }

    @Test("a connection idle between requests is closed after the idle timeout")
    func idleTimeout() async throws {
        try await Self.withEchoServer(idleTimeout: .milliseconds(200)) { port in
            let clock = ContinuousClock()
            let start = clock.now
            let answer = try await Self.raw("GET /first HTTP/1.1\r\nHost: t\r\n\r\n", port: port)
            #expect(answer.contains("GET /first - 0"))
            #expect(clock.now - start >= .milliseconds(200) && clock.now - start < .seconds(30))
        }
    }

    @Test("a body over the limit gets 413; garbage gets 400; the server keeps serving")
    func limitsAndGarbage() async throws {
        try await Self.withEchoServer { port in
            let tooLarge = try await Self.raw(
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "x", count: 5000),
                port: port)
            let chunked = try await Self.raw(
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n"
                    + String(repeating: "y", count: 2048) + "\r\n0\r\n\r\n", port: port)
            let garbage = try await Self.raw("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n", port: port)
            let fine = try await Self.raw("GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", port: port)
            #expect(tooLarge.hasPrefix("HTTP/1.1 413"))
            #expect(chunked.hasPrefix("HTTP/1.1 413"))
            #expect(garbage.hasPrefix("HTTP/1.1 400"))
            #expect(fine.contains("GET /ok - 0"))
        }
    }
}
