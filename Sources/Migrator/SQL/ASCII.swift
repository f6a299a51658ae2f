/// The byte classes of ClickHouse's `StringUtils.h`, which its lexer uses instead of Unicode
/// categories: only ASCII letters, digits and `_` make up words.
enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let singleQuote = UInt8(ascii: "'")
    static let doubleQuote = UInt8(ascii: "\"")
    static let backquote = UInt8(ascii: "`")
    static let backslash = UInt8(ascii: "\\")

    /// `isWhitespaceASCII`: space, `\t`, `\n`, `\r`, `\f` and `\v`.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || (0x09...0x0D).contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `isWordCharASCII`: letters, digits and `_`.
    static func isWordCharacter(_ byte: UInt8) -> Bool {
        isDigit(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_")
    }
}
