/// A 1-based line and column in a TOML document.
struct SourcePosition: Hashable, Sendable {
    var line: Int
    var column: Int

    /// The start of the document, where problems with the root table are reported.
    static let start = SourcePosition(line: 1, column: 1)
}
