/// Where one migration stands, as derived from the history.
public enum MigrationState: Sendable, Equatable {
    /// Never applied, or rolled back.
    case pending
    /// Fully applied (and verified) with this checksum.
    case applied(checksum: String, at: UInt64, actor: String, release: String)
    /// Marked applied without running (an existing database adopted by deployctl).
    case baselined(at: UInt64, actor: String)
    /// Statement `statement` failed (0: the verify step); the statements before it are applied.
    case failed(statement: Int, error: String, appliedHashes: [String], checksum: String)
    /// A run stopped after `appliedHashes.count` statements without recording an outcome (killed, lost connection).
    case interrupted(appliedHashes: [String], checksum: String)
    /// A rollback failed at down statement `statement`; the migration is partly undone.
    case rollbackFailed(statement: Int, error: String)

    /// Counts as applied for ordering and rollback.
    public var isApplied: Bool {
        switch self {
        case .applied, .baselined: true
        default: false
        }
    }
}

/// The state of every migration, folded from history events in order.
public struct MigrationLedger: Sendable {
    public private(set) var states: [UInt64: MigrationState] = [:]
    public private(set) var slugs: [UInt64: String] = [:]

    public init(events: [HistoryEvent]) {
        var progress: [UInt64: [String]] = [:]
        for event in events.sorted(by: { $0.at < $1.at }) {
            slugs[event.version] = event.slug
            switch event.kind {
            case .started:
                progress[event.version] = []
                states[event.version] = .interrupted(appliedHashes: [], checksum: event.checksum)
            case .statementApplied:
                var hashes = progress[event.version] ?? []
                if hashes.count >= event.statement { hashes = Array(hashes.prefix(event.statement - 1)) }
                hashes.append(event.statementHash)
                progress[event.version] = hashes
                states[event.version] = .interrupted(appliedHashes: hashes, checksum: event.checksum)
            case .applied:
                states[event.version] = .applied(
                    checksum: event.checksum, at: event.at, actor: event.actor, release: event.release)
                progress[event.version] = nil
            case .failed:
                states[event.version] = .failed(
                    statement: event.statement, error: event.detail, appliedHashes: progress[event.version] ?? [],
                    checksum: event.checksum)
            case .rollbackStarted, .rollbackStatementApplied:
                break
            case .rolledBack:
                states[event.version] = .pending
                progress[event.version] = nil
            case .rollbackFailed:
                states[event.version] = .rollbackFailed(statement: event.statement, error: event.detail)
            case .baselined:
                states[event.version] = .baselined(at: event.at, actor: event.actor)
            case .repaired:
                if event.checksum.isEmpty {
                    states[event.version] = .pending
                } else {
                    states[event.version] = .applied(
                        checksum: event.checksum, at: event.at, actor: event.actor, release: event.release)
                }
                progress[event.version] = nil
            case .lockBroken:
                break
            }
        }
    }

    public func state(of version: UInt64) -> MigrationState { states[version] ?? .pending }
}
