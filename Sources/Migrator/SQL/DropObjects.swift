/// The objects a `DROP TABLE`, `DROP VIEW` or `DROP DATABASE` statement removes.
public struct DropObjects: Sendable, Hashable {
    /// The names listed, in order; ClickHouse accepts several, separated by commas.
    public let names: [ObjectName]

    /// Whether `IF EXISTS` was written.
    public let ifExists: Bool

    /// Whether `IF EMPTY` was written: ClickHouse then refuses to drop a table that holds rows.
    public let ifEmpty: Bool

    /// Creates a description.
    public init(names: [ObjectName], ifExists: Bool, ifEmpty: Bool) {
        self.names = names
        self.ifExists = ifExists
        self.ifEmpty = ifEmpty
    }
}
