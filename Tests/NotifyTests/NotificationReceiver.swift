import Foundation
import HTTPServer

/// A real HTTP server on 127.0.0.1 (a port the system picks) that records what it is sent and
/// answers every request the same way.
struct NotificationReceiver: Sendable {
    /// The requests received, in order.
    actor Log {
        private(set) var requests: [HTTPRequest] = []

        func append(_ request: HTTPRequest) {
            requests.append(request)
        }
    }

    let server: HTTPServer
    let log: Log

    /// `http://127.0.0.1:<port>`.
    var url: URL { URL(string: "http://127.0.0.1:\(server.port)")! }

    var requests: [HTTPRequest] {
        get async { await log.requests }
    }

    /// Runs `body` with a receiver that answers `status` and `answer` after `delay`, and stops it afterwards.
    static func with<T>(
        status: Int = 200, answer: String = #"{"ok":true}"#, delay: Duration = .zero,
        _ body: (NotificationReceiver) async throws -> T
    ) async throws -> T {
        let log = Log()
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
            await log.append(request)
            try? await Task.sleep(for: delay)
            return HTTPResponse(status: status, text: answer)
        }
        let receiver = NotificationReceiver(server: server, log: log)
        do {
            let result = try await body(receiver)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A loopback URL where nothing listens: a receiver's port, once it has stopped.
    static func refusingURL() async throws -> URL {
        try await with { $0.url }
    }
}
