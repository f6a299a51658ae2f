import Crypto

/// Splits ClickHouse SQL text into statements at the semicolons ClickHouse itself would see.
///
/// The text is tokenized with ClickHouse's lexical rules (`src/Parsers/Lexer.cpp`), so a `;` inside
/// a `'…'` string, a `"…"` or `` `…` `` identifier, a `$tag$…$tag$` heredoc or any comment
/// (`--`, `//`, `# `, nested `/* */`) does not end a statement. Empty statements (`;;`) and
/// statements made only of comments are dropped; the last statement needs no `;`.
public enum StatementSplitter {
    /// Splits `sql` into statements, in order.
    ///
    /// - Throws: `SQLSyntaxError` naming the line of an unclosed string, quoted identifier,
    ///   comment or heredoc, of a `#` ClickHouse would not read as a comment, or of a
    ///   `deployctl:` directive that is not written as `--` in the comments directly before a
    ///   statement.
    public static func split(_ sql: String) throws(SQLSyntaxError) -> [Statement] {
        try split(utf8: Array(sql.utf8))
    }

    /// Splits UTF-8 encoded SQL into statements, in order; see ``split(_:)``.
    ///
    /// - Throws: `SQLSyntaxError`, as ``split(_:)`` does.
    public static func split(utf8 bytes: [UInt8]) throws(SQLSyntaxError) -> [Statement] {
        let tokens = try SQLLexer.tokens(of: bytes)
        var statements: [Statement] = []
        var segmentStart = 0
        var previousSemicolonLine: Int?
        for (index, token) in tokens.enumerated() where token.kind == .semicolon {
            if let statement = try statement(
                in: tokens[segmentStart..<index], of: bytes, previousSemicolonLine: previousSemicolonLine)
            {
                statements.append(statement)
            }
            segmentStart = index + 1
            previousSemicolonLine = token.line
        }
        if let statement = try statement(
            in: tokens[segmentStart...], of: bytes, previousSemicolonLine: previousSemicolonLine)
        {
            statements.append(statement)
        }
        return statements
    }

    /// The statement made of the tokens between two semicolons, or `nil` when they hold only
    /// whitespace and comments.
    private static func statement(
        in segment: ArraySlice<SQLToken>,
        of bytes: [UInt8],
        previousSemicolonLine: Int?
    ) throws(SQLSyntaxError) -> Statement? {
        let significant = segment.filter(\.kind.isSignificant)
        guard let first = significant.first, let last = significant.last else {
            for token in segment {
                if let directive = try directive(in: token, of: bytes) {
                    throw SQLSyntaxError(
                        code: .misplacedDirective,
                        line: directive.line,
                        message:
                            "the directive '\(directive)' is followed by no statement, so it applies to nothing; move it to the comments directly before the statement it is about"
                    )
                }
            }
            return nil
        }
        var directives: [Directive] = []
        for token in segment {
            guard let directive = try directive(in: token, of: bytes) else { continue }
            if token.range.lowerBound > first.range.lowerBound {
                throw SQLSyntaxError(
                    code: .misplacedDirective,
                    line: directive.line,
                    message:
                        "the directive '\(directive)' stands inside or after the statement that starts on line \(first.line), where it applies to nothing; move it to its own line directly before that statement"
                )
            }
            if token.line == previousSemicolonLine {
                throw SQLSyntaxError(
                    code: .misplacedDirective,
                    line: directive.line,
                    message:
                        "the directive '\(directive)' shares its line with the end of the statement before it, yet it would apply to the statement on line \(first.line); put it on its own line directly before the statement it is about"
                )
            }
            directives.append(directive)
        }

        let body = segment.drop(while: { $0.range.lowerBound < first.range.lowerBound })
            .prefix(while: { $0.range.upperBound <= last.range.upperBound })
        let classification = StatementClassifier(tokens: significant, bytes: bytes).classify()
        return Statement(
            text: String(decoding: bytes[first.range.lowerBound..<last.range.upperBound], as: UTF8.self),
            line: first.line,
            directives: directives,
            hash: hash(of: body, in: bytes),
            kind: classification.kind,
            onCluster: classification.onCluster
        )
    }

    /// SHA-256 of the tokens with comments and whitespace between them reduced to one space.
    ///
    /// ClickHouse's lexer treats a comment exactly like whitespace, so replacing it by a space keeps
    /// the meaning, while `a/**/b` stays different from `ab`.
    private static func hash(of tokens: some Sequence<SQLToken>, in bytes: [UInt8]) -> String {
        var normalized: [UInt8] = []
        var separated = false
        for token in tokens {
            guard token.kind.isSignificant else {
                separated = true
                continue
            }
            if separated, !normalized.isEmpty {
                normalized.append(ASCII.space)
            }
            separated = false
            normalized.append(contentsOf: bytes[token.range])
        }
        return SHA256.hash(data: normalized).hexadecimal
    }

    /// The directive a comment carries, or `nil` when it carries none.
    ///
    /// A directive is recognised whatever the case of `deployctl:`, so that `-- DeployCtl:…` is
    /// checked rather than silently ignored.
    private static func directive(in token: SQLToken, of bytes: [UInt8]) throws(SQLSyntaxError) -> Directive? {
        guard case .comment(let style) = token.kind else { return nil }
        var body = bytes[token.range]
        switch style {
        case .dashes, .slashes:
            body = body.dropFirst(2)
        case .hash:
            body = body.dropFirst(1)
        case .block:
            body = body.dropFirst(2).dropLast(2)
        }
        body = body.trimmingASCIIWhitespace()
        let marker = Array("deployctl:".utf8)
        guard body.count >= marker.count, body.prefix(marker.count).map(lowercasedASCII) == marker else {
            return nil
        }
        guard style == .dashes else {
            throw SQLSyntaxError(
                code: .directiveStyle,
                line: token.line,
                message:
                    "deployctl directives are read only from '--' line comments, so this one would be ignored; write it as '-- \(String(decoding: body, as: UTF8.self))' on its own line"
            )
        }
        let rest = body.dropFirst(marker.count)
        let name = rest.prefix { !ASCII.isWhitespace($0) }
        let reason = rest.dropFirst(name.count).trimmingASCIIWhitespace()
        return Directive(
            name: String(decoding: name, as: UTF8.self),
            reason: String(decoding: reason, as: UTF8.self),
            line: token.line
        )
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}

extension ArraySlice<UInt8> {
    /// The slice without ASCII whitespace (including the `\r` of CRLF line ends) at either end.
    fileprivate func trimmingASCIIWhitespace() -> ArraySlice<UInt8> {
        var start = startIndex
        var end = endIndex
        while start < end, ASCII.isWhitespace(self[start]) { start += 1 }
        while end > start, ASCII.isWhitespace(self[end - 1]) { end -= 1 }
        return self[start..<end]
    }
}
