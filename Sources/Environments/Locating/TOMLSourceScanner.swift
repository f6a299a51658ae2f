/// Walks a TOML document once and records where every key, table header and array element starts.
///
/// The scanner understands just enough TOML to keep its place: table and array-of-tables headers
/// (counting `[[hosts]]` occurrences to know each element's index), dotted and quoted keys, inline
/// tables, arrays, strings of all four kinds, and comments. It never fails: on text it does not
/// understand it skips a character and carries on, because the document has already been parsed
/// by TOMLKit and only positions are wanted here.
struct TOMLSourceScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var currentTable = TOMLKeyPath.root
    private var arrayOfTablesCounts: [TOMLKeyPath: Int] = [:]
    private var positions: [TOMLKeyPath: SourcePosition] = [:]

    init(text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// Whether `scalar` may appear in an unquoted key.
    static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// Scans the whole document and returns the position of every path it mentions.
    mutating func scan() -> [TOMLKeyPath: SourcePosition] {
        while let scalar = peek() {
            switch scalar {
            case " ", "\t", "\r", "\n", "\u{FEFF}":
                advance()
            case "#":
                skipToEndOfLine()
            case "[":
                scanHeader()
            default:
                scanKeyValue(in: currentTable)
            }
        }
        return positions
    }

    // MARK: - Document structure

    private mutating func scanHeader() {
        let start = here
        advance()
        let isArrayOfTables = peek() == "["
        if isArrayOfTables {
            advance()
        }
        let keys = scanKey()
        skipToEndOfLine()

        var path = TOMLKeyPath.root
        for (offset, key) in keys.enumerated() {
            path = path.appending(key)
            let isLast = offset == keys.count - 1
            if isLast && isArrayOfTables {
                let count = arrayOfTablesCounts[path, default: 0]
                arrayOfTablesCounts[path] = count + 1
                record(path, at: start)
                path = path.appending(index: count)
                record(path, at: start)
            } else if isLast {
                // An explicit header wins over a position recorded when a deeper header defined the table implicitly.
                positions[path] = start
            } else {
                if let count = arrayOfTablesCounts[path] {
                    path = path.appending(index: count - 1)
                }
                record(path, at: start)
            }
        }
        currentTable = path
    }

    private mutating func scanKeyValue(in table: TOMLKeyPath) {
        let start = here
        let keys = scanKey()
        guard let last = keys.last else {
            advance()
            return
        }
        var path = table
        for key in keys.dropLast() {
            path = path.appending(key)
            record(path, at: start)
        }
        path = path.appending(last)
        record(path, at: start)

        skipInlineWhitespace()
        guard peek() == "=" else {
            return
        }
        advance()
        skipInlineWhitespace()
        scanValue(at: path)
    }

    private mutating func scanValue(at path: TOMLKeyPath) {
        switch peek() {
        case "\"", "'":
            skipString()
        case "{":
            scanInlineTable(at: path)
        case "[":
            scanArray(at: path)
        default:
            skipScalar()
        }
    }

    private mutating func scanInlineTable(at path: TOMLKeyPath) {
        advance()
        while true {
            skipWhitespaceAndComments()
            guard let scalar = peek() else {
                return
            }
            switch scalar {
            case "}":
                advance()
                return
            case ",":
                advance()
            default:
                scanKeyValue(in: path)
            }
        }
    }

    private mutating func scanArray(at path: TOMLKeyPath) {
        advance()
        var element = 0
        while true {
            skipWhitespaceAndComments()
            guard let scalar = peek() else {
                return
            }
            switch scalar {
            case "]":
                advance()
                return
            case ",":
                advance()
            default:
                let elementPath = path.appending(index: element)
                record(elementPath, at: here)
                let before = index
                scanValue(at: elementPath)
                if index == before {
                    advance()
                }
                element += 1
            }
        }
    }

    private mutating func record(_ path: TOMLKeyPath, at position: SourcePosition) {
        if positions[path] == nil {
            positions[path] = position
        }
    }

    // MARK: - Keys

    /// Reads a possibly dotted key and returns its parts, unquoted; empty when no key starts here.
    private mutating func scanKey() -> [String] {
        var keys: [String] = []
        while true {
            skipInlineWhitespace()
            guard let scalar = peek() else {
                break
            }
            if scalar == "\"" {
                keys.append(scanBasicStringKey())
            } else if scalar == "'" {
                keys.append(scanLiteralStringKey())
            } else if Self.isBareKeyCharacter(scalar) {
                var key = String.UnicodeScalarView()
                while let next = peek(), Self.isBareKeyCharacter(next) {
                    key.append(next)
                    advance()
                }
                keys.append(String(key))
            } else {
                break
            }
            skipInlineWhitespace()
            guard peek() == "." else {
                break
            }
            advance()
        }
        return keys
    }

    private mutating func scanBasicStringKey() -> String {
        advance()
        var key = String.UnicodeScalarView()
        while let scalar = peek(), scalar != "\"", scalar != "\n" {
            advance()
            guard scalar == "\\", let escaped = peek() else {
                key.append(scalar)
                continue
            }
            advance()
            switch escaped {
            case "b": key.append("\u{08}")
            case "t": key.append("\t")
            case "n": key.append("\n")
            case "f": key.append("\u{0C}")
            case "r": key.append("\r")
            case "u": key.append(scanUnicodeEscape(digits: 4))
            case "U": key.append(scanUnicodeEscape(digits: 8))
            default: key.append(escaped)
            }
        }
        if peek() == "\"" {
            advance()
        }
        return String(key)
    }

    private mutating func scanUnicodeEscape(digits: Int) -> Unicode.Scalar {
        var hex = ""
        for _ in 0..<digits {
            guard let scalar = peek(), scalar.properties.isASCIIHexDigit else {
                break
            }
            hex.unicodeScalars.append(scalar)
            advance()
        }
        return UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) ?? "\u{FFFD}"
    }

    private mutating func scanLiteralStringKey() -> String {
        advance()
        var key = String.UnicodeScalarView()
        while let scalar = peek(), scalar != "'", scalar != "\n" {
            key.append(scalar)
            advance()
        }
        if peek() == "'" {
            advance()
        }
        return String(key)
    }

    // MARK: - Skipping

    private mutating func skipString() {
        guard let quote = peek() else {
            return
        }
        let isBasic = quote == "\""
        if peek(1) == quote && peek(2) == quote {
            advance(3)
            while let scalar = peek() {
                if scalar == quote && peek(1) == quote && peek(2) == quote {
                    advance(3)
                    // Up to two quotes may sit right before the closing delimiter and belong to the string.
                    var extra = 0
                    while peek() == quote && extra < 2 {
                        advance()
                        extra += 1
                    }
                    return
                }
                advance(isBasic && scalar == "\\" ? 2 : 1)
            }
            return
        }
        advance()
        while let scalar = peek(), scalar != "\n" {
            if scalar == quote {
                advance()
                return
            }
            advance(isBasic && scalar == "\\" ? 2 : 1)
        }
    }

    private mutating func skipScalar() {
        while let scalar = peek(), ![",", "]", "}", "\n", "#"].contains(scalar) {
            advance()
        }
    }

    private mutating func skipToEndOfLine() {
        while let scalar = peek(), scalar != "\n" {
            advance()
        }
    }

    private mutating func skipInlineWhitespace() {
        while let scalar = peek(), scalar == " " || scalar == "\t" {
            advance()
        }
    }

    private mutating func skipWhitespaceAndComments() {
        while let scalar = peek() {
            switch scalar {
            case " ", "\t", "\r", "\n":
                advance()
            case "#":
                skipToEndOfLine()
            default:
                return
            }
        }
    }

    // MARK: - Cursor

    private var here: SourcePosition {
        SourcePosition(line: line, column: column)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < scalars.count {
            if scalars[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
    }
}
