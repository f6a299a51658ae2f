import ClickHouse
import NIOConcurrencyHelpers
import NIOCore

/// Where staging rows go: ClickHouse for a real run, a counter for `--dry-run`.
protocol RowSink: Sendable {
    func write(_ table: StagingTable, _ rows: JSONRowWriter) async throws(LoaderError)
}

/// Inserts into ClickHouse. An insert that failed in transit is sent again (at most three times):
/// rows carry their dedup key and `_version`, so a row that did arrive twice collapses to one.
struct ClickHouseSink: RowSink {
    let client: ClickHouseClient
    let timing: LoadTiming

    func write(_ table: StagingTable, _ rows: JSONRowWriter) async throws(LoaderError) {
        guard rows.rows > 0 else { return }
        let started = ContinuousClock.now
        defer { timing.addWarehouse(ContinuousClock.now - started) }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await client.insert(into: table.rawValue, columns: table.columns, jsonEachRow: rows.buffer)
                return
            } catch {
                guard attempt < 3, error.kind == .transport || error.kind == .timeout else {
                    throw LoaderError(
                        stage: "inserting \(rows.rows) rows into \(table.rawValue)", message: error.description,
                        cause: .clickhouse(error))
                }
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }
}

/// Counts what a run would insert and keeps the first row of each table to show it.
final class DryRunSink: RowSink {
    private let state = NIOLockedValueBox([StagingTable: (rows: Int, first: String)]())

    func write(_ table: StagingTable, _ rows: JSONRowWriter) async throws(LoaderError) {
        guard rows.rows > 0 else { return }
        state.withLockedValue { counts in
            let previous = counts[table]
            counts[table] = ((previous?.rows ?? 0) + rows.rows, previous?.first ?? Self.firstLine(of: rows.buffer))
        }
    }

    var samples: [StagingTable: (rows: Int, first: String)] { state.withLockedValue { $0 } }

    /// The first JSONEachRow line, read on its own: a batch holds thousands.
    private static func firstLine(of buffer: ByteBuffer) -> String {
        let bytes = buffer.readableBytesView
        return String(decoding: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex)], as: UTF8.self)
    }
}
