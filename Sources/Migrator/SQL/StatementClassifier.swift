/// Tells what a statement does from its leading keywords and names, token by token.
///
/// It is deliberately not a parser: it reads the few positions that decide a statement's kind
/// (`CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name`, `ALTER TABLE name action, …`) and the
/// clauses a linter needs (`ENGINE`, `TO`, `AS SELECT`, `ON CLUSTER`), and leaves validity to
/// ClickHouse.
struct StatementClassifier {
    /// The statement's significant tokens (no whitespace, no comments).
    private let tokens: [SQLToken]
    private let bytes: [UInt8]
    /// The bracket nesting depth each token stands at; a closing bracket has its opening one's depth.
    private let depths: [Int]

    /// The words that start an `ALTER TABLE` action; a comma-separated part that starts otherwise
    /// continues the previous action, as the assignments of `UPDATE a = 1, b = 2` do.
    private static let alterVerbs: Set<String> = [
        "ADD", "DROP", "MODIFY", "CLEAR", "COMMENT", "RENAME", "DELETE", "UPDATE", "MATERIALIZE", "DETACH",
        "ATTACH", "REPLACE", "MOVE", "FREEZE", "UNFREEZE", "FETCH", "REMOVE", "RESET", "APPLY", "FORGET",
    ]

    init(tokens: [SQLToken], bytes: [UInt8]) {
        self.tokens = tokens
        self.bytes = bytes
        var depth = 0
        var depths: [Int] = []
        depths.reserveCapacity(tokens.count)
        for token in tokens {
            switch token.kind {
            case .openParenthesis, .openBracket, .openBrace:
                depths.append(depth)
                depth += 1
            case .closeParenthesis, .closeBracket, .closeBrace:
                depth = max(0, depth - 1)
                depths.append(depth)
            default:
                depths.append(depth)
            }
        }
        self.depths = depths
    }

    /// The statement's kind and the cluster named after `ON CLUSTER`, if any.
    func classify() -> (kind: StatementKind, onCluster: String?) {
        (kind(), clusterName())
    }

    // MARK: - Kinds

    private func kind() -> StatementKind {
        guard let head = keyword(at: 0) else {
            return tokens.first?.kind == .openParenthesis ? .select : .other(text(at: 0))
        }
        switch head {
        case "SELECT", "WITH":
            return .select
        case "CREATE":
            return create()
        case "REPLACE":
            var index = 1
            let isTemporary = skip("TEMPORARY", at: &index)
            guard skip("TABLE", at: &index) else { return .other(head) }
            return createTable(at: index, orReplace: true, isTemporary: isTemporary) ?? .other(head)
        case "DROP":
            return drop() ?? .other(head)
        case "TRUNCATE":
            return truncate() ?? .other(head)
        case "ALTER":
            return alterTable() ?? .other(head)
        case "DELETE":
            var index = 1
            guard skip("FROM", at: &index), let table = objectName(at: &index) else { return .other(head) }
            return .delete(table)
        case "INSERT":
            var index = 1
            guard skip("INTO", at: &index), keyword(at: index) != "FUNCTION" else { return .insert(nil) }
            _ = skip("TABLE", at: &index)
            return .insert(objectName(at: &index))
        case "RENAME":
            return rename() ?? .other(head)
        default:
            return .other(head)
        }
    }

    private func create() -> StatementKind {
        var index = 1
        let orReplace = skip("OR", "REPLACE", at: &index)
        let isTemporary = skip("TEMPORARY", at: &index)
        if skip("TABLE", at: &index) {
            return createTable(at: index, orReplace: orReplace, isTemporary: isTemporary) ?? .other("CREATE")
        }
        if skip("VIEW", at: &index) {
            return createView(at: index, isMaterialized: false, orReplace: orReplace) ?? .other("CREATE")
        }
        if skip("MATERIALIZED", "VIEW", at: &index) {
            return createView(at: index, isMaterialized: true, orReplace: orReplace) ?? .other("CREATE")
        }
        if skip("DATABASE", at: &index) {
            let ifNotExists = skip("IF", "NOT", "EXISTS", at: &index)
            guard let name = objectName(at: &index) else { return .other("CREATE") }
            return .createDatabase(name: name, ifNotExists: ifNotExists)
        }
        return .other("CREATE")
    }

