import ClickHouse
import Foundation

/// One file of a release's `checks/smoke`, and how it runs: one query answering one row of
/// `violations UInt64` (0 = pass) and `sample String` (up to five offenders), with
/// `max_lag_minutes` and `job` passed as query parameters.
public struct SmokeCheck: Sendable, Equatable {
    /// What one run of a check answered.
    public struct Outcome: Sendable, Equatable {
        public let violations: UInt64
        public let sample: String

        public var passed: Bool { violations == 0 }
    }

    /// The file name without `.sql`.
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// Every check in `directory`, by file name.
    public static func load(from directory: String) throws -> [SmokeCheck] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted().map {
            file in
            SmokeCheck(
                name: String(file.dropLast(4)), sql: try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            )
        }
    }

    /// The query parameters every check run gets; checks that do not use one ignore it: the lag
    /// `freshness` allows and the loader's job name (the env file's `JOB_NAME`).
    public static func parameters(maxLagMinutes: Int = 45, job: String = "qtickets_api") -> [String: String] {
        ["param_max_lag_minutes": String(maxLagMinutes), "param_job": job]
    }

    /// Runs the check.
    ///
    /// - Throws: `ClickHouseError` from the server, `SmokeCheckFailure` when the answer is not one row of violations and sample.
    public func run(on client: some ClickHouseQuerying, maxLagMinutes: Int = 45, job: String = "qtickets_api")
        async throws -> Outcome
    {
        let rows = try await client.rows(sql, settings: Self.parameters(maxLagMinutes: maxLagMinutes, job: job))
        guard rows.count == 1, rows[0].count == 2, let violations = rows[0][0].flatMap(UInt64.init),
            let sample = rows[0][1]
        else {
            throw SmokeCheckFailure(description: "\(name) answered \(rows) instead of one row of violations and sample")
        }
        return Outcome(violations: violations, sample: sample)
    }
}

/// A smoke check that cannot be read or answered in the wrong shape.
public struct SmokeCheckFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
