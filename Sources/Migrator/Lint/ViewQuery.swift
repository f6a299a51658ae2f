/// The query of a view some migration creates, for checking against a ClickHouse server.
///
/// Whether a view's `SELECT` parses can only be judged by ClickHouse; the migrator asks the server
/// (`formatQueryOrNull`, then `EXPLAIN AST` for the message) while planning, before applying
/// anything, and reports the failures at ``file`` and ``line``.
public struct ViewQuery: Sendable, Hashable {
    /// The migration that creates the view.
    public let migration: MigrationVersion

    /// The path of the file the view is created in: an up file, or a down file that restores a view.
    public let file: String

    /// The 0-based position of the `CREATE VIEW` statement in that file's statements.
    public let statementIndex: Int

    /// The view's name.
    public let view: ObjectName

    /// Whether the view is materialized.
    public let isMaterialized: Bool

    /// The view's query as written, from `SELECT` (or `WITH`, or `(`) to the end of the statement.
    public let select: String

    /// The 1-based line of the file the query starts on.
    public let line: Int

    /// Creates a view query.
    public init(
        migration: MigrationVersion, file: String, statementIndex: Int, view: ObjectName, isMaterialized: Bool,
        select: String, line: Int
    ) {
        self.migration = migration
        self.file = file
        self.statementIndex = statementIndex
        self.view = view
        self.isMaterialized = isMaterialized
        self.select = select
        self.line = line
    }
}
