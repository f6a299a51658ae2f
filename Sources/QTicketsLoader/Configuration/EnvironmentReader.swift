import ClickHouse
import EnvFile
import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads variables from an environment, collecting every problem instead of stopping at the
/// first; the first name of an alias list is canonical and is the one errors name.
public struct EnvironmentReader {
    let environment: [String: String]
    public private(set) var problems: [ConfigurationError.Problem] = []

    /// The first name is canonical; the others are the original pipeline's aliases.
    static let aliases: [String: [String]] = [
        "QTICKETS_BASE_URL": ["QTICKETS_BASE_URL", "QTICKETS_API_BASE_URL"],
        "QTICKETS_TOKEN": ["QTICKETS_TOKEN", "QTICKETS_API_TOKEN"],
        "QTICKETS_SINCE_HOURS": ["QTICKETS_SINCE_HOURS", "QTICKETS_LOOKBACK_HOURS"],
        "ORG_NAME": ["ORG_NAME", "QTICKETS_ORG_NAME"],
        "CLICKHOUSE_HOST": ["CLICKHOUSE_HOST", "CH_HOST"],
        "CLICKHOUSE_PORT": ["CLICKHOUSE_PORT", "CH_PORT", "CLICKHOUSE_HTTP_PORT"],
        "CLICKHOUSE_DB": ["CLICKHOUSE_DB", "CLICKHOUSE_DATABASE", "CH_DATABASE"],
        "CLICKHOUSE_USER": [
            "CLICKHOUSE_USER", "CLICKHOUSE_USER_WRITE", "CH_USER", "CH_USER_WRITE", "CLICKHOUSE_USERNAME",
        ],
        "CLICKHOUSE_PASSWORD": [
            "CLICKHOUSE_PASSWORD", "CLICKHOUSE_PASSWORD_WRITE", "CH_PASSWORD", "CH_PASSWORD_WRITE",
        ],
    ]

    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    public mutating func problem(_ variable: String?, _ message: String) {
        problems.append(.init(variable: variable, message: message))
    }

    /// The value under the canonical name or an alias, with the name it was found under.
    func lookup(_ canonical: String) -> (name: String, value: String)? {
        for name in Self.aliases[canonical] ?? [canonical] {
            if let value = environment[name], !value.isEmpty { return (name, value) }
        }
        return nil
    }

    mutating func required(_ canonical: String, _ what: String) -> (name: String, value: String)? {
        guard let found = lookup(canonical) else {
            problem(canonical, "\(canonical) is not set: \(what)")
            return nil
        }
        return found
    }

    mutating func integer(_ canonical: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let (name, value) = lookup(canonical) else { return fallback }
        guard let number = Int(value.trimmingWhitespace()), range.contains(number) else {
            problem(name, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return number
    }

    mutating func flag(_ name: String, default fallback: Bool) -> Bool {
        guard let value = environment[name], !value.isEmpty else { return fallback }
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem(name, "\(name) must be true or false")
            return fallback
        }
    }

    /// `CLICKHOUSE_HOST`, `_PORT` (8123), `_DB` (zakaz), `_USER`, `_PASSWORD`, `_SECURE`: the
    /// HTTP interface the pipeline writes to and the healthcheck reads.
    public mutating func clickhouse(account: String) -> ClickHouseEndpoint? {
        var host: String?
        if let (name, value) = required("CLICKHOUSE_HOST", "the ClickHouse host, e.g. 127.0.0.1") {
            if value.contains("://") || value.contains("/") || value.contains(":") && !value.hasPrefix("[") {
                problem(
                    name, "\(name) must be a host name or address, not a URL or host:port (the port is CLICKHOUSE_PORT)"
                )
            } else {
                host = value
            }
        }
        let port = integer("CLICKHOUSE_PORT", default: 8123, in: 1...65535)
        if [9000, 9440].contains(port), let name = lookup("CLICKHOUSE_PORT")?.name {
            problem(
                name,
                "\(name)=\(port) is ClickHouse's native protocol port; the pipeline speaks HTTP (8123, or 8443 with TLS)"
            )
        }
        let user = required("CLICKHOUSE_USER", account)
        let secure = flag("CLICKHOUSE_SECURE", default: false)
        guard let host, let user, let url = URL(string: "\(secure ? "https" : "http")://\(host):\(port)") else {
            return nil
        }
        return ClickHouseEndpoint(
            url: url, user: user.value, password: lookup("CLICKHOUSE_PASSWORD")?.value ?? "",
            database: lookup("CLICKHOUSE_DB")?.value ?? "zakaz")
    }

    /// `JOB_NAME`, the job's name in `meta_job_runs` (qtickets_api).
    public var job: String { environment["JOB_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "qtickets_api" }
}
