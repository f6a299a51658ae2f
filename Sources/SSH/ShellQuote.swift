import Foundation

/// Quoting for POSIX shells, for building remote command lines from paths and values.
public enum ShellQuote {
    /// `value` as one shell word: unchanged when it holds only safe characters, else in single quotes.
    public static func quote(_ value: String) -> String {
        let safe = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0)) }
        if safe && !value.isEmpty { return value }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
