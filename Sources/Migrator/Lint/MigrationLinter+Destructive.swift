extension MigrationLinter {
    /// The findings about data an up file statement deletes: unannotated destructive statements,
    /// drops of objects the same file creates again, and `allow-destructive` directives that allow
    /// nothing.
    ///
    /// - Parameter recreated: the objects this statement drops with their rows, paired with the line
    ///   of the later statement in the same file that creates each again.
    func destructiveFindings(
        _ statement: Statement, recreated: [(ObjectName, Int)], schema: SchemaHistory, file: String
    ) -> [LintFinding] {
        let losses = statement.dataLoss(in: schema)
        let directive = statement.directive(.allowDestructive)
        guard !losses.isEmpty else {
            // A view the migrations never created may be a materialized view with rows; whether an
            // annotation on its drop is needed cannot be told, so it is not called unneeded.
            if case .dropView(let objects) = statement.kind,
                objects.names.contains(where: { schema.definition(of: $0) == nil })
            {
                return []
            }
            guard let directive else { return [] }
            return [
                finding(
                    .warning, .unneededDirective, file, directive.line,
                    "'-- deployctl:allow-destructive' stands before a statement that deletes no data, so it allows nothing; remove it"
                )
            ]
        }
        let effects = losses.joined(separator: "; ")
        if let directive, directive.reason.isEmpty {
            return [
                finding(
                    .error, .directiveWithoutReason, file, directive.line,
                    "'-- deployctl:allow-destructive' gives no reason, so it does not allow what the statement on line \(statement.line) does: \(effects). Write why the data may go after the directive, on the same line"
                )
            ]
        }
        if !recreated.isEmpty {
            return recreated.map { name, line in
                if let directive {
                    return finding(
                        .warning, .dropAndRecreate, file, statement.line,
                        "\(name) is dropped here and created again on line \(line); '-- deployctl:allow-destructive' on line \(directive.line) allows it (\(directive.reason)), but every row \(name) held is lost wherever this migration runs"
                    )
                }
                return finding(
                    .error, .dropAndRecreate, file, statement.line,
                    "\(name) is dropped here and created again on line \(line), so every row it held is lost wherever this migration runs. To change its structure use ALTER TABLE; to rebuild it, create \(name.name)_new, copy the rows with INSERT INTO \(name.name)_new SELECT … FROM \(name.name), then EXCHANGE TABLES \(name.name) AND \(name.name)_new. If the rows really may go, write '-- deployctl:allow-destructive <why>' on the line before the DROP"
                )
            }
        }
        guard directive == nil else { return [] }
        return [
            finding(
                .error, .destructiveStatement, file, statement.line,
                "\(effects). If that is intended, write '-- deployctl:allow-destructive <why the data may go>' on the line before the statement"
            )
        ]
    }
}
