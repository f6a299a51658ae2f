/// Checks migrations for what hurts on ClickHouse before anything is applied: destructive
/// statements nobody signed off, the drop-and-recreate that wiped the original pipeline's tables
/// on every run, DDL that cannot be re-run after a partial failure, conflicting definitions, and
/// missing `ON CLUSTER` on a cluster.
///
/// Rules and their ids are in ``LintRule``. The linter reads statements only; whether a view's
/// query parses needs the server, so ``viewQueries(in:)`` lists them for the migrator to ask
/// ClickHouse while planning.
///
/// Destructive statements are judged in up files only: a down file undoes its up file, which
/// means dropping what it created, so there the linter checks instead that it drops nothing else.
/// An up file that drops a table and creates it again is an error even though each statement
/// alone is ordinary; `-- deployctl:allow-destructive <reason>` before the drop turns it into a
/// warning that still says the rows are lost.
public struct MigrationLinter: Sendable {
    /// The cluster every schema change must run `ON CLUSTER`, or `nil` for a single server.
    public var cluster: String?

    /// Creates a linter; pass the environment's cluster to lint for cluster mode.
    public init(cluster: String? = nil) {
        self.cluster = cluster
    }

    /// Every finding in `migrations`, which are linted in version order; findings are grouped by
    /// migration and, within one, sorted by file (up, down, verify) and line.
    public func lint(_ migrations: [Migration]) -> [LintFinding] {
        var schema = SchemaHistory()
        var findings: [LintFinding] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            var found = lintUp(migration, schema: &schema)
            found += lintDown(migration)
            found += lintVerify(migration)
            let files = [migration.upFile, migration.downFile, migration.verifyFile]
            let rank = Dictionary(files.enumerated().compactMap { index, file in file.map { ($0, index) } }) {
                first, _ in first
            }
            findings += found.enumerated()
                .sorted { lhs, rhs in
                    let left = (rank[lhs.element.file] ?? 3, lhs.element.line ?? 0, lhs.offset)
                    let right = (rank[rhs.element.file] ?? 3, rhs.element.line ?? 0, rhs.offset)
                    return left < right
                }
                .map(\.element)
        }
        return findings
    }

    /// The query of every view the migrations create, in up and down files, for the server to parse.
    public func viewQueries(in migrations: [Migration]) -> [ViewQuery] {
        migrations.sorted { $0.version < $1.version }.flatMap { migration in
            let files = [(migration.upFile, migration.up), (migration.downFile, migration.down)]
            return files.flatMap { file, statements -> [ViewQuery] in
                guard let file, let statements else { return [] }
                return statements.enumerated().compactMap { index, statement in
                    guard case .createView(let view) = statement.kind, let select = view.select else { return nil }
                    return ViewQuery(
                        migration: migration.version,
                        file: file,
                        statementIndex: index,
                        view: view.name,
                        isMaterialized: view.isMaterialized,
                        select: select,
                        line: view.selectLine ?? statement.line
                    )
                }
            }
        }
    }

    private func lintUp(_ migration: Migration, schema: inout SchemaHistory) -> [LintFinding] {
        let file = migration.upFile
        var findings: [LintFinding] = []
        for (index, statement) in migration.up.enumerated() {
            let recreated = statement.droppedWithRows(in: schema).compactMap { name in
                migration.up[(index + 1)...].first { $0.createdObjects.contains(name) }.map { (name, $0.line) }
            }
            findings += destructiveFindings(statement, recreated: recreated, schema: schema, file: file)
            findings += schemaFindings(statement, file: file)
            if let collision = schema.record(statement, file: file) {
                findings.append(duplicateFinding(collision, statement: statement, file: file))
            }
        }
        return findings
    }

    private func lintDown(_ migration: Migration) -> [LintFinding] {
        guard let file = migration.downFile, let down = migration.down else { return [] }
        var findings: [LintFinding] = []
        for statement in down {
            if let directive = statement.directive(.allowDestructive) {
                findings.append(
                    finding(
                        .warning, .unneededDirective, file, directive.line,
                        "down files are not checked for destructive statements, since undoing a migration means dropping what it made, so '-- deployctl:allow-destructive' allows nothing here; remove it"
                    ))
            }
            findings += schemaFindings(statement, file: file)
            findings += rollbackFindings(statement, up: migration.up, upFile: migration.upFile, file: file)
        }
        return findings
    }

    private func lintVerify(_ migration: Migration) -> [LintFinding] {
        guard let file = migration.verifyFile else { return [] }
        return migration.verify.filter { !$0.kind.isReadOnly }.map { statement in
            finding(
                .error, .verifyNotReadOnly, file, statement.line,
                "verify queries must only read (SELECT, WITH, EXISTS, CHECK …), but this one changes the database each time the migration is verified; move it to the up file and verify its effect with a SELECT that returns 1"
            )
        }
    }

    /// The rules every up and down statement is held to: re-runnable creates, unqualified names and,
    /// on a cluster, `ON CLUSTER` and replicated engines.
    private func schemaFindings(_ statement: Statement, file: String) -> [LintFinding] {
        var findings = idempotencyFindings(statement, file: file)
        for name in statement.objectNames {
            guard let database = name.database else { continue }
            findings.append(
                finding(
                    .warning, .qualifiedName, file, statement.line,
                    "\(name) names database \(database), but migrations name objects without one because the migrator picks the database per environment; write \(name.name)"
                ))
        }
        if cluster != nil {
            findings += clusterFindings(statement, file: file)
        }
        return findings
    }

    func finding(_ severity: LintFinding.Severity, _ rule: LintRule, _ file: String, _ line: Int?, _ message: String)
        -> LintFinding
    {
        LintFinding(severity: severity, rule: rule, file: file, line: line, message: message)
    }
}
