extension StringProtocol {
    /// The text with every Unicode scalar that has an entry in `escapes` replaced by it. Works on
    /// scalars, not characters: a quote followed by a combining accent is one `Character`, and a
    /// character-level replacement would leave that quote unescaped.
    public func escapingScalars(_ escapes: [Unicode.Scalar: String]) -> String {
        var escaped = ""
        escaped.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let replacement = escapes[scalar] {
                escaped += replacement
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
