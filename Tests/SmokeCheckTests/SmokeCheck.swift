import ClickHouse
import Foundation
import Testbed

/// One file of `checks/smoke`, and how a check runner executes it: one query, one row of
/// `violations` and `sample`, with `max_lag_minutes` passed as a query parameter.
struct SmokeCheck: Sendable {
    /// What one run of a check answered.
    struct Outcome: Sendable {
        let violations: UInt64
        let sample: String
    }

    let name: String
    let sql: String

    static let directory = Testbed.repository.appendingPathComponent("checks/smoke").path

    /// Every check of the repository, by file name.
    static func all() throws -> [SmokeCheck] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted().map { file in
            SmokeCheck(name: String(file.dropLast(4)), sql: try String(contentsOfFile: directory + "/" + file, encoding: .utf8))
        }
    }

    static func named(_ name: String) throws -> SmokeCheck {
        guard let check = try all().first(where: { $0.name == name }) else {
            throw SmokeCheckFailure(description: "checks/smoke/\(name).sql does not exist")
        }
        return check
    }

    /// The query parameters every check run gets; checks that do not use one ignore it.
    static func parameters(maxLagMinutes: Int = 45) -> [String: String] {
        ["param_max_lag_minutes": String(maxLagMinutes)]
    }

    func run(on client: some ClickHouseQuerying, maxLagMinutes: Int = 45) async throws -> Outcome {
        let rows = try await client.rows(sql, settings: Self.parameters(maxLagMinutes: maxLagMinutes))
        guard rows.count == 1, rows[0].count == 2, let violations = rows[0][0].flatMap(UInt64.init), let sample = rows[0][1] else {
            throw SmokeCheckFailure(description: "\(name) answered \(rows) instead of one row of violations and sample")
        }
        return Outcome(violations: violations, sample: sample)
    }
}

struct SmokeCheckFailure: Error, CustomStringConvertible {
    let description: String
}
