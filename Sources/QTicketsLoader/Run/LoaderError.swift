import ClickHouse
import QTicketsAPI

/// Why a run stopped: what it was doing and the underlying API or ClickHouse error.
public struct LoaderError: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable {
        case api(QTicketsError)
        case clickhouse(ClickHouseError)
        case data
    }

    public let stage: String
    public let message: String
    public let cause: Cause

    public var description: String { "\(stage): \(message)" }
}
