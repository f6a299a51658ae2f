import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `KEY=VALUE` file as systemd's `EnvironmentFile=` reads it: `#` and `;` comment lines, blank
/// lines, an optional `export `, values optionally in single quotes (literal) or double quotes
/// (with `\"`, `\\`, `\n` escapes).
///
/// Errors name the file and line and the key, never the value: values are secrets here.
public struct EnvironmentFile: Sendable {
    public let path: String
    public let values: [String: String]
    /// The line each key was set on (the last one when repeated).
    public let lines: [String: Int]

    public init(path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError([.init(variable: nil, message: "cannot read the env file \(path)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError([.init(variable: nil, message: "\(path) is not UTF-8 text")])
        }
        try self.init(path: path, text: text)
    }

    public init(path: String, text: String) throws(ConfigurationError) {
        var values: [String: String] = [:]
        var lines: [String: Int] = [:]
        var problems: [ConfigurationError.Problem] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(
                    .init(
                        variable: nil,
                        message: "\(path):\(number): not a KEY=VALUE line (shell text pasted into an env file?)"))
                continue
            }
            let key = line[..<equals].trimmingWhitespace()
            guard key.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil else {
                problems.append(
                    .init(variable: nil, message: "\(path):\(number): \"\(key.prefix(40))\" is not a variable name"))
                continue
            }
            switch Self.value(of: line[line.index(after: equals)...]) {
            case .success(let value):
                values[key] = value
                lines[key] = number
            case .failure(let reason):
                problems.append(.init(variable: key, message: "\(path):\(number): \(key): \(reason.text)"))
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        self.path = path
        self.values = values
        self.lines = lines
    }

    struct Reason: Error {
        let text: String
    }

    private static func value(of raw: Substring) -> Result<String, Reason> {
        let trimmed = raw.trimmingWhitespace()
        // systemd expands nothing here: `${CLICKHOUSE_PASSWORD}` would reach the program as is.
        if trimmed.contains("${") || trimmed.contains("$(") {
            return .failure(Reason(text: "shell expansion is not performed in env files; write the value itself"))
        }
        guard let quote = trimmed.first, quote == "\"" || quote == "'" else { return .success(trimmed) }
        var result = ""
        var index = trimmed.index(after: trimmed.startIndex)
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if character == quote {
                let rest = trimmed[trimmed.index(after: index)...].trimmingWhitespace()
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    return .failure(Reason(text: "text after the closing quote"))
                }
                return .success(result)
            }
            if quote == "\"", character == "\\" {
                let next = trimmed.index(after: index)
                guard next < trimmed.endIndex else { break }
                switch trimmed[next] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(trimmed[next])
                }
                index = trimmed.index(after: next)
                continue
            }
            result.append(character)
            index = trimmed.index(after: index)
        }
        return .failure(Reason(text: "the quote is not closed"))
    }
}

extension EnvironmentFile {
    /// Whether `name` names a secret: it holds TOKEN, PASSWORD, PASSWD, SECRET or KEY, in any case
    /// and anywhere (`QTICKETS_TOKEN`, `clickhouse_password2`, `API_KEY`).
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY"].contains { upper.contains($0) }
    }

    /// The values of `text`'s secret variables, read as the loader and systemd read the file
    /// (`export`, spaces around the name, quotes, escapes). A file the parser refuses yields the
    /// value of every line that holds `=`, with and without its quotes: whatever may be a secret.
    public static func secretValues(in text: String) -> [String] {
        if let file = try? EnvironmentFile(path: "env file", text: text) {
            return file.values.filter { isSecretName($0.key) }.map(\.value).sorted()
        }
        var values: [String] = []
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            values.append(String(value))
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                values.append(String(value.dropFirst().dropLast()))
            }
        }
        return values
    }
}
