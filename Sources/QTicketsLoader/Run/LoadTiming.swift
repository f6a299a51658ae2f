import NIOConcurrencyHelpers

/// Where a run's wall time went, for `make bench`: inserting into ClickHouse (the API side is in
/// the client's `RequestStatistics`).
final class LoadTiming: Sendable {
    private let warehouse = NIOLockedValueBox(Duration.zero)

    func addWarehouse(_ duration: Duration) {
        warehouse.withLockedValue { $0 += duration }
    }

    var warehouseTime: Duration { warehouse.withLockedValue { $0 } }
}
