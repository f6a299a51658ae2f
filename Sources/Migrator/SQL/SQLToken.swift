/// One lexical unit of ClickHouse SQL, cut where ClickHouse's own lexer (`src/Parsers/Lexer.cpp`)
/// cuts it, so that splitting and classifying agree with the server on what is code and what is not.
struct SQLToken: Sendable, Hashable {
    /// What a token is, at the level of detail splitting and classifying need.
    enum Kind: Sendable, Hashable {
        /// Spaces, tabs, line breaks, form and vertical feeds.
        case whitespace
        /// A comment; ClickHouse treats every style as whitespace.
        case comment(CommentStyle)
        /// A keyword or unquoted identifier: letters, digits, `_` and `$`.
        case word
        /// An identifier in `"…"` or `` `…` ``.
        case quotedIdentifier
        /// A `'…'` string, or an `x'…'` / `b'…'` hex or binary string.
        case string
        /// A `$tag$…$tag$` string.
        case heredoc
        /// A numeric literal.
        case number
        case semicolon
        case comma
        case dot
        case openParenthesis
        case closeParenthesis
        case openBracket
        case closeBracket
        case openBrace
        case closeBrace
        /// Any other operator or punctuation, or a byte ClickHouse does not recognise outside quotes.
        case symbol

        /// Whether the token carries meaning; whitespace and comments do not.
        var isSignificant: Bool {
            switch self {
            case .whitespace, .comment: false
            default: true
            }
        }
    }

    /// How a comment was written; only `--` comments may carry deployctl directives.
    enum CommentStyle: Sendable, Hashable {
        /// `-- …` up to the end of the line.
        case dashes
        /// `// …` up to the end of the line.
        case slashes
        /// `# …` or `#!…` up to the end of the line.
        case hash
        /// `/* … */`, possibly nested.
        case block
    }

    var kind: Kind
    /// The token's bytes in the source, as offsets into its UTF-8 encoding.
    var range: Range<Int>
    /// The 1-based line the token starts on.
    var line: Int
}
