/// The linter's rules, by a stable id that output and documentation can refer to.
public enum LintRule: String, Sendable, Hashable, CaseIterable {
    /// An up file statement deletes or overwrites data without `-- deployctl:allow-destructive <reason>`:
    /// `DROP TABLE`, `DROP DATABASE`, `TRUNCATE`, `DELETE FROM`, `CREATE OR REPLACE TABLE`,
    /// `ALTER … DROP COLUMN | CLEAR COLUMN | DELETE | UPDATE | DROP [DETACHED] PARTITION | REPLACE PARTITION`,
    /// and `DROP VIEW` of a materialized view that stores its rows itself (no `TO`). A plain view
    /// and a `TO` view hold no rows; a view no migration created is taken to hold none either.
    case destructiveStatement = "destructive-statement"
    /// An up file drops a table (or a materialized view that stores rows) and creates it again: every
    /// row is lost. An error, or a warning when `allow-destructive` with a reason precedes the drop.
    case dropAndRecreate = "drop-and-recreate"
    /// `-- deployctl:allow-destructive` without a reason, which allows nothing.
    case directiveWithoutReason = "directive-without-reason"
    /// `-- deployctl:allow-destructive` where there is nothing to allow.
    case unneededDirective = "unneeded-directive"
    /// A `CREATE` that fails with "already exists" when a partly applied migration is re-run.
    case nonIdempotentCreate = "non-idempotent-create"
    /// An object created by an earlier statement is created again without `OR REPLACE` or a drop in
    /// between, so one of the two definitions never takes effect.
    case duplicateDefinition = "duplicate-definition"
    /// A down file drops a table, view, database, column, index or projection its up file never creates.
    case downDropsUncreated = "down-drops-uncreated"
    /// In cluster mode, a schema change without `ON CLUSTER` and the linted cluster.
    case missingOnCluster = "missing-on-cluster"
    /// In cluster mode, a MergeTree-family table whose engine is not `Replicated…`.
    case nonReplicatedEngine = "non-replicated-engine"
    /// An object named with a database, although the migrator chooses the database per environment.
    case qualifiedName = "qualified-name"
    /// A verify file statement that changes the database.
    case verifyNotReadOnly = "verify-not-read-only"
}
