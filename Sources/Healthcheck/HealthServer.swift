import HTTPServer
import NIOConcurrencyHelpers
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The health endpoint over HTTP (`qtickets-api healthcheck --serve`), for monitoring that polls:
/// `/healthz`, `/healthz/<job>` and `/metrics` answer as `HealthEndpoint` says. A verdict is reused
/// for a few seconds, by all three alike, so a busy poller cannot turn into a query storm on ClickHouse.
public final class HealthServer: Sendable {
    private let server: HTTPServer

    /// The bound port (useful when 0 was asked for).
    public var port: Int { server.port }

    private init(server: HTTPServer) {
        self.server = server
    }

    /// Starts serving `checker`'s verdict on `host:port`.
    ///
    /// - Throws: `HTTPServerError` when the address cannot be bound (in use, not local).
    public static func start(host: String, port: Int, checker: HealthChecker, reuseFor: Duration = .seconds(5))
        async throws(HTTPServerError) -> HealthServer
    {
        let cache = NIOLockedValueBox<(report: HealthReport, at: ContinuousClock.Instant)?>(nil)
        let server = try await HTTPServer.start(host: host, port: port) { request in
            let report: HealthReport
            if HealthEndpoint.needsReport(path: request.path, job: checker.job) {
                if let cached = cache.withLockedValue({ $0 }), cached.at.duration(to: .now) < reuseFor {
                    report = cached.report
                } else {
                    report = await checker.evaluate()
                    cache.withLockedValue { $0 = (report, .now) }
                }
            } else {
                report = HealthReport(job: checker.job, checkedAt: Date(), checks: [])
            }
            let answer = HealthEndpoint.response(method: request.method, path: request.path, report: report)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: answer.contentType)
            headers.add(name: "Cache-Control", value: "no-store")
            return HTTPResponse(status: answer.statusCode, headers: headers, bytes: Array(answer.body))
        }
        return HealthServer(server: server)
    }

    public func stop() async {
        await server.stop()
    }
}
