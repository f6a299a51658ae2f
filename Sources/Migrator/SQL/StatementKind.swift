/// What a statement does, as far as its leading keywords and names tell.
///
/// The classification reads tokens, not a grammar: it recognises the statement forms migrations
/// use and leaves everything else as ``other(_:)``. It never decides whether a statement is
/// valid; ClickHouse does that when the statement runs.
public enum StatementKind: Sendable, Hashable {
    /// `CREATE [OR REPLACE] [TEMPORARY] TABLE …` or `REPLACE TABLE …`.
    case createTable(CreateTable)
    /// `CREATE [OR REPLACE] VIEW …` or `CREATE MATERIALIZED VIEW …`.
    case createView(CreateView)
    /// `CREATE DATABASE [IF NOT EXISTS] name …`.
    case createDatabase(name: ObjectName, ifNotExists: Bool)
    /// `DROP [TEMPORARY] TABLE …`.
    case dropTable(DropObjects)
    /// `DROP VIEW …`, which also drops materialized views.
    case dropView(DropObjects)
    /// `DROP DATABASE …`.
    case dropDatabase(DropObjects)
    /// `TRUNCATE [TABLE] name`; the name is `nil` for `TRUNCATE DATABASE` and `TRUNCATE ALL TABLES`,
    /// which empty every table of a database.
    case truncate(ObjectName?)
    /// `ALTER TABLE name action, …`.
    case alterTable(AlterTable)
    /// `DELETE FROM name WHERE …`, ClickHouse's lightweight delete.
    case delete(ObjectName)
    /// `INSERT INTO [TABLE] name …`; the name is `nil` for `INSERT INTO FUNCTION …`.
    case insert(ObjectName?)
    /// A query: `SELECT …`, `WITH … SELECT …` or a parenthesised query.
    case select
    /// `RENAME TABLE a TO b, …`.
    case rename([TableRename])
    /// Anything else, by its first keyword uppercased, such as `SYSTEM`, `GRANT`, or `CREATE` for a
    /// dictionary or function.
    case other(String)

    /// Whether the statement changes the schema (`CREATE`, `DROP`, `ALTER`, `RENAME`, `TRUNCATE`,
    /// `EXCHANGE`, `ATTACH`, `DETACH`, `UNDROP`), which on a cluster must run `ON CLUSTER`.
    public var isSchemaChange: Bool {
        switch self {
        case .createTable, .createView, .createDatabase, .dropTable, .dropView, .dropDatabase, .truncate, .alterTable,
            .rename:
            true
        case .delete, .insert, .select:
            false
        case .other(let keyword):
            ["CREATE", "DROP", "ALTER", "RENAME", "TRUNCATE", "EXCHANGE", "ATTACH", "DETACH", "UNDROP", "REPLACE"]
                .contains(keyword)
        }
    }

    /// Whether the statement only reads: a query, or `EXISTS`, `SHOW`, `DESCRIBE`, `EXPLAIN` or `CHECK`.
    public var isReadOnly: Bool {
        switch self {
        case .select:
            true
        case .other(let keyword):
            ["EXISTS", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "CHECK"].contains(keyword)
        default:
            false
        }
    }
}
