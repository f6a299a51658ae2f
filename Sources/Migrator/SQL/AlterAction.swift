/// One comma-separated action of an `ALTER TABLE` statement.
public enum AlterAction: Sendable, Hashable, CustomStringConvertible {
    /// The named parts of a table that `ADD` and `DROP` act on.
    public enum Element: String, Sendable, Hashable, CaseIterable {
        /// A column, which holds data.
        case column = "COLUMN"
        /// A data-skipping index, rebuilt from the columns.
        case index = "INDEX"
        /// A projection, rebuilt from the columns.
        case projection = "PROJECTION"
        /// A `CHECK` or `ASSUME` constraint.
        case constraint = "CONSTRAINT"
        /// Column statistics for the optimizer.
        case statistics = "STATISTICS"
    }

    /// `ADD COLUMN|INDEX|PROJECTION|CONSTRAINT|STATISTICS name`.
    case add(Element, name: String)
    /// `DROP COLUMN|INDEX|PROJECTION|CONSTRAINT|STATISTICS name`.
    case drop(Element, name: String)
    /// `MODIFY COLUMN name …`.
    case modifyColumn(String)
    /// `RENAME COLUMN from TO to`.
    case renameColumn(from: String, to: String)
    /// `CLEAR COLUMN name [IN PARTITION …]`: resets the column's values to defaults.
    case clearColumn(String)
    /// `DROP PARTITION|PART …`.
    case dropPartition
    /// `DROP DETACHED PARTITION|PART …`.
    case dropDetachedPartition
    /// `REPLACE PARTITION … FROM other`: the partition's rows are replaced by the other table's.
    case replacePartition
    /// `DELETE WHERE …`: a mutation that deletes rows.
    case delete
    /// `UPDATE column = … WHERE …`: a mutation that overwrites values.
    case update
    /// Any other action, by its leading keywords uppercased, such as `MODIFY TTL` or `DETACH PARTITION`.
    case other(String)

    /// Whether the action deletes or overwrites stored data.
    public var isDestructive: Bool {
        switch self {
        case .drop(.column, _), .clearColumn, .dropPartition, .dropDetachedPartition, .replacePartition, .delete,
            .update:
            true
        case .add, .drop, .modifyColumn, .renameColumn, .other:
            false
        }
    }

    /// The action's leading keywords and name, such as `DROP COLUMN utm_term`.
    public var description: String {
        switch self {
        case .add(let element, let name): "ADD \(element.rawValue) \(name)"
        case .drop(let element, let name): "DROP \(element.rawValue) \(name)"
        case .modifyColumn(let name): "MODIFY COLUMN \(name)"
        case .renameColumn(let from, let to): "RENAME COLUMN \(from) TO \(to)"
        case .clearColumn(let name): "CLEAR COLUMN \(name)"
        case .dropPartition: "DROP PARTITION"
        case .dropDetachedPartition: "DROP DETACHED PARTITION"
        case .replacePartition: "REPLACE PARTITION"
        case .delete: "DELETE"
        case .update: "UPDATE"
        case .other(let keywords): keywords
        }
    }
}
