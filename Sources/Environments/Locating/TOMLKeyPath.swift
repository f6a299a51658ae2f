/// The path to a value in a TOML document, such as `clickhouse.admin.password` or `hosts[1].port`.
///
/// Kept as components rather than a dotted string so that quoted keys containing dots can't be
/// confused with nested tables.
struct TOMLKeyPath: Hashable, Sendable, CustomStringConvertible {
    /// One step of a path: a key of a table or an index into an array.
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// The root table of the document.
    static let root = TOMLKeyPath(components: [])

    var components: [Component]

    /// The path with `key` added.
    func appending(_ key: String) -> TOMLKeyPath {
        TOMLKeyPath(components: components + [.key(key)])
    }

    /// The path with an array index added.
    func appending(index: Int) -> TOMLKeyPath {
        TOMLKeyPath(components: components + [.index(index)])
    }

    /// The path one step up, or `nil` for the root.
    var parent: TOMLKeyPath? {
        components.isEmpty ? nil : TOMLKeyPath(components: Array(components.dropLast()))
    }

    /// The path as users write it: bare keys joined by dots, indexes in brackets, other keys quoted.
    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty {
                    text += "."
                }
                text += Self.isBare(key) ? key : "\"\(key)\""
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    private static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy(TOMLSourceScanner.isBareKeyCharacter)
    }
}
