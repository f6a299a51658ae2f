import ClickHouse
import Foundation
import QTicketsAPI

/// What `qtickets-api` needs, read from its environment (the unit's `EnvironmentFile`, or
/// `--env-file` by hand) in the seed's layout, validated up front: every problem is reported at
/// once, naming its variable, and no value is ever echoed (they include the token and password).
public struct PipelineConfiguration: Sendable {
    public var apiBaseURL: URL
    public var apiToken: String
    /// How far back the re-scan for changed orders (payments, cancellations, refunds) reaches.
    public var sinceHours: Int
    public var organisation: String
    public var clickhouse: ClickHouseEndpoint
    public var job: String
    /// The deployctl release that runs the job, recorded in `meta_job_runs`.
    public var releaseID: String
    /// Orders per API page (the server's default is 50; the cap here is 1000).
    public var pageSize: Int
    public var loadInventory: Bool
    public var retry: RetryPolicy
    public var requestTimeout: Duration

    /// The first name is canonical; the others are the original pipeline's aliases.
    static let names: [String: [String]] = [
        "QTICKETS_BASE_URL": ["QTICKETS_BASE_URL", "QTICKETS_API_BASE_URL"],
        "QTICKETS_TOKEN": ["QTICKETS_TOKEN", "QTICKETS_API_TOKEN"],
        "QTICKETS_SINCE_HOURS": ["QTICKETS_SINCE_HOURS", "QTICKETS_LOOKBACK_HOURS"],
        "ORG_NAME": ["ORG_NAME", "QTICKETS_ORG_NAME"],
        "CLICKHOUSE_HOST": ["CLICKHOUSE_HOST", "CH_HOST"],
        "CLICKHOUSE_PORT": ["CLICKHOUSE_PORT", "CH_PORT", "CLICKHOUSE_HTTP_PORT"],
        "CLICKHOUSE_DB": ["CLICKHOUSE_DB", "CLICKHOUSE_DATABASE", "CH_DATABASE"],
        "CLICKHOUSE_USER": ["CLICKHOUSE_USER", "CLICKHOUSE_USER_WRITE", "CH_USER", "CH_USER_WRITE", "CLICKHOUSE_USERNAME"],
        "CLICKHOUSE_PASSWORD": ["CLICKHOUSE_PASSWORD", "CLICKHOUSE_PASSWORD_WRITE", "CH_PASSWORD", "CH_PASSWORD_WRITE"],
    ]

    public init(
        apiBaseURL: URL, apiToken: String, sinceHours: Int = 24, organisation: String, clickhouse: ClickHouseEndpoint,
        job: String = "qtickets_api", releaseID: String = "", pageSize: Int = 500, loadInventory: Bool = true,
        retry: RetryPolicy = RetryPolicy(), requestTimeout: Duration = .seconds(60)
    ) {
        self.apiBaseURL = apiBaseURL
        self.apiToken = apiToken
        self.sinceHours = sinceHours
        self.organisation = organisation
        self.clickhouse = clickhouse
        self.job = job
        self.releaseID = releaseID
        self.pageSize = pageSize
        self.loadInventory = loadInventory
        self.retry = retry
        self.requestTimeout = requestTimeout
    }

    /// Reads the configuration from `environment`.
    ///
    /// - Throws: `ConfigurationError` listing every missing or malformed variable.
    public init(environment: [String: String], releaseID: String = "") throws(ConfigurationError) {
        var problems: [ConfigurationError.Problem] = []
        func lookup(_ canonical: String) -> (name: String, value: String)? {
            for name in Self.names[canonical] ?? [canonical] {
                if let value = environment[name], !value.isEmpty { return (name, value) }
            }
            return nil
        }
        func required(_ canonical: String, _ what: String) -> (name: String, value: String)? {
            guard let found = lookup(canonical) else {
                problems.append(.init(variable: canonical, message: "\(canonical) is not set: \(what)"))
                return nil
            }
            return found
        }
        func integer(_ name: String, _ value: String, in range: ClosedRange<Int>) -> Int? {
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
                problems.append(.init(variable: name, message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
                return nil
            }
            return number
        }
        func flag(_ name: String) -> Bool? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            switch value.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                problems.append(.init(variable: name, message: "\(name) must be true or false"))
                return nil
            }
        }

