import Foundation

/// The `key=value` lines of a script's output; keys may repeat, and a block between `<<KEY` and
/// `>>KEY` lines is one value (a file's content).
public struct ScriptAnswer: Sendable {
    public private(set) var values: [String: [String]] = [:]

    public init(_ output: String) {
        var block: (key: String, lines: [String])?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if var open = block {
                if line == ">>" + open.key {
                    values[open.key, default: []].append(open.lines.joined(separator: "\n"))
                    block = nil
                } else {
                    open.lines.append(String(line))
                    block = open
                }
            } else if line.hasPrefix("<<") {
                block = (String(line.dropFirst(2)), [])
            } else if let equals = line.firstIndex(of: "=") {
                values[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
            }
        }
    }

    public subscript(key: String) -> String? { values[key]?.last }

    public func all(_ key: String) -> [String] { values[key] ?? [] }

    /// Every `prefix<name>=value` as `name: value`.
    public func named(_ prefix: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, list) in values where key.hasPrefix(prefix) {
            result[String(key.dropFirst(prefix.count))] = list.last
        }
        return result
    }
}
