extension StringProtocol {
    /// The text followed by spaces up to `width` characters, for aligned columns; longer text is kept whole.
    public func padded(to width: Int) -> String {
        count >= width ? String(self) : self + String(repeating: " ", count: width - count)
    }
}
