extension MigrationLinter {
    /// Warnings for a down file statement that drops what its up file never made: a rollback should
    /// undo the migration, not delete objects or columns that existed before it.
    func rollbackFindings(_ statement: Statement, up: [Statement], upFile: String, file: String) -> [LintFinding] {
        let created = Set(up.flatMap(\.createdObjects))
        var findings: [LintFinding] = []
        switch statement.kind {
        case .dropTable(let objects), .dropView(let objects), .dropDatabase(let objects):
            for name in objects.names where !created.contains(name) {
                findings.append(
                    finding(
                        .warning, .downDropsUncreated, file, statement.line,
                        "this down file drops \(name), which \(upFile) never creates, so rolling back deletes an object the migration did not make; drop only what the up file creates"
                    ))
            }
        case .alterTable(let alter):
            let added: Set<AlterAction> = Set(
                up.flatMap { statement -> [AlterAction] in
                    guard case .alterTable(let upAlter) = statement.kind, upAlter.table == alter.table else {
                        return []
                    }
                    return upAlter.actions
                })
            for case .drop(let element, let name) in alter.actions
            where !added.contains(.add(element, name: name)) && !created.contains(alter.table) {
                let what = element.rawValue.lowercased()
                findings.append(
                    finding(
                        .warning, .downDropsUncreated, file, statement.line,
                        "this down file drops \(what) \(name) of \(alter.table), which \(upFile) never adds, so rolling back deletes something the migration did not make; drop only what the up file adds"
                    ))
            }
        default:
            break
        }
        return findings
    }
}
