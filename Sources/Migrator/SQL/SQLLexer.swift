/// Cuts ClickHouse SQL into tokens the way `Lexer::nextTokenImpl` in ClickHouse's
/// `src/Parsers/Lexer.cpp` does, wherever a difference could move a statement boundary or hide a
/// comment; other operators are read as single-byte symbols, since reading them whole would move
/// no boundary.
///
/// Differences, all on the side of refusing text rather than guessing:
/// - a `#` that is not followed by a space or `!` is an error here; ClickHouse makes it an error
///   token, which fails the statement only when it runs, after the earlier ones were applied;
/// - `$tag$` with a tag of word characters and no closing `$tag$` is an error here; ClickHouse
///   falls back to reading it as an identifier, which is almost always an unclosed heredoc.
struct SQLLexer {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var previousSignificant: SQLToken.Kind?

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Every token of `bytes`, whitespace and comments included, in order.
    ///
    /// - Throws: `SQLSyntaxError` for an unclosed string, quoted identifier, comment or heredoc,
    ///   and for a `#` that ClickHouse would not read as a comment.
    static func tokens(of bytes: [UInt8]) throws(SQLSyntaxError) -> [SQLToken] {
        var lexer = SQLLexer(bytes: bytes)
        var tokens: [SQLToken] = []
        while lexer.position < bytes.count {
            let start = lexer.position
            let kind = try lexer.nextKind()
            let token = SQLToken(kind: kind, range: start..<lexer.position, line: lexer.line)
            lexer.line += bytes[token.range].count { $0 == ASCII.newline }
            if kind.isSignificant {
                lexer.previousSignificant = kind
            }
            tokens.append(token)
        }
        return tokens
    }

    private var end: Int { bytes.count }

    private func byte(at index: Int) -> UInt8? {
        index < end ? bytes[index] : nil
    }

