import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One line per event, `key=value` pairs after a level and an event name, to stdout (journald
/// under systemd). Values are quoted when they contain spaces. Nothing secret is ever passed in.
public struct RunLog: Sendable {
    private let emit: @Sendable (String) -> Void

    public init(emit: @escaping @Sendable (String) -> Void) {
        self.emit = emit
    }

    /// Lines to standard output, flushed one by one.
    public static let standardOutput = RunLog { line in
        StandardStream.output.write(line + "\n")
    }

    public func info(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) {
        emit(Self.line("info", event, fields))
    }

    public func warning(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) {
        emit(Self.line("warning", event, fields))
    }

    public func error(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) {
        emit(Self.line("error", event, fields))
    }

    static func line(_ level: String, _ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible>)
        -> String
    {
        var line = "level=\(level) event=\(event)"
        for (key, value) in fields {
            let text = value.description
            let needsQuotes =
                text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline })
            let shown =
                needsQuotes
                ? "\"" + text.escapingScalars(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"]) + "\""
                : text
            line += " \(key)=\(shown)"
        }
        return line
    }
}
