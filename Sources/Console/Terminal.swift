import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// When text output may use colour.
public enum ColorMode: String, Sendable, CaseIterable {
    /// Only on a terminal, and never with `NO_COLOR` or `TERM=dumb`.
    case auto
    case always
    case never
}

/// Text output for people: aligned columns, colour only on a terminal (and never with NO_COLOR).
public struct Terminal: Sendable {
    /// Whether escapes are written.
    public let colored: Bool

    public init(mode: ColorMode, environment: [String: String] = ProcessInfo.processInfo.environment) {
        switch mode {
        case .always: colored = true
        case .never: colored = false
        case .auto:
            colored = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        }
    }

    /// Plain text, for tests and files.
    public static let plain = Terminal(mode: .never)

    public func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// A verdict label padded to one width, green, yellow or red.
    public func status(_ status: CheckStatus) -> String {
        let label = status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
        switch status {
        case .ok: return paint(label, "32")
        case .warn: return paint(label, "33")
        case .fail: return paint(label, "31;1")
        }
    }

    public func bold(_ text: String) -> String { paint(text, "1") }
    public func dim(_ text: String) -> String { paint(text, "2") }

    /// Rows with their columns padded to the widest cell; the last column is not padded.
    public static func table(_ rows: [[String]], indent: String = "  ") -> String {
        guard let columns = rows.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() where index < columns - 1 {
                widths[index] = max(widths[index], visibleWidth(cell))
            }
        }
        return rows.map { row in
            indent
                + row.enumerated().map { index, cell in
                    index == row.count - 1
                        ? cell : cell + String(repeating: " ", count: widths[index] - visibleWidth(cell))
                }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Width of `text` on screen, ignoring colour escapes.
    public static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if character == "\u{1B}" {
                inEscape = true
            } else if inEscape {
                if character == "m" { inEscape = false }
            } else {
                width += 1
            }
        }
        return width
    }

    /// `error: message` on standard error.
    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }
}
