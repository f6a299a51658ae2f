extension MigrationLinter {
    /// A warning for a `CREATE` that fails on a second run: ClickHouse applies DDL statement by
    /// statement without a transaction, so a migration that failed halfway is re-run from the top
    /// or resumed, and a plain `CREATE` of an object that already exists stops it again.
    func idempotencyFindings(_ statement: Statement, file: String) -> [LintFinding] {
        let fix: String
        switch statement.kind {
        case .createTable(let table) where !table.ifNotExists && !table.orReplace && !table.isTemporary:
            fix = "write CREATE TABLE IF NOT EXISTS \(table.name)"
        case .createDatabase(let name, false):
            fix = "write CREATE DATABASE IF NOT EXISTS \(name)"
        case .createView(let view) where view.isMaterialized && !view.ifNotExists:
            fix = "write CREATE MATERIALIZED VIEW IF NOT EXISTS \(view.name)"
        case .createView(let view) where !view.isMaterialized && !view.ifNotExists && !view.orReplace:
            fix = "write CREATE OR REPLACE VIEW \(view.name), which also installs a changed definition"
        default:
            return []
        }
        return [
            finding(
                .warning, .nonIdempotentCreate, file, statement.line,
                "this CREATE fails with 'already exists' when the migration is run again after a later statement failed (ClickHouse DDL is not transactional); \(fix)"
            )
        ]
    }

    /// A warning for an object created again while an earlier definition of it stands.
    func duplicateFinding(_ collision: SchemaHistory.Collision, statement: Statement, file: String) -> LintFinding {
        let name = collision.name
        let earlier = "\(collision.earlier.file):\(collision.earlier.line)"
        let consequence =
            collision.ifNotExists
            ? "this IF NOT EXISTS definition is silently skipped wherever that one ran, so environments end up with different definitions"
            : "this CREATE fails with 'already exists' wherever that one ran"
        let fix: String
        if case .createView(let view) = statement.kind, !view.isMaterialized {
            fix = "write CREATE OR REPLACE VIEW \(name) to change the view, or drop it first"
        } else {
            fix = "change \(name) with ALTER, or drop it first"
        }
        return finding(
            .warning, .duplicateDefinition, file, statement.line,
            "\(name) is already created at \(earlier) and not dropped since; \(consequence). \(fix.prefix(1).uppercased() + fix.dropFirst())"
        )
    }
}
