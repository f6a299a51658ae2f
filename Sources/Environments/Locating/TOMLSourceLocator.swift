/// Finds where a key is written in a TOML document, so that a problem found after parsing can be
/// reported at the right line.
///
/// TOMLKit does not expose node positions, so the locator scans the text itself. It assumes the
/// text already parsed successfully and only has to be good enough to map key paths to positions.
struct TOMLSourceLocator: Sendable {
    private let positions: [TOMLKeyPath: SourcePosition]

    /// Scans `text` and records the position of every key, table header and array element.
    init(text: String) {
        var scanner = TOMLSourceScanner(text: text)
        positions = scanner.scan()
    }

    /// Where the key at `path` is written: a key's first character, a table's header, an array
    /// element's first character; `nil` when the document does not mention the path.
    func position(of path: TOMLKeyPath) -> SourcePosition? {
        positions[path]
    }

    /// The position of `path`, or else of its closest ancestor that is written in the document,
    /// or else the start of the document.
    ///
    /// A missing key is reported this way, at the header of the table it should have been in.
    func nearestPosition(of path: TOMLKeyPath) -> SourcePosition {
        var candidate: TOMLKeyPath? = path
        while let current = candidate {
            if let position = positions[current] {
                return position
            }
            candidate = current.parent
        }
        return .start
    }
}
