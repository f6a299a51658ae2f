import Foundation

/// Checks a migration file's bytes for the encoding damage the original team's SQL had: a byte
/// order mark, bytes that are not UTF-8, and mojibake.
///
/// Each check runs before splitting because ClickHouse would take a BOM for part of the first
/// statement's text and would store mojibake in string literals without complaint.
enum MigrationText {
    /// The bytes to split (without a BOM), or `nil` when they are not UTF-8, and the problems found.
    static func check(_ bytes: [UInt8], file: String) -> (utf8: [UInt8]?, diagnostics: [MigrationSetError.Diagnostic]) {
        var diagnostics: [MigrationSetError.Diagnostic] = []
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            diagnostics.append(
                .init(
                    code: .byteOrderMark,
                    file: file,
                    line: 1,
                    message:
                        "the file starts with a UTF-8 byte order mark (EF BB BF), which ClickHouse would read as part of the first statement; save the file as UTF-8 without BOM"
                ))
            body = body.dropFirst(3)
        }
        if let offset = firstInvalidOffset(in: body) {
            let before = body[..<offset]
            let line = 1 + before.count { $0 == ASCII.newline }
            let column = before.count - (before.lastIndex(of: ASCII.newline).map { $0 + 1 - body.startIndex } ?? 0) + 1
            diagnostics.append(
                .init(
                    code: .invalidUTF8,
                    file: file,
                    line: line,
                    message:
                        "byte 0x\(hex(body[offset])) at column \(column) is not UTF-8; the file was probably saved in a legacy encoding such as Windows-1251, so re-save it as UTF-8"
                ))
            return (nil, diagnostics)
        }
        for (index, lineBytes) in body.split(separator: ASCII.newline, omittingEmptySubsequences: false).enumerated() {
            let line = String(
                decoding: lineBytes.last == ASCII.carriageReturn ? lineBytes.dropLast() : lineBytes, as: UTF8.self)
            if let message = mojibake(in: line) {
                diagnostics.append(.init(code: .mojibake, file: file, line: index + 1, message: message))
            }
        }
        return (Array(body), diagnostics)
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence.
    private static func firstInvalidOffset(in bytes: ArraySlice<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = bytes.startIndex
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                offset += scalar.count
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }

    /// Why `line` looks damaged, or `nil`.
    ///
    /// UTF-8 text that was decoded as a one-byte code page and saved again turns back into valid
    /// UTF-8 when encoded in that code page; intact text almost never does, because a whole line of
    /// Cyrillic or accented letters would have to pair up into valid UTF-8 sequences by chance.
    private static func mojibake(in line: String) -> String? {
        if line.unicodeScalars.contains("\u{FFFD}") {
            return
                "the line holds U+FFFD (\u{FFFD}), which a failed conversion leaves where it could not read a character; the original characters are lost, so retype them"
        }
        guard !line.allSatisfy(\.isASCII) else { return nil }
        let codePages: [(String.Encoding, String)] = [
            (.windowsCP1251, "Windows-1251"), (.windowsCP1252, "Windows-1252"),
        ]
        for (encoding, name) in codePages {
            guard let data = line.data(using: encoding, allowLossyConversion: false),
                let repaired = String(data: data, encoding: .utf8), repaired != line
            else { continue }
            return
                "the line reads like UTF-8 text that was decoded as \(name) and saved again: '\(excerpt(line))' was '\(excerpt(repaired))'; put back the original text"
        }
        return nil
    }

    private static func excerpt(_ line: String) -> String {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 60 ? trimmed.prefix(60) + "…" : trimmed
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
