/// One `from TO to` pair of a `RENAME TABLE` statement.
public struct TableRename: Sendable, Hashable {
    /// The table's name before the statement.
    public let from: ObjectName

    /// The table's name after the statement.
    public let to: ObjectName

    /// Creates a pair.
    public init(from: ObjectName, to: ObjectName) {
        self.from = from
        self.to = to
    }
}