    private mutating func nextKind() throws(SQLSyntaxError) -> SQLToken.Kind {
        let start = position
        let first = bytes[start]
        switch first {
        case _ where ASCII.isWhitespace(first):
            position += 1
            while let next = byte(at: position), ASCII.isWhitespace(next) { position += 1 }
            return .whitespace
        case _ where ASCII.isDigit(first):
            return scanNumberOrWord()
        case ASCII.singleQuote:
            try scanQuoted(ASCII.singleQuote, unterminated: .unterminatedString, what: "string")
            return .string
        case ASCII.doubleQuote, ASCII.backquote:
            try scanQuoted(first, unterminated: .unterminatedQuotedIdentifier, what: "quoted identifier")
            return .quotedIdentifier
        case UInt8(ascii: "("): return single(.openParenthesis)
        case UInt8(ascii: ")"): return single(.closeParenthesis)
        case UInt8(ascii: "["): return single(.openBracket)
        case UInt8(ascii: "]"): return single(.closeBracket)
        case UInt8(ascii: "{"): return single(.openBrace)
        case UInt8(ascii: "}"): return single(.closeBrace)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ";"): return single(.semicolon)
        case UInt8(ascii: "."): return scanDot()
        case UInt8(ascii: "-"):
            position += 1
            if byte(at: position) == UInt8(ascii: "-") {
                skipToEndOfLine()
                return .comment(.dashes)
            }
            // `->` is one token in ClickHouse, but neither half can start a comment or a string, so
            // reading it as two symbols moves no boundary.
            return .symbol
        case UInt8(ascii: "/"):
            position += 1
            if byte(at: position) == UInt8(ascii: "/") {
                skipToEndOfLine()
                return .comment(.slashes)
            }
            if byte(at: position) == UInt8(ascii: "*") {
                try scanBlockComment(from: start)
                return .comment(.block)
            }
            return .symbol
        case UInt8(ascii: "#"):
            // Lexer.cpp: "we will recognize a comment only if # is followed by whitespace or #!";
            // the code checks for a space character only, not a tab.
            let next = byte(at: start + 1)
            guard next == ASCII.space || next == UInt8(ascii: "!") else {
                throw SQLSyntaxError(
                    code: .unrecognizedHash,
                    line: line,
                    message:
                        "ClickHouse reads '#' as a comment only when a space or '!' follows it, so this '#' would be a syntax error when the statement runs; write '# ' or '-- ' to start a comment"
                )
            }
            skipToEndOfLine()
            return .comment(.hash)
        case UInt8(ascii: "$"):
            if let heredoc = try scanHeredoc() {
                return heredoc
            }
            return scanWord()
        case UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "b"), UInt8(ascii: "B"):
            if start + 2 < end, bytes[start + 1] == ASCII.singleQuote {
                try scanHexOrBinaryString(hex: first == UInt8(ascii: "x") || first == UInt8(ascii: "X"))
                return .string
            }
            return scanWord()
        case _ where ASCII.isWordCharacter(first):
            return scanWord()
        case 0x80...:
            if unicodeWhitespaceLength(at: start) != nil {
                // Lexer.cpp skips these "to support queries copy-pasted from MS Word and similar".
                while let length = unicodeWhitespaceLength(at: position)
                    ?? byte(at: position).flatMap({ ASCII.isWhitespace($0) ? 1 : nil })
                {
                    position += length
                }
                return .whitespace
            }
            // Any other multi-byte UTF-8 character outside quotes stays one token so that no token
            // starts in the middle of a character.
            position += 1
            while let next = byte(at: position), next & 0xC0 == 0x80 { position += 1 }
            return .symbol
        default:
            return single(.symbol)
        }
    }

    /// The length of the Unicode space at `index`, or `nil`: the code points `skipWhitespacesUTF8`
    /// in ClickHouse's `UTF8Helpers.h` skips (U+0085, U+00A0, U+180E, U+2000–U+200D, U+2028,
    /// U+2029, U+202F, U+205F, U+2060, U+3000, U+FEFF).
    private func unicodeWhitespaceLength(at index: Int) -> Int? {
        guard let first = byte(at: index), first >= 0xC2, let second = byte(at: index + 1) else { return nil }
        if first == 0xC2 {
            return second == 0x85 || second == 0xA0 ? 2 : nil
        }
        guard let third = byte(at: index + 2) else { return nil }
        switch (first, second, third) {
        case (0xE1, 0xA0, 0x8E), (0xE2, 0x80, 0x80...0x8D), (0xE2, 0x80, 0xA8...0xA9), (0xE2, 0x80, 0xAF),
            (0xE2, 0x81, 0x9F), (0xE2, 0x81, 0xA0), (0xE3, 0x80, 0x80), (0xEF, 0xBB, 0xBF):
            return 3
        default:
            return nil
        }
    }

    private mutating func single(_ kind: SQLToken.Kind) -> SQLToken.Kind {
        position += 1
        return kind
    }

    /// Lexer.cpp's `comment_until_end_of_line`: the comment stops before `\n`, and a backslash
    /// cannot continue it.
    private mutating func skipToEndOfLine() {
        while let next = byte(at: position), next != ASCII.newline { position += 1 }
    }

    /// Lexer.cpp's `quotedString`: a backslash escapes the next byte and a doubled quote stands for
    /// one; used for `'…'` strings and for `"…"` and `` `…` `` identifiers alike.
    private mutating func scanQuoted(
        _ quote: UInt8,
        unterminated code: SQLSyntaxError.Code,
        what: String
    ) throws(SQLSyntaxError) {
        let quoteText = String(UnicodeScalar(quote))
        position += 1
        while let next = byte(at: position) {
            if next == quote {
                position += 1
                if byte(at: position) == quote {
                    position += 1
                    continue
                }
                return
            }
            position += next == ASCII.backslash ? 2 : 1
        }
        position = end
        throw SQLSyntaxError(
            code: code,
            line: line,
            message:
                "the \(what) opened with \(quoteText) here is never closed, so everything after it would be part of it; add the closing \(quoteText), and check for a backslash just before it (\\\(quoteText) is an escaped quote, not the end)"
        )
    }

    /// Lexer.cpp's nested `/* */` loop: every `/*` opens a level and every `*/` closes one.
    private mutating func scanBlockComment(from start: Int) throws(SQLSyntaxError) {
        position = start + 2
        var nesting = 1
        while position + 2 <= end {
            if bytes[position] == UInt8(ascii: "/"), bytes[position + 1] == UInt8(ascii: "*") {
                position += 2
                nesting += 1
            } else if bytes[position] == UInt8(ascii: "*"), bytes[position + 1] == UInt8(ascii: "/") {
                position += 2
                nesting -= 1
                if nesting == 0 { return }
            } else {
                position += 1
            }
        }
        position = end
        throw SQLSyntaxError(
            code: .unterminatedComment,
            line: line,
            message:
                "the /* comment opened here is never closed; ClickHouse nests block comments, so every /* inside it needs its own */ as well"
        )
    }

    /// Lexer.cpp's heredoc branch: the tag runs from this `$` to the next `$` anywhere after it, and
    /// the heredoc ends at the next occurrence of the whole `$tag$`.
    ///
    /// - Returns: `.heredoc`, `.symbol` for a lone `$`, or `nil` when the text is a word that
    ///   starts with `$`.
    private mutating func scanHeredoc() throws(SQLSyntaxError) -> SQLToken.Kind? {
        let start = position
        if let tagEnd = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "$")) {
            let tag = Array(bytes[start...tagEnd])
            if let closing = Self.firstIndex(of: tag, in: bytes, from: tagEnd + 1) {
                position = closing + tag.count
                return .heredoc
            }
            if tag.dropFirst().dropLast().allSatisfy(ASCII.isWordCharacter) {
                throw SQLSyntaxError(
                    code: .unterminatedHeredoc,
                    line: line,
                    message:
                        "the heredoc \(String(decoding: tag, as: UTF8.self)) opened here is never closed; end it with the same \(String(decoding: tag, as: UTF8.self))"
                )
            }
        }
        guard let next = byte(at: start + 1), ASCII.isWordCharacter(next) else {
            position += 1
            return .symbol
        }
        return nil
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count - start else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Lexer.cpp's `quotedHexOrBinString`: only hex (or binary) digits may stand between the quotes.
    private mutating func scanHexOrBinaryString(hex: Bool) throws(SQLSyntaxError) {
        position += 2
        while let next = byte(at: position),
            hex ? ASCII.isHexDigit(next) : (next == UInt8(ascii: "0") || next == UInt8(ascii: "1"))
        {
            position += 1
        }
        guard byte(at: position) == ASCII.singleQuote else {
            position = end
            let form = hex ? "x'…' hex" : "b'…' binary"
            throw SQLSyntaxError(
                code: .unterminatedString,
                line: line,
                message:
                    "the \(form) string opened here holds a character that is not a \(hex ? "hex" : "binary") digit or is never closed, and ClickHouse then reads the rest of the text as part of it; fix the digits or close the quote"
            )
        }
        position += 1
    }

    /// A bare word: keyword or identifier; `$` is a word character after the first one.
    private mutating func scanWord() -> SQLToken.Kind {
        position += 1
        while let next = byte(at: position), ASCII.isWordCharacter(next) || next == UInt8(ascii: "$") {
            position += 1
        }
        return .word
    }

    /// Lexer.cpp's `.` case: a dot after a name, bracket or number is the qualifier or tuple
    /// access operator; otherwise `.5` style numbers start here.
    private mutating func scanDot() -> SQLToken.Kind {
        let start = position
        let nextIsDigit = byte(at: start + 1).map(ASCII.isDigit) ?? false
        let follows: Set<SQLToken.Kind> = [.closeParenthesis, .closeBracket, .word, .quotedIdentifier, .number]
        if start > 0, !nextIsDigit || previousSignificant.map(follows.contains) == true {
            position += 1
            return .dot
        }
        position += 1
        scanDigits(startOfBlock: true, hex: false)
        scanExponent(hex: false)
        return .number
    }

    /// Lexer.cpp's digit case, which matters here because a number can swallow a `-` (`1e-5`), so
    /// `1e--5` holds no comment.
    private mutating func scanNumberOrWord() -> SQLToken.Kind {
        let start = position
        if previousSignificant == .dot {
            // After a dot only a plain integer is read, so that `x.1.1` is two tuple accesses.
            position += 1
            scanDigits(startOfBlock: false, hex: false)
        } else {
            var startOfBlock = false
            var hex = false
            if start + 2 < end, bytes[start] == UInt8(ascii: "0"),
                let marker = byte(at: start + 1),
                [UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "b"), UInt8(ascii: "B")].contains(marker)
            {
                let digit = bytes[start + 2]
                let isHexMarker = marker == UInt8(ascii: "x") || marker == UInt8(ascii: "X")
                let valid =
                    isHexMarker ? ASCII.isHexDigit(digit) : (digit == UInt8(ascii: "0") || digit == UInt8(ascii: "1"))
                if valid {
                    hex = isHexMarker
                    position += 2
                    startOfBlock = true
                } else {
                    position += 1
                }
            } else {
                position += 1
            }
            scanDigits(startOfBlock: startOfBlock, hex: hex)
            if byte(at: position) == UInt8(ascii: ".") {
                position += 1
                scanDigits(startOfBlock: true, hex: hex)
            }
            scanExponent(hex: hex)
        }
        if let next = byte(at: position), ASCII.isWordCharacter(next) {
            while let next = byte(at: position), ASCII.isWordCharacter(next) { position += 1 }
            return .word
        }
        return .number
    }

    private mutating func scanDigits(startOfBlock: Bool, hex: Bool) {
        var startOfBlock = startOfBlock
        while let next = byte(at: position),
            (hex ? ASCII.isHexDigit(next) : ASCII.isDigit(next))
                || isNumberSeparator(startOfBlock: startOfBlock, hex: hex)
        {
            position += 1
            startOfBlock = false
        }
    }

    private mutating func scanExponent(hex: Bool) {
        guard position + 1 < end else { return }
        let marker = bytes[position]
        let isExponent =
            hex
            ? marker == UInt8(ascii: "p") || marker == UInt8(ascii: "P")
            : marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E")
        guard isExponent else { return }
        position += 1
        if position + 1 < end, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
            position += 1
        }
        scanDigits(startOfBlock: true, hex: false)
    }

    /// StringUtils.h's `isNumberSeparator`: `_` between two digits, as in `1_000_000`.
    private func isNumberSeparator(startOfBlock: Bool, hex: Bool) -> Bool {
        guard byte(at: position) == UInt8(ascii: "_"), !startOfBlock, let next = byte(at: position + 1) else {
            return false
        }
        return hex ? ASCII.isHexDigit(next) : ASCII.isDigit(next)
    }
}
