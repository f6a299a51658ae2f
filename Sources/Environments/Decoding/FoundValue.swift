import TOMLKit

/// Renders a value a user wrote for the "found …" part of a message.
enum FoundValue {
    /// Long values are cut so that one problem stays on one readable line.
    private static let maximumLength = 80

    /// The value as TOML would show it, such as `"8123"` or `70000`.
    ///
    /// - Parameter showingType: Whether to add the value's type, as in `"8123" (a string)`, for
    ///   messages where the type is what is wrong.
    static func describe(_ value: any TOMLValueConvertible, showingType: Bool) -> String {
        let text: String
        let typeName: String
        switch value.type {
        case .table:
            return "a table"
        case .array:
            return "an array"
        case .string:
            text = quoted(value.string ?? "")
            typeName = "a string"
        case .int:
            text = value.int.map(String.init) ?? ""
            typeName = "an integer"
        case .double:
            text = value.double.map { "\($0)" } ?? ""
            typeName = "a floating-point number"
        case .bool:
            text = value.bool.map { "\($0)" } ?? ""
            typeName = "a boolean"
        case .date:
            text = value.debugDescription
            typeName = "a date"
        case .time:
            text = value.debugDescription
            typeName = "a time"
        case .dateTime:
            text = value.debugDescription
            typeName = "a date-time"
        }
        return showingType ? "\(text) (\(typeName))" : text
    }

    private static func quoted(_ string: String) -> String {
        var escaped = ""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        if escaped.count > maximumLength {
            escaped = String(escaped.prefix(maximumLength)) + "…"
        }
        return "\"\(escaped)\""
    }
}
