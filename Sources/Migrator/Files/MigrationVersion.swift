/// A migration's version: the number its file names start with, ordered numerically.
///
/// `0002` and `02` are the same version; file names use at least four digits.
public struct MigrationVersion: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The version's numeric value, as stored in the history table.
    public let value: UInt64

    /// Creates a version from its numeric value.
    public init(_ value: UInt64) {
        self.value = value
    }

    /// Creates a version from an integer literal, as in `let first: MigrationVersion = 1`.
    public init(integerLiteral value: UInt64) {
        self.value = value
    }

    /// Reads a version from its digits, such as `0004`.
    ///
    /// - Returns: `nil` when `text` is empty, holds anything but ASCII digits, or exceeds `UInt64`.
    public init?(_ text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy(ASCII.isDigit), let value = UInt64(text) else { return nil }
        self.value = value
    }

    /// Orders versions by their numeric value.
    public static func < (lhs: MigrationVersion, rhs: MigrationVersion) -> Bool {
        lhs.value < rhs.value
    }

    /// The version padded to four digits, as file names write it: `0004`.
    public var description: String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
