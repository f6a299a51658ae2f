import TOMLKit

/// Reads the keys of one TOML table, reporting every absent, mistyped or invalid value to a
/// ``DiagnosticCollector`` instead of stopping at the first one.
///
/// Every key asked for is remembered as known, so that ``reportUnknownKeys()`` can flag the rest
/// as typos and suggest the closest known key.
final class TableReader {
    /// Where this table is in the document.
    let path: TOMLKeyPath

    /// Where problems are reported.
    let diagnostics: DiagnosticCollector

    private let table: TOMLTable
    private var knownKeys: [String] = []

    init(table: TOMLTable, path: TOMLKeyPath, diagnostics: DiagnosticCollector) {
        self.table = table
        self.path = path
        self.diagnostics = diagnostics
    }

    /// Whether the table has `key`, whatever its value.
    func contains(_ key: String) -> Bool {
        table.contains(key: key)
    }

    /// Marks `key` as known and returns its raw value, if present.
    func value(_ key: String) -> (any TOMLValueConvertible)? {
        if !knownKeys.contains(key) {
            knownKeys.append(key)
        }
        return table[key]
    }

    /// Reads a string.
    ///
    /// - Parameters:
    ///   - required: Whether an absent key is a problem.
    ///   - expected: What the value should be, phrased to follow "expected" in messages.
    ///   - acceptingIntegers: Whether an integer is read too, as its decimal digits (a chat id may be written either way).
    ///   - isValid: A check the string must pass besides being a string.
    /// - Returns: The string, or `nil` when it is absent or a problem was reported.
    func string(
        _ key: String,
        required: Bool = false,
        expected: String,
        acceptingIntegers: Bool = false,
        isValid: (String) -> Bool = { _ in true }
    ) -> String? {
        let keyPath = path.appending(key)
        guard let value = value(key) else {
            if required {
                diagnostics.reportMissing(keyPath, expected: expected)
            }
            return nil
        }
        guard let string = value.string ?? (acceptingIntegers ? value.int.map(String.init) : nil) else {
            reportWrongType(value, at: keyPath, expected: expected)
            return nil
        }
        guard isValid(string) else {
            reportInvalid(value, at: keyPath, expected: expected)
            return nil
        }
        return string
    }

    /// Reads one of the string values of `Choice`, such as `role = "staging"`.
    func choice<Choice: RawRepresentable<String> & CaseIterable>(
        _ key: String,
        required: Bool = false,
        as type: Choice.Type
    ) -> Choice? {
        let names = Choice.allCases.map { "\"\($0.rawValue)\"" }
        let expected = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        return string(key, required: required, expected: expected) { Choice(rawValue: $0) != nil }
            .flatMap(Choice.init(rawValue:))
    }

    /// Reads an integer that must lie in `range`.
    func integer(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        let keyPath = path.appending(key)
        let expected = "an integer in \(range.lowerBound)...\(range.upperBound)"
        guard let value = value(key) else {
            if required {
                diagnostics.reportMissing(keyPath, expected: expected)
            }
            return nil
        }
        guard let integer = value.int else {
            reportWrongType(value, at: keyPath, expected: expected)
            return nil
        }
        guard range.contains(integer) else {
            reportInvalid(value, at: keyPath, expected: expected)
            return nil
        }
        return integer
    }

    /// Reads a boolean.
    func boolean(_ key: String) -> Bool? {
        guard let value = value(key) else {
            return nil
        }
        guard let boolean = value.bool else {
            reportWrongType(value, at: path.appending(key), expected: "true or false")
            return nil
        }
        return boolean
    }

    /// Reads an array of strings, each of which must pass `isValid`.
    ///
    /// - Returns: The strings, or `nil` when the key is absent or a problem was reported.
    func strings(_ key: String, expected: String, isValid: (String) -> Bool = { _ in true }) -> [String]? {
        let keyPath = path.appending(key)
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            reportWrongType(value, at: keyPath, expected: "an array of \(expected)")
            return nil
        }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            let elementPath = keyPath.appending(index: index)
            guard let string = element.string else {
                reportWrongType(element, at: elementPath, expected: expected)
                return nil
            }
            guard isValid(string) else {
                reportInvalid(element, at: elementPath, expected: expected)
                return nil
            }
            strings.append(string)
        }
        return strings
    }

    /// Reads a nested table, either a `[section]` or an inline `{ … }` table.
    func table(_ key: String, required: Bool = false, expected: String) -> TableReader? {
        let keyPath = path.appending(key)
        guard let value = value(key) else {
            if required {
                diagnostics.reportMissing(keyPath, expected: expected)
            }
            return nil
        }
        guard let table = value.table else {
            reportWrongType(value, at: keyPath, expected: expected)
            return nil
        }
        return TableReader(table: table, path: keyPath, diagnostics: diagnostics)
    }

    /// Reads an array of tables, written as repeated `[[key]]` sections.
    ///
    /// - Returns: A reader per element that is a table, or `nil` when the key is absent or not an array.
    func arrayOfTables(_ key: String, required: Bool = false, expected: String) -> [TableReader]? {
        let keyPath = path.appending(key)
        guard let value = value(key) else {
            if required {
                diagnostics.reportMissing(keyPath, expected: expected)
            }
            return nil
        }
        guard let array = value.array else {
            reportWrongType(value, at: keyPath, expected: expected)
            return nil
        }
        var readers: [TableReader] = []
        for (index, element) in array.enumerated() {
            let elementPath = keyPath.appending(index: index)
            if let table = element.table {
                readers.append(TableReader(table: table, path: elementPath, diagnostics: diagnostics))
            } else {
                reportWrongType(element, at: elementPath, expected: "a table")
            }
        }
        return readers
    }

    /// Reports every key of the table that was never asked for, suggesting the closest known key.
    func reportUnknownKeys() {
        for key in table.keys.sorted() where !knownKeys.contains(key) {
            let keyPath = path.appending(key)
            let message: String
            if let suggestion = KeySuggestion.nearest(to: key, among: knownKeys) {
                message = "unknown key '\(keyPath)' — did you mean '\(suggestion)'?"
            } else {
                message = "unknown key '\(keyPath)'; known keys here: \(knownKeys.joined(separator: ", "))"
            }
            diagnostics.report(.unknownKey, at: keyPath, message)
        }
    }

    private func reportWrongType(_ value: any TOMLValueConvertible, at keyPath: TOMLKeyPath, expected: String) {
        let found = FoundValue.describe(value, showingType: true)
        diagnostics.report(.wrongType, at: keyPath, "expected \(expected), found \(found)")
    }

    private func reportInvalid(_ value: any TOMLValueConvertible, at keyPath: TOMLKeyPath, expected: String) {
        let found = FoundValue.describe(value, showingType: false)
        diagnostics.report(.invalidValue, at: keyPath, "expected \(expected), found \(found)")
    }
}
