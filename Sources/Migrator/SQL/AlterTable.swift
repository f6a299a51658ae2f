/// What an `ALTER TABLE` statement changes.
public struct AlterTable: Sendable, Hashable {
    /// The table altered.
    public let table: ObjectName

    /// The comma-separated actions, in order.
    public let actions: [AlterAction]

    /// Creates a description.
    public init(table: ObjectName, actions: [AlterAction]) {
        self.table = table
        self.actions = actions
    }
}
