extension StringProtocol {
    /// The text without leading and trailing whitespace (spaces, tabs, line ends and the other
    /// Unicode white space characters).
    public func trimmingWhitespace() -> String {
        trimming(where: \.isWhitespace)
    }

    /// The text without leading and trailing characters for which `isTrimmed` holds.
    public func trimming(where isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) })
        else { return "" }
        return String(self[first...last])
    }
}
