#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An HTTP answer of the health endpoint, ready to write.
public struct HealthHTTPResponse: Sendable, Equatable {
    /// 200, 404, 405 or 503.
    public let statusCode: Int
    public let contentType: String
    public let body: Data
}

/// What the health endpoint (`qtickets-api healthcheck --serve`) answers, as pure functions of the
/// request and the report, so that the rules are tested without a socket.
///
/// - `GET /healthz` and `GET /healthz/<job>` for the job the server watches: the report as JSON,
///   **200 when ok or warning**, **503 when critical or unknown**. A warning (one failed run, data a
///   little old) is something to look at, not an outage: load balancers and uptime probes that read
///   only the status code must not flap on it, while monitoring that cares reads `status` in the body
///   (or runs the check command for its exit code 1). The original endpoint answered 500 for stale
///   data and 503 for errors; here every unhealthy verdict is 503.
/// - `GET /metrics`: the same report in the Prometheus text format (`MetricsExposition`), always
///   **200**: the verdict is a metric (`qtickets_health_status`), and a scrape that fails would hide
///   it behind Prometheus' own `up`.
/// - `HEAD` the same without a body; a trailing `/` and a query string are ignored.
/// - Any other path, including another job's: 404 with the paths that exist. Other methods: 405.
public enum HealthEndpoint {
    /// Whether `path` asks for a verdict (`/healthz`, `/healthz/<job>` of `job`, `/metrics`): the
    /// server evaluates only then.
    public static func needsReport(path: String, job: String) -> Bool {
        isMetrics(path: path) || self.job(forPath: path, defaultJob: job) == job
    }

    /// Whether `path` is `/metrics` (a trailing `/` and a query string ignored).
    public static func isMetrics(path: String) -> Bool {
        var clean = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        while clean.count > 1 && clean.hasSuffix("/") { clean.removeLast() }
        return clean == "/metrics"
    }

    /// The job `path` asks about: `/healthz` means `defaultJob`; nil for paths that are not health
    /// endpoints. The server evaluates only for a non-nil job.
    public static func job(forPath path: String, defaultJob: String) -> String? {
        var clean = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        while clean.count > 1 && clean.hasSuffix("/") { clean.removeLast() }
        if clean == "/healthz" { return defaultJob }
        guard clean.hasPrefix("/healthz/") else { return nil }
        let job = clean.dropFirst("/healthz/".count)
        return job.isEmpty || job.contains("/") ? nil : String(job)
    }

    /// The answer to `method path` from a server watching `report.job`.
    public static func response(method: String, path: String, report: HealthReport) -> HealthHTTPResponse {
        guard method == "GET" || method == "HEAD" else {
            return message(405, "only GET and HEAD are supported", method: method)
        }
        if isMetrics(path: path) {
            return HealthHTTPResponse(
                statusCode: 200, contentType: MetricsExposition.contentType,
                body: method == "HEAD" ? Data() : Data(report.metrics().utf8))
        }
        guard let job = job(forPath: path, defaultJob: report.job), job == report.job else {
            return message(
                404, "no such endpoint; try /healthz, /healthz/\(report.job) or /metrics", method: method)
        }
        let statusCode = report.status <= .warning ? 200 : 503
        return HealthHTTPResponse(
            statusCode: statusCode, contentType: "application/json", body: method == "HEAD" ? Data() : report.json())
    }

    private static func message(_ statusCode: Int, _ text: String, method: String) -> HealthHTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(["error": text])) ?? Data()
        return HealthHTTPResponse(
            statusCode: statusCode, contentType: "application/json", body: method == "HEAD" ? Data() : body)
    }
}
