import Crypto

/// Pairs a folder's files into migrations by version and collects every problem on the way, so
/// that one run reports all of them.
struct MigrationSetLoader {
    private struct NamedFile {
        var name: String
        var parsed: MigrationFileName
    }

    private let directory: String
    private let files: [String: [UInt8]]
    private(set) var diagnostics: [MigrationSetError.Diagnostic] = []

    init(directory: String, files: [String: [UInt8]]) {
        self.directory = directory
        self.files = files
    }

    /// The migrations that could be built without a problem, ordered by version; the problems are in
    /// ``diagnostics``.
    mutating func load() -> [Migration] {
        var byVersion: [MigrationVersion: [MigrationFileName.Role: [NamedFile]]] = [:]
        for name in files.keys.sorted() where MigrationFileName.isCandidate(name) {
            guard let parsed = MigrationFileName(name) else {
                let fix =
                    MigrationFileName.suggestion(for: name).map { "; rename it to '\($0)'" }
                    ?? ", or move it out of the migrations folder"
                report(
                    .badFileName, name,
                    message:
                        "'\(name)' is not a migration file name: name it NNNN_slug.up.sql, NNNN_slug.down.sql or NNNN_slug.verify.sql, where NNNN is a version of 4 or more digits and slug is lowercase letters, digits and _\(fix)"
                )
                continue
            }
            byVersion[parsed.version, default: [:]][parsed.role, default: []].append(
                NamedFile(name: name, parsed: parsed))
        }
        let nextFree = MigrationVersion((byVersion.keys.max()?.value ?? 0) + 1)
        return byVersion.keys.sorted().compactMap { version in
            migration(version, files: byVersion[version] ?? [:], nextFree: nextFree)
        }
    }

    private mutating func migration(
        _ version: MigrationVersion,
        files roles: [MigrationFileName.Role: [NamedFile]],
        nextFree: MigrationVersion
    ) -> Migration? {
        let problemsBefore = diagnostics.count
        for role in MigrationFileName.Role.allCases {
            guard let claimants = roles[role], claimants.count > 1 else { continue }
            for extra in claimants.dropFirst() {
                report(
                    .duplicateVersion, extra.name,
                    message:
                        "version \(version) is already used by '\(claimants[0].name)'; give this migration the next free version, \(nextFree)"
                )
            }
        }
        guard diagnostics.count == problemsBefore else { return nil }

        guard let up = roles[.up]?.first else {
            if let down = roles[.down]?.first {
                report(
                    .downWithoutUp, down.name,
                    message:
                        "'\(down.name)' has no up file; add '\(sibling(of: down, role: .up))' with the migration it undoes, or delete the down file"
                )
            }
            if let verify = roles[.verify]?.first {
                report(
                    .verifyWithoutUp, verify.name,
                    message:
                        "'\(verify.name)' has no up file; add '\(sibling(of: verify, role: .up))' with the migration it checks, or delete the verify file"
                )
            }
            return nil
        }
        let downFile = roles[.down]?.first
        let verifyFile = roles[.verify]?.first
        for other in [downFile, verifyFile].compactMap({ $0 }) where other.parsed.slug != up.parsed.slug {
            report(
                .slugMismatch, other.name,
                message:
                    "'\(other.name)' pairs with '\(up.name)' by its version, but its slug differs; rename it to '\(sibling(of: up, role: other.parsed.role))'"
            )
        }

        let upStatements = statements(of: up, upName: up.name)
        let downStatements = downFile.flatMap { statements(of: $0, upName: up.name) }
        let verifyStatements = verifyFile.flatMap { statements(of: $0, upName: up.name) }

        if let upStatements {
            let irreversible = upStatements.first?.directive(.irreversible)
            if let irreversible, let downFile {
                report(
                    .irreversibleWithDown, downFile.name,
                    message:
                        "'\(up.name)' is marked irreversible on line \(irreversible.line), yet this down file exists; delete the down file, or remove the directive if the migration can be undone"
                )
            } else if irreversible == nil, downFile == nil, !upStatements.isEmpty {
                report(
                    .missingDown, up.name,
                    message:
                        "'\(up.name)' has no down file; add '\(sibling(of: up, role: .down))' with the statements that undo it, or, if it cannot be undone, write '-- deployctl:irreversible <reason>' before its first statement"
                )
            }
        }
        guard diagnostics.count == problemsBefore, let upStatements else { return nil }
        return Migration(
            version: version,
            slug: up.parsed.slug,
            up: upStatements,
            down: downStatements,
            verify: verifyStatements ?? [],
            checksum: SHA256.hash(data: files[up.name] ?? []).hexadecimal,
            directives: upStatements.first?.directives.filter { $0.kind == .irreversible } ?? [],
            upFile: path(up.name),
            downFile: downFile.map { path($0.name) },
            verifyFile: verifyFile.map { path($0.name) }
        )
    }