    private func createTable(at start: Int, orReplace: Bool, isTemporary: Bool) -> StatementKind? {
        var index = start
        let ifNotExists = skip("IF", "NOT", "EXISTS", at: &index)
        guard let name = objectName(at: &index) else { return nil }
        var engine: String?
        let clausesEnd = selectStart(from: index) ?? tokens.count
        if let engineIndex = (index..<clausesEnd).first(where: { depths[$0] == 0 && keyword(at: $0) == "ENGINE" }) {
            var nameIndex = engineIndex + 1
            if nameIndex < tokens.count, text(at: nameIndex) == "=" {
                nameIndex += 1
            }
            if nameIndex < tokens.count, tokens[nameIndex].kind == .word {
                engine = text(at: nameIndex)
            }
        }
        return .createTable(
            CreateTable(
                name: name, ifNotExists: ifNotExists, orReplace: orReplace, isTemporary: isTemporary, engine: engine)
        )
    }

    private func createView(at start: Int, isMaterialized: Bool, orReplace: Bool) -> StatementKind? {
        var index = start
        let ifNotExists = skip("IF", "NOT", "EXISTS", at: &index)
        guard let name = objectName(at: &index) else { return nil }
        let selectIndex = selectStart(from: index)
        var target: ObjectName?
        if isMaterialized {
            let clausesEnd = selectIndex.map { $0 - 1 } ?? tokens.count
            if let toIndex = (index..<clausesEnd).first(where: { depths[$0] == 0 && keyword(at: $0) == "TO" }) {
                var nameIndex = toIndex + 1
                target = objectName(at: &nameIndex)
            }
        }
        var select: String?
        var selectLine: Int?
        if let selectIndex {
            var last = tokens.count - 1
            // A view's comment follows its query (`AS SELECT … COMMENT 'text'`) but is not part of it.
            if last - 1 > selectIndex, depths[last - 1] == 0, keyword(at: last - 1) == "COMMENT",
                tokens[last].kind == .string
            {
                last -= 2
            }
            select = String(
                decoding: bytes[tokens[selectIndex].range.lowerBound..<tokens[last].range.upperBound], as: UTF8.self)
            selectLine = tokens[selectIndex].line
        }
        return .createView(
            CreateView(
                name: name,
                isMaterialized: isMaterialized,
                orReplace: orReplace,
                ifNotExists: ifNotExists,
                target: target,
                select: select,
                selectLine: selectLine
            )
        )
    }

    private func drop() -> StatementKind? {
        var index = 1
        _ = skip("TEMPORARY", at: &index)
        guard let object = keyword(at: index), ["TABLE", "VIEW", "DATABASE"].contains(object) else { return nil }
        index += 1
        var ifExists = false
        var ifEmpty = false
        while true {
            if skip("IF", "EXISTS", at: &index) {
                ifExists = true
            } else if skip("IF", "EMPTY", at: &index) {
                ifEmpty = true
            } else {
                break
            }
        }
        var names: [ObjectName] = []
        while let name = objectName(at: &index) {
            names.append(name)
            guard index < tokens.count, tokens[index].kind == .comma else { break }
            index += 1
        }
        guard !names.isEmpty else { return nil }
        let objects = DropObjects(names: names, ifExists: ifExists, ifEmpty: ifEmpty)
        switch object {
        case "TABLE": return .dropTable(objects)
        case "VIEW": return .dropView(objects)
        default: return .dropDatabase(objects)
        }
    }

