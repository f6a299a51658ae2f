/// The name of a table, view or database as a statement writes it, with quotes removed.
///
/// Migrations name objects without a database (the migrator chooses it per environment), so
/// `database` is normally `nil`.
public struct ObjectName: Sendable, Hashable, CustomStringConvertible {
    /// The database the name is qualified with, as in `meta.etl_runs`, or `nil`.
    public let database: String?

    /// The object's own name.
    public let name: String

    /// Creates a name.
    public init(database: String? = nil, name: String) {
        self.database = database
        self.name = name
    }

    /// `database.name`, or `name` when unqualified.
    public var description: String {
        database.map { "\($0).\(name)" } ?? name
    }
}
