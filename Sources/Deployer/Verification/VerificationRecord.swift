import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import HostScripts
import Verify

/// What the gate reads: one verification's verdict for one release on one environment.
public struct VerificationRecord: Sendable, Codable, Equatable {
    public let environment: String
    public let release: String
    public let passed: Bool
    /// ISO 8601 UTC, and the same instant in seconds since 1970.
    public let at: String
    public let epoch: Int
    public let actor: String
    /// SHA-256 of the JSON report.
    public let reportSHA256: String
    /// The ids of the checks that blocked it.
    public let blocking: [String]

    public init(report: VerificationReport, reportSHA256: String, now: Date = Date()) {
        environment = report.environment
        release = report.release ?? ""
        passed = report.passed
        at = ISO8601DateFormatter().string(from: now)
        epoch = Int(now.timeIntervalSince1970)
        actor = report.actor
        self.reportSHA256 = reportSHA256
        blocking = report.blocking.map(\.id)
    }
}

/// Where verification records live on an environment: each host's `shared/verifications.jsonl`
/// and the environment's ClickHouse (`deployctl_verifications`), each also entered in the audit chain.
public struct VerificationLog: Sendable {
    public let environment: Environment
    public let layout: HostLayout

    public init(environment: Environment) {
        self.environment = environment
        layout = HostLayout(environment)
    }

    var table: String {
        "\(ClickHouseSQL.identifier(environment.clickhouse.database)).\(ClickHouseSQL.identifier(Verification.table))"
    }

    /// Stores `record` on every host of `session` and in ClickHouse, with an audit entry each.
    public func store(_ record: VerificationRecord, in session: EnvironmentSession) async throws(CommandFailure) {
        let line: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw CommandFailure(.checkFailed, "verify", "cannot encode the verification record: \(error)")
        }
        let clickhouse = try? await session.clickhouse(as: .admin)
        if let clickhouse {
            let insert =
                "INSERT INTO \(table) (release, passed, at, line) SELECT \(ClickHouseSQL.literal(record.release)), \(record.passed ? 1 : 0), "
                + "toDateTime(\(record.epoch)), \(ClickHouseSQL.literal(line))"
            do throws(ClickHouseError) {
                try await clickhouse.using(database: nil).execute(
                    "CREATE TABLE IF NOT EXISTS \(table) (release String, passed UInt8, at DateTime, line String) ENGINE = MergeTree ORDER BY (release, at)"
                )
                try await clickhouse.using(database: nil).execute(insert)
            } catch {
                throw CommandFailure(
                    .checkFailed, "verify", "the verification record could not be stored in ClickHouse: \(error)")
            }
        }
        for link in session.links {
            guard case .success(let connection) = link.connection else { continue }
            try await HostScript(host: connection).require(
                .verificationAppend, [layout.shared, line], step: "storing the verification record")
            try await AuditLog(layout: layout, database: environment.clickhouse.database).append(
                AuditRecord(
                    command: "verify", environment: environment.name, host: link.host.name, actor: record.actor,
                    release: record.release,
                    result: record.passed ? "passed" : "failed", seconds: 0, changes: [],
                    detail: "report sha256 \(record.reportSHA256)"),
                on: connection, clickhouse: clickhouse)
        }
    }

    /// Every record for `release`, newest first, from the environment's ClickHouse.
    public func records(for release: String, client: ClickHouseClient) async throws(ClickHouseError)
        -> [VerificationRecord]
    {
        do throws(ClickHouseError) {
            let rows = try await client.using(database: nil).rows(
                "SELECT line FROM \(table) WHERE release = \(ClickHouseSQL.literal(release)) ORDER BY at DESC")
            return rows.compactMap { $0.first ?? nil }.compactMap {
                try? JSONDecoder().decode(VerificationRecord.self, from: Data($0.utf8))
            }
        } catch  where error.isMissingTable {
            return []
        }
    }
}
