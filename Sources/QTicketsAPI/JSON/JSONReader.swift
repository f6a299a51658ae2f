/// A forward-only reader over JSON bytes for the hot path: order pages, up to millions of orders a
/// run. It reads the fields the warehouse needs straight from the bytes and skips the rest without
/// building anything, where a `Decodable` pass would materialise every key of every object.
///
/// Numbers and strings are accepted for integers, flags and amounts (the docs and the real output
/// disagree on several fields), and amounts are read as decimal text, exact to the kopeck.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let message: String
        var description: String { "\(message) at byte \(offset)" }
    }

    func failure(_ message: String) -> Failure { Failure(offset: index, message: message) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func peek() throws(Failure) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw failure("unexpected end of the answer") }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try peek() == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Reads an object, calling `field` with each key; `field` must consume the value.
    mutating func object(_ field: (inout JSONReader, String) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try field(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` for each; `element` must consume the value.
    mutating func array(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try element(&self)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    /// Whether the next value is an object (as opposed to `[]` sent for an empty PHP array).
    mutating func nextIsObject() throws(Failure) -> Bool { try peek() == UInt8(ascii: "{") }

    /// Consumes `null` and answers true, or leaves any other value in place.
    mutating func null() throws(Failure) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw failure("unexpected end of the answer") }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("expected \(word)")
        }
        index += length
    }

    mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index = start
                return try escapedString()
            default: index += 1
            }
        }
        throw failure("unterminated string")
    }

    private mutating func escapedString() throws(Failure) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "u"):
                    flush()
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: utf8.append(escape)
                }
            default: utf8.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("bad \\u escape")
            }
        }
        return value
    }

    /// The raw text of a number, or of a string holding one.
    private mutating func numberText() throws(Failure) -> UnsafeBufferPointer<UInt8> {
        let quoted = try peek() == UInt8(ascii: "\"")
        if quoted { index += 1 }
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"),
                UInt8(ascii: "E"):
                index += 1
            default:
                let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if quoted {
                    guard bytes[index] == UInt8(ascii: "\"") else { throw failure("not a number") }
                    index += 1
                }
                guard !text.isEmpty else { throw failure("not a number") }
                return text
            }
        }
        throw failure("unexpected end of the answer")
    }

    /// An integer sent as a number or a numeric string.
    mutating func integer() throws(Failure) -> Int64 {
        let text = try numberText()
        var value: Int64 = 0
        var negative = false
        for (offset, byte) in text.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw failure("not a whole number") }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw failure("number out of range") }
            value = times + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    /// An amount as exact kopecks from decimal text (`1499.5`, `"250.25"`, `100`), rounded half
    /// away from zero past the second decimal; exponents go through Double.
    mutating func money() throws(Failure) -> Money {
        let text = try numberText()
        if text.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let number = Double(String(decoding: text, as: UTF8.self)), number.isFinite, abs(number) < 1e15 else {
                throw failure("amount out of range")
            }
            return Money(kopecks: Int64((number * 100).rounded()))
        }
        var units: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        var negative = false
        var inFraction = false
        for (offset, byte) in text.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0: negative = true
            case UInt8(ascii: "+") where offset == 0: continue
            case UInt8(ascii: ".") where !inFraction: inFraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if !inFraction {
                    guard units < 10_000_000_000_000 else { throw failure("amount out of range") }
                    units = units * 10 + digit
                } else if fractionDigits < 2 {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else if fractionDigits == 2 {
                    roundUp = digit >= 5
                    fractionDigits += 1
                }
            default: throw failure("not an amount")
            }
        }
        if fractionDigits == 1 { fraction *= 10 }
        let kopecks = units * 100 + fraction + (roundUp ? 1 : 0)
        return Money(kopecks: negative ? -kopecks : kopecks)
    }

    /// A flag sent as a bool, 0/1, or a numeric string.
    mutating func flag() throws(Failure) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            return try integer() != 0
        }
    }

    /// `null`, or an ISO-8601 instant with an offset.
    mutating func instant() throws(Failure) -> Instant? {
        if try null() { return nil }
        let text = try string()
        guard let instant = Instant(iso8601: text) else {
            throw failure("not an ISO-8601 instant with an offset: \(text.prefix(40))")
        }
        return instant
    }

    /// Skips any value.
    mutating func skip() throws(Failure) {
        switch try peek() {
        case UInt8(ascii: "{"), UInt8(ascii: "["): try skipContainer()
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberText()
        }
    }

    /// Skips an object or array by counting brackets outside strings; a cut-off answer still
    /// fails, here or at `end()`.
    private mutating func skipContainer() throws(Failure) {
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
                if depth == 0 { return }
            case UInt8(ascii: "\""): try skipString()
            default: index += 1
            }
        }
        throw failure("unexpected end of the answer")
    }

    private mutating func skipString() throws(Failure) {
        try expect(UInt8(ascii: "\""))
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        throw failure("unterminated string")
    }

    /// Fails unless only whitespace is left: a truncated or doubled answer must not pass.
    mutating func end() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the answer") }
    }
}
