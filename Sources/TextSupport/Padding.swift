extension StringProtocol {
    /// The text followed by spaces up to `width` characters, for aligned columns; longer text is kept whole.
    public func padded(to width: Int) -> String {
        count >= width ? String(self) : self + String(repeating: " ", count: width - count)
    }
}

extension BinaryInteger {
    /// The number in decimal with leading zeros up to `width` digits (`7` → `07`); `String(format:)`
    /// would do it, but it lives in full Foundation.
    public func zeroPadded(to width: Int) -> String {
        let digits = String(self)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
