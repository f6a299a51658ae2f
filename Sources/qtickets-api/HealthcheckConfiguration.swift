import ClickHouse
import EnvFile
import Healthcheck
import QTicketsLoader

/// What `qtickets-api healthcheck` needs: the ClickHouse account that reads `meta_job_runs` and
/// `v_freshness` (`CLICKHOUSE_*`, the same env file as the loader), the job, and the thresholds
/// (`HEALTHCHECK_*_MINUTES`). The QTickets variables are not needed.
public struct HealthcheckConfiguration: Sendable {
    public var clickhouse: ClickHouseEndpoint
    public var job: String
    public var thresholds: HealthThresholds

    /// - Throws: `ConfigurationError` naming every missing or malformed variable.
    public init(environment: [String: String]) throws(ConfigurationError) {
        var reader = EnvironmentReader(environment)
        let clickhouse = reader.clickhouse(account: "an account that can read meta_job_runs, e.g. etl_writer")
        var thresholds: HealthThresholds?
        do {
            thresholds = try HealthThresholds(environment: environment)
        } catch {
            reader.problem(error.variable, error.message)
        }
        guard reader.problems.isEmpty, var clickhouse, let thresholds else { throw ConfigurationError(reader.problems) }
        // A probe must answer promptly: a server that does not answer within seconds is "unknown".
        clickhouse.timeout = .seconds(5)
        self.clickhouse = clickhouse
        self.job = reader.job
        self.thresholds = thresholds
    }
}
