/// What a `CREATE TABLE` (or `REPLACE TABLE`) statement declares about itself.
public struct CreateTable: Sendable, Hashable {
    /// The table's name.
    public let name: ObjectName

    /// Whether `IF NOT EXISTS` was written, so re-running the statement does nothing.
    public let ifNotExists: Bool

    /// Whether it is `CREATE OR REPLACE TABLE` or `REPLACE TABLE`, which swaps in an empty table and
    /// so deletes every row of an existing one.
    public let orReplace: Bool

    /// Whether it is a `TEMPORARY` table, which lives only for the session.
    public let isTemporary: Bool

    /// The engine named after `ENGINE`, such as `ReplacingMergeTree`, or `nil` when the statement
    /// leaves it to the server's default.
    public let engine: String?

    /// Creates a description.
    public init(name: ObjectName, ifNotExists: Bool, orReplace: Bool, isTemporary: Bool, engine: String?) {
        self.name = name
        self.ifNotExists = ifNotExists
        self.orReplace = orReplace
        self.isTemporary = isTemporary
        self.engine = engine
    }

    /// Whether the engine is one of the MergeTree family (`MergeTree`, `ReplacingMergeTree`, …).
    public var isMergeTreeFamily: Bool { engine?.hasSuffix("MergeTree") ?? false }

    /// Whether the engine keeps its data in sync across replicas by itself
    /// (`Replicated…MergeTree`, or `Shared…MergeTree` on ClickHouse Cloud).
    public var isReplicated: Bool {
        guard let engine else { return false }
        return engine.hasPrefix("Replicated") || engine.hasPrefix("Shared")
    }
}
