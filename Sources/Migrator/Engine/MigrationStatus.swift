/// One line of `migrate status`.
public struct MigrationStatus: Sendable, Codable, Equatable {
    public enum Condition: String, Sendable, Codable, Hashable {
        case applied, baselined, pending, failed, interrupted, drifted, missingFile = "missing-file", rollbackFailed =
            "rollback-failed"
    }

    public let version: UInt64
    public let slug: String
    public let condition: Condition
    /// Failure point, drift checksums, or who applied it and when.
    public let detail: String
    /// Milliseconds since 1970 of the last event, 0 if none.
    public let at: UInt64
    public let actor: String
    public let release: String
}