    private func truncate() -> StatementKind? {
        var index = 1
        _ = skip("TEMPORARY", at: &index)
        if keyword(at: index) == "DATABASE" || keyword(at: index) == "ALL" {
            return .truncate(nil)
        }
        _ = skip("TABLE", at: &index)
        _ = skip("IF", "EXISTS", at: &index)
        return objectName(at: &index).map(StatementKind.truncate)
    }

    private func alterTable() -> StatementKind? {
        var index = 1
        _ = skip("TEMPORARY", at: &index)
        guard skip("TABLE", at: &index), let table = objectName(at: &index) else { return nil }
        if skip("ON", "CLUSTER", at: &index) {
            index = min(index + 1, tokens.count)
        }
        var actions: [AlterAction] = []
        var partStart = index
        for position in index...tokens.count {
            let endsPart = position == tokens.count || (tokens[position].kind == .comma && depths[position] == 0)
            guard endsPart else { continue }
            if partStart < position, let verb = keyword(at: partStart), Self.alterVerbs.contains(verb) {
                actions.append(alterAction(at: partStart))
            }
            partStart = position + 1
        }
        return .alterTable(AlterTable(table: table, actions: actions))
    }

    private func alterAction(at start: Int) -> AlterAction {
        var index = start + 1
        switch keyword(at: start) {
        case "ADD":
            if let element = element(at: &index) {
                _ = skip("IF", "NOT", "EXISTS", at: &index)
                if let name = identifier(at: index) { return .add(element, name: name) }
            }
        case "DROP":
            if skip("PARTITION", at: &index) || skip("PART", at: &index) { return .dropPartition }
            if skip("DETACHED", at: &index) { return .dropDetachedPartition }
            if let element = element(at: &index) {
                _ = skip("IF", "EXISTS", at: &index)
                if let name = identifier(at: index) { return .drop(element, name: name) }
            }
        case "CLEAR":
            if skip("COLUMN", at: &index) {
                _ = skip("IF", "EXISTS", at: &index)
                if let name = identifier(at: index) { return .clearColumn(name) }
            }
        case "MODIFY":
            if skip("COLUMN", at: &index) {
                _ = skip("IF", "EXISTS", at: &index)
                if let name = identifier(at: index) { return .modifyColumn(name) }
            }
        case "RENAME":
            if skip("COLUMN", at: &index) {
                _ = skip("IF", "EXISTS", at: &index)
                if let from = identifier(at: index), keyword(at: index + 1) == "TO", let to = identifier(at: index + 2)
                {
                    return .renameColumn(from: from, to: to)
                }
            }
        case "REPLACE":
            if skip("PARTITION", at: &index) || skip("PART", at: &index) { return .replacePartition }
        case "DELETE":
            return .delete
        case "UPDATE":
            return .update
        default:
            break
        }
        let leading = [keyword(at: start), keyword(at: start + 1)].compactMap { $0 }
        return .other(leading.joined(separator: " "))
    }

    private func element(at index: inout Int) -> AlterAction.Element? {
        guard let word = keyword(at: index) else { return nil }
        let element = word == "STATISTIC" ? .statistics : AlterAction.Element(rawValue: word)
        if element != nil { index += 1 }
        return element
    }

    private func rename() -> StatementKind? {
        var index = 1
        if keyword(at: index) == "DATABASE" || keyword(at: index) == "DICTIONARY" { return nil }
        _ = skip("TABLE", at: &index)
        var pairs: [TableRename] = []
        while let from = objectName(at: &index) {
            guard skip("TO", at: &index), let to = objectName(at: &index) else { return nil }
            pairs.append(TableRename(from: from, to: to))
            guard index < tokens.count, tokens[index].kind == .comma else { break }
            index += 1
        }
        return pairs.isEmpty ? nil : .rename(pairs)
    }

    // MARK: - Clauses

