import Foundation

/// One row of the append-only migration history: what happened to which migration, statement,
/// by whom and when. The current state of every migration is derived from these rows; nothing is
/// ever updated or deleted, so the table is also the audit trail.
public struct HistoryEvent: Sendable, Equatable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case started, statementApplied = "statement_applied", applied, failed
        case rollbackStarted = "rollback_started", rollbackStatementApplied = "rollback_statement_applied", rolledBack =
            "rolled_back"
        case rollbackFailed = "rollback_failed", baselined, repaired
        case lockBroken = "lock_broken"
    }

    public var version: UInt64
    public var slug: String
    public var kind: Kind
    /// 1-based statement number for statement events and failures; 0 otherwise (and for a failed verify).
    public var statement: Int
    /// Normalized hash of that statement.
    public var statementHash: String
    /// Checksum of the up file at the time.
    public var checksum: String
    public var release: String
    /// `user@workstation`.
    public var actor: String
    /// Error text for failures; the reason for repairs, baselines and broken locks.
    public var detail: String
    public var durationMilliseconds: UInt64
    /// Milliseconds since 1970 (UTC) on the workstation, with a per-run sequence to order events of one millisecond.
    public var at: UInt64

    public init(
        version: UInt64, slug: String, kind: Kind, statement: Int = 0, statementHash: String = "",
        checksum: String = "", release: String = "",
        actor: String = "", detail: String = "", durationMilliseconds: UInt64 = 0, at: UInt64 = 0
    ) {
        self.version = version
        self.slug = slug
        self.kind = kind
        self.statement = statement
        self.statementHash = statementHash
        self.checksum = checksum
        self.release = release
        self.actor = actor
        self.detail = detail
        self.durationMilliseconds = durationMilliseconds
        self.at = at
    }
}