        var baseURL: URL?
        if let (name, value) = required("QTICKETS_BASE_URL", "the REST API base, e.g. https://qtickets.ru/api/rest/v1") {
            if let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                baseURL = url
                if !url.path.hasSuffix("/api/rest/v1") && !url.path.hasSuffix("/api/rest/v1/") {
                    problems.append(.init(variable: name, message: "\(name) must end with /api/rest/v1 (the REST API, not the Partners API)"))
                }
            } else {
                problems.append(.init(variable: name, message: "\(name) is not an http(s) URL"))
            }
        }
        let token = required("QTICKETS_TOKEN", "the organiser's REST token")
        if let token, token.value.contains(where: \.isWhitespace) {
            problems.append(.init(variable: token.name, message: "\(token.name) contains whitespace (a stray quote or newline?)"))
        }
        var since = 24
        if let (name, value) = lookup("QTICKETS_SINCE_HOURS") { since = integer(name, value, in: 1...8760) ?? since }
        let organisation = required("ORG_NAME", "the organiser's name, used in logs")

        var host: String?
        if let (name, value) = required("CLICKHOUSE_HOST", "the ClickHouse host, e.g. 127.0.0.1") {
            if value.contains("://") || value.contains("/") || value.contains(":") && !value.hasPrefix("[") {
                problems.append(
                    .init(variable: name, message: "\(name) must be a host name or address, not a URL or host:port (the port is CLICKHOUSE_PORT)"))
            } else {
                host = value
            }
        }
        var port = 8123
        if let (name, value) = lookup("CLICKHOUSE_PORT") {
            if let number = integer(name, value, in: 1...65535) {
                if [9000, 9440].contains(number) {
                    problems.append(
                        .init(variable: name, message: "\(name)=\(number) is ClickHouse's native protocol port; the loader speaks HTTP (8123, or 8443 with TLS)"))
                }
                port = number
            }
        }
        let database = lookup("CLICKHOUSE_DB")?.value ?? "zakaz"
        let user = required("CLICKHOUSE_USER", "the writer account, e.g. etl_writer")
        let password = lookup("CLICKHOUSE_PASSWORD")?.value ?? ""
        let secure = flag("CLICKHOUSE_SECURE") ?? false
        var pageSize = 500
        if let value = environment["QTICKETS_PAGE_SIZE"], !value.isEmpty {
            pageSize = integer("QTICKETS_PAGE_SIZE", value, in: 1...1000) ?? pageSize
        }
        let skipInventory = flag("QTICKETS_SKIP_INVENTORY") ?? false

        guard problems.isEmpty, let baseURL, let token, let organisation, let host, let user else {
            throw ConfigurationError(problems)
        }
        let url = URL(string: "\(secure ? "https" : "http")://\(host):\(port)")!
        self.init(
            apiBaseURL: baseURL, apiToken: token.value, sinceHours: since, organisation: organisation.value,
            clickhouse: ClickHouseEndpoint(url: url, user: user.value, password: password, database: database),
            job: environment["JOB_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "qtickets_api",
            releaseID: environment["QTICKETS_RELEASE_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? releaseID,
            pageSize: pageSize, loadInventory: !skipInventory)
    }

    /// The API client this configuration describes.
    public func apiClient(statistics: RequestStatistics = RequestStatistics()) -> QTicketsClient {
        QTicketsClient(baseURL: apiBaseURL, token: apiToken, retry: retry, timeout: requestTimeout, statistics: statistics)
    }
}