    /// The unquoted name after the first `ON CLUSTER` of the statement's head, which ends at the
    /// first top-level `(`, `AS`, `SELECT` or `WITH`, so that a query's `JOIN … ON cluster…` is never
    /// mistaken for one.
    private func clusterName() -> String? {
        for index in tokens.indices {
            if depths[index] == 0, tokens[index].kind == .openParenthesis { return nil }
            if let word = keyword(at: index), ["AS", "SELECT", "WITH"].contains(word) { return nil }
            if keyword(at: index) == "ON", keyword(at: index + 1) == "CLUSTER" {
                let nameIndex = index + 2
                guard nameIndex < tokens.count else { return nil }
                return tokens[nameIndex].kind == .string ? unquoted(at: nameIndex) : identifier(at: nameIndex)
            }
        }
        return nil
    }

    /// The index of the first token of a view's (or `CREATE TABLE … AS SELECT`'s) query: the token
    /// after a top-level `AS` that is `SELECT`, `WITH` or `(`.
    private func selectStart(from start: Int) -> Int? {
        guard start < tokens.count else { return nil }
        for index in start..<tokens.count where depths[index] == 0 && keyword(at: index) == "AS" {
            let next = index + 1
            guard next < tokens.count else { return nil }
            if tokens[next].kind == .openParenthesis || keyword(at: next) == "SELECT" || keyword(at: next) == "WITH" {
                return next
            }
        }
        return nil
    }

    // MARK: - Tokens

    /// The token's text uppercased when it is a bare word, otherwise `nil`.
    private func keyword(at index: Int) -> String? {
        guard index < tokens.count, tokens[index].kind == .word else { return nil }
        return text(at: index).uppercased()
    }

    private func text(at index: Int) -> String {
        String(decoding: bytes[tokens[index].range], as: UTF8.self)
    }

    /// Moves past `words` when the tokens at `index` are exactly those keywords.
    private func skip(_ words: String..., at index: inout Int) -> Bool {
        for (offset, word) in words.enumerated() where keyword(at: index + offset) != word {
            return false
        }
        index += words.count
        return true
    }

    /// The name at `index` (bare or quoted, optionally `database.name`), moving past it.
    private func objectName(at index: inout Int) -> ObjectName? {
        guard let first = identifier(at: index) else { return nil }
        if index + 2 < tokens.count, tokens[index + 1].kind == .dot, let second = identifier(at: index + 2) {
            index += 3
            return ObjectName(database: first, name: second)
        }
        index += 1
        return ObjectName(name: first)
    }

    /// A bare word as written, or a quoted identifier without its quotes.
    private func identifier(at index: Int) -> String? {
        guard index < tokens.count else { return nil }
        switch tokens[index].kind {
        case .word: return text(at: index)
        case .quotedIdentifier: return unquoted(at: index)
        default: return nil
        }
    }

    /// The value of a quoted token, undoing backslash escapes and doubled quotes the way ClickHouse's
    /// `readEscapedString` does for the common escapes.
    private func unquoted(at index: Int) -> String {
        let range = tokens[index].range
        let quote = bytes[range.lowerBound]
        var value: [UInt8] = []
        var position = range.lowerBound + 1
        let end = range.upperBound - 1
        while position < end {
            let byte = bytes[position]
            if byte == ASCII.backslash, position + 1 < end {
                let escaped = bytes[position + 1]
                let replacements: [UInt8: UInt8] = [
                    UInt8(ascii: "n"): 0x0A, UInt8(ascii: "t"): 0x09, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "0"): 0x00,
                    UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "a"): 0x07, UInt8(ascii: "v"): 0x0B,
                ]
                value.append(replacements[escaped] ?? escaped)
                position += 2
            } else if byte == quote, position + 1 < end, bytes[position + 1] == quote {
                value.append(quote)
                position += 2
            } else {
                value.append(byte)
                position += 1
            }
        }
        return String(decoding: value, as: UTF8.self)
    }
}
