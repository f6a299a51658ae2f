/// What a `CREATE VIEW` or `CREATE MATERIALIZED VIEW` statement declares about itself.
public struct CreateView: Sendable, Hashable {
    /// The view's name.
    public let name: ObjectName

    /// Whether it is a materialized view.
    public let isMaterialized: Bool

    /// Whether `OR REPLACE` was written, so re-running the statement installs this definition.
    public let orReplace: Bool

    /// Whether `IF NOT EXISTS` was written, so re-running the statement keeps whatever definition
    /// is already there.
    public let ifNotExists: Bool

    /// The table named after `TO`, where a materialized view writes; `nil` for a plain view and for
    /// a materialized view that keeps its rows in its own inner table.
    public let target: ObjectName?

    /// The view's query: the source text from the `SELECT` (or `WITH`, or `(`) after `AS` to the end
    /// of the statement, without a trailing `COMMENT '…'`; `nil` when none was found.
    public let select: String?

    /// The 1-based line `select` starts on in the file.
    public let selectLine: Int?

    /// Creates a description.
    public init(
        name: ObjectName,
        isMaterialized: Bool,
        orReplace: Bool,
        ifNotExists: Bool,
        target: ObjectName?,
        select: String?,
        selectLine: Int?
    ) {
        self.name = name
        self.isMaterialized = isMaterialized
        self.orReplace = orReplace
        self.ifNotExists = ifNotExists
        self.target = target
        self.select = select
        self.selectLine = selectLine
    }

    /// Whether the view holds rows of its own: a materialized view without `TO` stores them in an
    /// inner table that dropping the view deletes.
    public var storesRows: Bool { isMaterialized && target == nil }
}
