import Foundation

/// One line of a host's `shared/audit.jsonl`, read once for everyone who reads the trail (the audit
/// check, `status`, verify's gate-override check): the chain fields and the record they carry.
public struct AuditLine: Sendable, Equatable {
    /// The line's place in the chain, from 1.
    public let seq: UInt64
    /// The SHA-256 of the line before it (`AuditLog.genesis` for the first).
    public let prev: String
    /// The entry, nil when the line has the chain fields but not a whole record.
    public let record: AuditRecord?

    private struct Chain: Decodable {
        let seq: UInt64
        let prev: String
    }

    /// Nil when `line` is not a JSON object with `seq` and `prev`.
    public init?(_ line: String) {
        let data = Data(line.utf8)
        guard let chain = try? JSONDecoder().decode(Chain.self, from: data) else { return nil }
        seq = chain.seq
        prev = chain.prev
        record = try? JSONDecoder().decode(AuditRecord.self, from: data)
    }
}
