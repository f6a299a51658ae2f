/// ClickHouse's TabSeparated format: one row a line, tab between fields, `\N` for NULL, and
/// backslash escapes for tab, newline, backslash and a few more.
public enum TabSeparated {
    /// Decodes a TabSeparated answer into rows of fields; nil is NULL.
    public static func decode(_ text: String) -> [[String?]] {
        var rows: [[String?]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            rows.append(
                line.split(separator: "\t", omittingEmptySubsequences: false).map { field in
                    field == "\\N" ? nil : unescape(field)
                })
        }
        return rows
    }

    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var result = ""
        var escaping = false
        for character in field {
            if escaping {
                switch character {
                case "t": result.append("\t")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "0": result.append("\0")
                case "b": result.append("\u{8}")
                case "f": result.append("\u{c}")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
