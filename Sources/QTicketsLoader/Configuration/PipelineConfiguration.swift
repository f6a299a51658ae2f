import ClickHouse
import EnvFile
import QTicketsAPI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

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
        var reader = EnvironmentReader(environment)
        var baseURL: URL?
        if let (name, value) = reader.required(
            "QTICKETS_BASE_URL", "the REST API base, e.g. https://qtickets.ru/api/rest/v1")
        {
            if let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil
            {
                baseURL = url
                if !url.path.hasSuffix("/api/rest/v1") && !url.path.hasSuffix("/api/rest/v1/") {
                    reader.problem(name, "\(name) must end with /api/rest/v1 (the REST API, not the Partners API)")
                }
            } else {
                reader.problem(name, "\(name) is not an http(s) URL")
            }
        }
        let token = reader.required("QTICKETS_TOKEN", "the organiser's REST token")
        if let token, token.value.contains(where: \.isWhitespace) {
            reader.problem(token.name, "\(token.name) contains whitespace (a stray quote or newline?)")
        }
        let since = reader.integer("QTICKETS_SINCE_HOURS", default: 24, in: 1...8760)
        let organisation = reader.required("ORG_NAME", "the organiser's name, used in logs")
        let clickhouse = reader.clickhouse(account: "the writer account, e.g. etl_writer")
        let pageSize = reader.integer("QTICKETS_PAGE_SIZE", default: 500, in: 1...1000)
        let skipInventory = reader.flag("QTICKETS_SKIP_INVENTORY", default: false)
        guard reader.problems.isEmpty, let baseURL, let token, let organisation, let clickhouse else {
            throw ConfigurationError(reader.problems)
        }
        self.init(
            apiBaseURL: baseURL, apiToken: token.value, sinceHours: since, organisation: organisation.value,
            clickhouse: clickhouse,
            job: reader.job,
            releaseID: environment["QTICKETS_RELEASE_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? releaseID,
            pageSize: pageSize, loadInventory: !skipInventory)
    }

    /// The API client this configuration describes.
    public func apiClient(statistics: RequestStatistics = RequestStatistics()) -> QTicketsClient {
        QTicketsClient(
            baseURL: apiBaseURL, token: apiToken, retry: retry, timeout: requestTimeout, statistics: statistics)
    }
}
