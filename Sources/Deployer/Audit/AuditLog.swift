import AuditTrail
import ClickHouse
import Console
import Crypto
import Foundation
import HostScripts
import Migrator
import SSH

/// The audit trail of one environment: `<root>/shared/audit.jsonl` on each host, one JSON object a
/// line, and the same lines in ClickHouse (`deployctl_audit`). Every line starts with its sequence
/// number and the SHA-256 of the line before it, so an edited, inserted or deleted line breaks the
/// chain, and a host copy that disagrees with ClickHouse's shows.
public struct AuditLog: Sendable {
    public static let table = "deployctl_audit"
    /// The `prev` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public let layout: HostLayout
    public let database: String

    public init(layout: HostLayout, database: String) {
        self.layout = layout
        self.database = database
    }

    var qualifiedTable: String { "\(ClickHouseSQL.identifier(database)).\(ClickHouseSQL.identifier(Self.table))" }

    /// Appends `record` on `host` (under `flock`, chained to the last line there) and, when
    /// `clickhouse` is given, the same line to ClickHouse. Returns the line written.
    @discardableResult
    public func append(_ record: AuditRecord, on host: any RemoteHost, clickhouse: ClickHouseClient?)
        async throws(CommandFailure) -> String
    {
        let body: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw CommandFailure(.checkFailed, "audit", "cannot encode the audit entry: \(error)")
        }
        let result = try await HostScript(host: host).require(
            .auditAppend, [layout.auditLog, Self.genesis, body], step: "appending to the audit log")
        guard let line = ScriptAnswer(result.stdoutText)["line"] else {
            throw CommandFailure(.checkFailed, "audit", "\(host.label): the audit log did not echo the entry it wrote")
        }
        if let clickhouse { try await insert(line, host: record.host, into: clickhouse) }
        return line
    }

    func ensureTable(_ client: ClickHouseClient) async throws(ClickHouseError) {
        try await client.using(database: nil).execute(
            "CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(database))")
        try await client.using(database: nil).execute(
            "CREATE TABLE IF NOT EXISTS \(qualifiedTable) (host String, seq UInt64, line String, recorded DateTime DEFAULT now()) "
                + "ENGINE = MergeTree ORDER BY (host, seq)")
    }

    private func insert(_ line: String, host: String, into client: ClickHouseClient) async throws(CommandFailure) {
        let seq = AuditLine(line)?.seq ?? 0
        let statement =
            "INSERT INTO \(qualifiedTable) (host, seq, line) SELECT \(ClickHouseSQL.literal(host)), \(seq), \(ClickHouseSQL.literal(line))"
        do throws(ClickHouseError) {
            do throws(ClickHouseError) {
                try await client.using(database: nil).execute(statement)
            } catch  where error.isMissingTable {
                try await ensureTable(client)
                try await client.using(database: nil).execute(statement)
            }
        } catch {
            throw CommandFailure(.checkFailed, "audit", "the audit entry is on \(host) but not in ClickHouse: \(error)")
        }
    }

    /// The lines on `host`, oldest first.
    public func hostLines(on host: any RemoteHost) async throws(CommandFailure) -> [String] {
        let result = try await HostScript(host: host).require(
            .auditRead, [layout.auditLog], step: "reading the audit log")
        return result.stdoutText.split(separator: "\n").map(String.init)
    }

    /// The lines ClickHouse holds for `host`, by sequence number.
    public func clickhouseLines(host: String, client: ClickHouseClient) async throws(CommandFailure) -> [UInt64: String]
    {
        do throws(ClickHouseError) {
            let rows = try await client.using(database: nil).rows(
                "SELECT seq, line FROM \(qualifiedTable) WHERE host = \(ClickHouseSQL.literal(host)) ORDER BY seq")
            var lines: [UInt64: String] = [:]
            for row in rows { if let seq = row[0].flatMap(UInt64.init), let line = row[1] { lines[seq] = line } }
            return lines
        } catch  where error.isMissingTable {
            return [:]
        } catch {
            throw CommandFailure(.unreachable, "clickhouse", "cannot read \(qualifiedTable): \(error)")
        }
    }

    /// Every break in a host's chain and every disagreement with ClickHouse's copy; a copy that is
    /// missing or shorter is a disagreement too (an empty copy does not switch the comparison off).
    public static func problems(hostLines: [String], clickhouseLines: [UInt64: String]) -> [String] {
        var problems: [String] = []
        var previous: String?
        for (index, line) in hostLines.enumerated() {
            let expected = UInt64(index + 1)
            guard let parsed = AuditLine(line) else {
                problems.append("line \(expected) is not an audit entry")
                previous = line
                continue
            }
            if parsed.seq != expected {
                problems.append(
                    "line \(expected) says it is entry \(parsed.seq): an entry was inserted or deleted before it")
            }
            let wanted = previous.map(sha256) ?? genesis
            if parsed.prev != wanted {
                problems.append(
                    "entry \(parsed.seq) does not follow entry \(parsed.seq - 1) (prev \(parsed.prev.prefix(12))…, the line before hashes to \(wanted.prefix(12))…): one of them was edited, or an entry between was removed"
                )
            }
            if let copy = clickhouseLines[expected], copy != line {
                problems.append("entry \(expected) on the host differs from ClickHouse's copy: edited on one side")
            } else if clickhouseLines[expected] == nil {
                problems.append(
                    "entry \(expected) is on the host but not in ClickHouse: added on the host, or ClickHouse missed it when it was written"
                )
            }
            previous = line
        }
        for seq in clickhouseLines.keys.sorted() where seq > UInt64(hostLines.count) {
            problems.append("entry \(seq) is in ClickHouse but not on the host: deleted from the host's log")
        }
        return problems
    }

    static func sha256(_ line: String) -> String {
        SHA256.hash(data: Data((line + "\n").utf8)).hexadecimal
    }
}
