import SSH

extension String {
    /// The text as a single-quoted shell word.
    var shellQuoted: String { ShellQuote.quote(self) }
}
