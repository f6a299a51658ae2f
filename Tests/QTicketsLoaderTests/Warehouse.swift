import ClickHouse
import Foundation
import QTicketsAPI
import QTicketsLoader
import Testbed

/// A scratch copy of the pipeline's warehouse: a fresh database with the shipped schema on the
/// testbed's ClickHouse (or the server in DEPLOYCTL_TEST_CLICKHOUSE_URL), dropped when the value
/// goes away. The loader writes into it as it would into `zakaz`.
final class Warehouse: @unchecked Sendable {
    let database: PipelineDatabase
    var server: ClickHouseServer { database.server }
    var name: String { database.name }
    var client: ClickHouseClient { database.client }

    private init(database: PipelineDatabase) {
        self.database = database
    }

    static func create() async throws -> Warehouse {
        Warehouse(database: try await PipelineDatabase.create(prefix: "qt_loader"))
    }

    /// Dropped in the background: blocking here would hold a cooperative thread the drop needs.
    deinit {
        let database = database
        Task { try? await database.drop() }
    }

    /// A loader configuration writing here and reading the API at `api`.
    func configuration(api: URL, token: String, sinceHours: Int = 24) -> PipelineConfiguration {
        var configuration = PipelineConfiguration(
            apiBaseURL: api, apiToken: token, sinceHours: sinceHours, organisation: "simulated",
            clickhouse: server.admin.using(database: name), releaseID: "test-release")
        configuration.retry = .init(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100))
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    /// `fact_sales_daily` as it stands, money in exact kopecks.
    func sales() async throws -> [FactComparison.SalesKey: FactComparison.SalesFigures] {
        try await FactComparison.sales(in: client)
    }

    func value(_ sql: String) async throws -> String? {
        try await client.value(sql)
    }

    func count(_ sql: String) async throws -> Int {
        Int(try await client.value(sql) ?? "") ?? -1
    }
}