    /// The file's statements with their directives checked, or `nil` when it could not be read or
    /// split.
    private mutating func statements(of file: NamedFile, upName: String) -> [Statement]? {
        let (utf8, problems) = MigrationText.check(files[file.name] ?? [], file: path(file.name))
        diagnostics += problems
        guard let utf8 else { return nil }
        let statements: [Statement]
        do throws(SQLSyntaxError) {
            statements = try StatementSplitter.split(utf8: utf8)
        } catch {
            report(.syntax, file.name, line: error.line, message: error.message)
            return nil
        }
        if statements.isEmpty {
            let purpose: String
            switch file.parsed.role {
            case .up: purpose = "write the migration's statements, or delete the file"
            case .down:
                purpose =
                    "an empty down file undoes nothing: write the statements that undo the up file, or delete it and mark the up file '-- deployctl:irreversible <reason>'"
            case .verify: purpose = "write queries that return 1 when the migration did its work, or delete the file"
            }
            report(.emptyFile, file.name, message: "'\(file.name)' holds no statement; \(purpose)")
        }
        for (index, statement) in statements.enumerated() {
            for directive in statement.directives {
                check(directive, at: index, of: statement, in: file, upName: upName)
            }
        }
        return statements
    }

    private mutating func check(
        _ directive: Directive, at index: Int, of statement: Statement, in file: NamedFile, upName: String
    ) {
        switch directive.kind {
        case nil:
            let known = Directive.Kind.allCases.map(\.rawValue)
            let nearest = known.map { ($0, Self.editDistance(directive.name.lowercased(), $0)) }.min { $0.1 < $1.1 }
            let hint =
                nearest.flatMap { $0.1 <= 3 ? "did you mean 'deployctl:\($0.0)'?" : nil }
                ?? "known directives are \(known.map { "'deployctl:\($0)'" }.joined(separator: " and "))"
            report(
                .unknownDirective, file.name, line: directive.line,
                message:
                    "unknown directive 'deployctl:\(directive.name)', refused so that a typo cannot switch a check off; \(hint)"
            )
        case .irreversible:
            if file.parsed.role != .up {
                report(
                    .misplacedDirective, file.name, line: directive.line,
                    message:
                        "'irreversible' marks a whole migration, so it belongs in '\(upName)' before its first statement, not in its \(file.parsed.role.rawValue) file"
                )
            } else if index != 0 {
                report(
                    .misplacedDirective, file.name, line: directive.line,
                    message:
                        "'irreversible' marks the whole file, so it belongs among the comments before the first statement, not before the statement on line \(statement.line)"
                )
            } else if directive.reason.isEmpty {
                report(
                    .missingReason, file.name, line: directive.line,
                    message:
                        "'-- deployctl:irreversible' needs a reason after it, on the same line: why can this migration not be undone?"
                )
            }
        case .allowDestructive:
            if file.parsed.role == .verify {
                report(
                    .misplacedDirective, file.name, line: directive.line,
                    message: "verify files only read, so 'allow-destructive' has nothing to allow; remove it")
            }
        }
    }

    private func sibling(of file: NamedFile, role: MigrationFileName.Role) -> String {
        String(file.name.dropLast(".\(file.parsed.role.rawValue).sql".count)) + ".\(role.rawValue).sql"
    }

    private func path(_ name: String) -> String {
        guard !directory.isEmpty else { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private mutating func report(_ code: MigrationSetError.Code, _ name: String, line: Int? = nil, message: String) {
        diagnostics.append(.init(code: code, file: path(name), line: line, message: message))
    }

    /// Levenshtein distance, for suggesting the directive a typo meant.
    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var previous = Array(0...right.count)
        for (i, leftByte) in left.enumerated() {
            var current = [i + 1]
            for (j, rightByte) in right.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (leftByte == rightByte ? 0 : 1)))
            }
            previous = current
        }
        return previous[right.count]
    }
}
